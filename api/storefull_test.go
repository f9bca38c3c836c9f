package api_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/youthvoice/youthvoice/api/apitest"
	"github.com/youthvoice/youthvoice/store"
	"github.com/youthvoice/youthvoice/store/storetest"
)

// sqlitePages is the number of pages of a closed SQLite database file
// (its WAL checkpointed): the file's size over the page size in its
// header.
func sqlitePages(t *testing.T, file string) int {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(file + "-wal"); err == nil {
		t.Fatalf("%s-wal is still there: the page count would be wrong", file)
	}
	if len(b) < 100 || !strings.HasPrefix(string(b), "SQLite format 3\x00") {
		t.Fatalf("%s is not a SQLite database", file)
	}
	size := int(binary.BigEndian.Uint16(b[16:18]))
	if size == 1 {
		size = 65536
	}
	return len(b) / size
}

// A full database (SQLite's max_page_count stands in for a full disk):
// every failure to write is a 503 with Retry-After, never a 500; readiness
// says the store cannot write; reads that write nothing still work; and
// everything acknowledged is kept.
func TestFullDatabase(t *testing.T) {
	opts := storetest.Options(t)
	if opts.MongoURI != "" {
		t.Skip("max_page_count is the embedded SQLite store's")
	}
	ctx := context.Background()
	st, err := store.Open(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	e := apitest.New(t, apitest.Options{Store: st})
	id, owner := openSurvey(t, e, nil)
	var acked []map[string]any
	submit := func(e *apitest.Env) *apitest.Response {
		sub := submission(1, "sv", goodAnswers)
		r := e.Do("POST", "/v1/surveys/"+id+"/responses", sub)
		if r.Status == 201 {
			acked = append(acked, sub)
		}
		return r
	}
	for range 3 {
		if r := submit(e); r.Status != 201 {
			t.Fatalf("submit: %d %s", r.Status, r.Body)
		}
	}
	// Everything the full server will touch exists already, so that what
	// fails below is room for data, not the first use of a collection.
	for _, path := range []string{"/readyz", "/v1/org/surveys/" + id + "/summary?view=live"} {
		if r := e.Do("GET", path, nil, bearer(owner)...); r.Status != 200 {
			t.Fatalf("%s: %d %s", path, r.Status, r.Body)
		}
	}
	e.Server.FlushSummaries(ctx)
	if err := e.Server.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(ctx); err != nil {
		t.Fatal(err)
	}

	// Room for a few dozen more responses.
	pages := sqlitePages(t, filepath.Join(opts.DataDir, "youthvoice.sqlite"))
	full := opts
	full.SQLitePragmas = append(full.SQLitePragmas, fmt.Sprintf("max_page_count(%d)", pages+40))
	st2, err := store.Open(ctx, full)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st2.Close(ctx) })
	e2 := apitest.New(t, apitest.Options{Store: st2})
	if r := e2.Do("GET", "/readyz", nil); r.Status != 200 {
		t.Fatalf("readyz before the database is full: %d %s", r.Status, r.Body)
	}
	failures := 0
	for i := 0; failures < 5; i++ {
		if i == 5000 {
			t.Fatalf("the database never filled up (%d pages allowed)", pages+40)
		}
		r := submit(e2)
		switch r.Status {
		case 201:
			failures = 0
		case 503:
			failures++
			if p := problemOf(t, r); p.Type != "urn:youthvoice:problem:unavailable" || r.Header.Get("Retry-After") == "" {
				t.Fatalf("a failed submission: %+v, Retry-After %q", p, r.Header.Get("Retry-After"))
			}
		default:
			t.Fatalf("submission %d: %d %s", i, r.Status, r.Body)
		}
	}
	t.Logf("%d responses acknowledged before the database filled up", len(acked))

	// Readiness reports a store that cannot write (within a second: a
	// readiness result is reused for that long).
	e2.Clock.Advance(2 * time.Second)
	if r := e2.Do("GET", "/readyz", nil); r.Status != 503 || r.Header.Get("Retry-After") == "" {
		t.Errorf("readyz on a full database: %d (Retry-After %q) %s", r.Status, r.Header.Get("Retry-After"), r.Body)
	}
	// The live view writes an audit entry: small, so a few more may fit in
	// the room a page has left; once one does not, the view is a 503 with
	// Retry-After, never a 500.
	live := "/v1/org/surveys/" + id + "/summary?view=live"
	for i := 0; ; i++ {
		r := e2.Do("GET", live, nil, bearer(owner)...)
		if r.Status == 200 && i < 500 {
			continue
		}
		if r.Status != 503 || r.Header.Get("Retry-After") == "" {
			t.Fatalf("live view %d on a full database: %d (Retry-After %q) %s", i, r.Status, r.Header.Get("Retry-After"), r.Body)
		}
		if p := problemOf(t, r); p.Type != "urn:youthvoice:problem:unavailable" || strings.Contains(p.Detail, "full") {
			t.Errorf("live view: %+v", p)
		}
		t.Logf("the audit log took %d more entries", i)
		break
	}
	// Reads that write nothing still work.
	for _, path := range []string{"/healthz", "/v1/surveys/" + id, "/v1/org/surveys/" + id, "/v1/org/surveys"} {
		if r := e2.Do("GET", path, nil, bearer(owner)...); r.Status != 200 {
			t.Errorf("%s on a full database: %d %s", path, r.Status, r.Body)
		}
	}
	if err := e2.Server.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if err := st2.Close(ctx); err != nil {
		t.Fatal(err)
	}

	// With room again: every acknowledged response is there, once, and
	// its retry gets its receipt.
	st3, err := store.Open(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st3.Close(ctx) })
	e3 := apitest.New(t, apitest.Options{Store: st3})
	if n := countResponses(t, e3, id); n != int64(len(acked)) {
		t.Fatalf("%d responses stored, %d acknowledged", n, len(acked))
	}
	for _, sub := range []map[string]any{acked[0], acked[len(acked)-1]} {
		if r := e3.Do("POST", "/v1/surveys/"+id+"/responses", sub); r.Status != 200 {
			t.Errorf("retry of an acknowledged submission: %d %s", r.Status, r.Body)
		}
	}
	if r := e3.Do("GET", "/readyz", nil); r.Status != 200 {
		t.Errorf("readyz with room again: %d %s", r.Status, r.Body)
	}
}
