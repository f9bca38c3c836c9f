package store

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
)

// Every table of the embedded database has the index FerretDB's lookups
// by _id can use, and SQLite uses it for them: a search, not a scan.
func TestEmbeddedLookupsByIDUseAnIndex(t *testing.T) {
	opts := ixTestOptions(t)
	if opts.MongoURI != "" {
		t.Skip("the embedded store's SQLite tables only")
	}
	st := ixOpen(t, opts)
	ctx := context.Background()
	if _, err := st.db.Collection(colSummaries).InsertOne(ctx, map[string]any{"_id": "s1", "n": 1}); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", "file:"+filepath.ToSlash(filepath.Join(st.embedded.dir, "youthvoice.sqlite")))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT name, table_name FROM "_ferretdb_collections"`)
	if err != nil {
		t.Fatal(err)
	}
	tables := map[string]string{}
	for rows.Next() {
		var name, table string
		if err := rows.Scan(&name, &table); err != nil {
			t.Fatal(err)
		}
		tables[name] = table
	}
	rows.Close()
	for _, name := range storeCollections {
		table, ok := tables[name]
		if !ok {
			t.Errorf("collection %s was not made at open", name)
			continue
		}
		// The query FerretDB 1.24 sends for a lookup by _id
		// (internal/backends/sqlite/collection.go).
		var id, parent, notUsed int
		var detail string
		q := `EXPLAIN QUERY PLAN SELECT _ferretdb_sjson FROM "` + table + `" WHERE _ferretdb_sjson->'$._id' = ?`
		if err := db.QueryRow(q, `"s1"`).Scan(&id, &parent, &notUsed, &detail); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(detail, "USING INDEX") {
			t.Errorf("%s: a lookup by _id is %q", name, detail)
		}
	}
	// A lookup finds the document through the index.
	var n int
	if err := st.db.Collection(colSummaries).FindOne(ctx, map[string]any{"_id": "s1"}).Decode(&struct {
		N *int `bson:"n"`
	}{&n}); err != nil || n != 1 {
		t.Fatalf("lookup: %d, %v", n, err)
	}
}
