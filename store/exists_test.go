package store

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// Exists finds a store where serve made one and nowhere else, and makes
// nothing while it looks: on the embedded store and over the MongoDB
// protocol (here the embedded FerretDB's own).
func TestExistsMakesNothing(t *testing.T) {
	ctx := context.Background()
	parent := t.TempDir()
	missing := filepath.Join(parent, "missing")
	empty := filepath.Join(parent, "empty")
	if err := os.Mkdir(empty, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{missing, empty} {
		if ok, err := Exists(ctx, Options{DataDir: dir}); ok || err != nil {
			t.Errorf("%s: %v %v", dir, ok, err)
		}
	}
	if _, err := os.Stat(missing); !os.IsNotExist(err) {
		t.Errorf("the missing directory was made: %v", err)
	}
	if entries, _ := os.ReadDir(empty); len(entries) != 0 {
		t.Errorf("the empty directory holds %v", entries)
	}

	dir := filepath.Join(parent, "data")
	st, err := Open(ctx, Options{DataDir: dir, Database: "yv_exists"})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close(ctx)
	for db, want := range map[string]bool{"yv_exists": true, "youthvoice": false, "other": false} {
		if ok, err := Exists(ctx, Options{DataDir: dir, Database: db}); ok != want || err != nil {
			t.Errorf("embedded %s: %v %v", db, ok, err)
		}
		if ok, err := Exists(ctx, Options{MongoURI: st.embedded.uri, Database: db}); ok != want || err != nil {
			t.Errorf("over the MongoDB protocol, %s: %v %v", db, ok, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, DatabaseFile("other"))); !os.IsNotExist(err) {
		t.Errorf("asking made the database: %v", err)
	}
}
