package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/youthvoice/youthvoice/surveys"
)

// ixTestOptions are the options of a fresh test store (as storetest's, which
// this package's own tests cannot import): embedded in a temporary
// directory, or a fresh database on MONGODB_URI.
func ixTestOptions(t *testing.T) Options {
	opts := Options{Logger: slog.New(slog.DiscardHandler), EngineLogLevel: slog.LevelError + 4}
	if uri := os.Getenv("MONGODB_URI"); uri != "" {
		b := make([]byte, 6)
		_, _ = rand.Read(b)
		opts.MongoURI, opts.Database = uri, "youthvoice_test_"+hex.EncodeToString(b)
	} else {
		opts.DataDir = t.TempDir()
	}
	return opts
}

// ixOpen opens a store that is closed (and on MongoDB dropped) when the
// test ends.
func ixOpen(t *testing.T, opts Options) *Store {
	t.Helper()
	st, err := Open(context.Background(), opts)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() {
		if opts.MongoURI != "" {
			_ = st.Drop(context.Background())
		}
		_ = st.Close(context.Background())
	})
	return st
}

func ixNames(t *testing.T, st *Store, coll string) map[string]bson.Raw {
	t.Helper()
	specs, err := st.db.Collection(coll).Indexes().ListSpecifications(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bson.Raw{}
	for _, sp := range specs {
		out[sp.Name] = sp.KeysDocument
	}
	return out
}

func ixCreate(t *testing.T, st *Store, coll, name string, keys bson.D, unique bool) {
	t.Helper()
	o := options.Index().SetName(name)
	if unique {
		o.SetUnique(true)
	}
	if _, err := st.db.Collection(coll).Indexes().CreateOne(context.Background(), mongo.IndexModel{Keys: keys, Options: o}); err != nil {
		t.Fatalf("create index %s: %v", name, err)
	}
}

func ixDrop(t *testing.T, st *Store, coll, name string) {
	t.Helper()
	if err := st.db.Collection(coll).Indexes().DropOne(context.Background(), name); err != nil {
		t.Fatalf("drop index %s: %v", name, err)
	}
}

// ixDropAtEnd drops a test's database on MONGODB_URI when the test ends, for
// tests whose last Open fails.
func ixDropAtEnd(t *testing.T, opts Options) {
	if opts.MongoURI == "" {
		return
	}
	t.Cleanup(func() {
		c, err := mongo.Connect(options.Client().ApplyURI(opts.MongoURI))
		if err != nil {
			return
		}
		_ = c.Database(opts.Database).Drop(context.Background())
		_ = c.Disconnect(context.Background())
	})
}

// ixReopen opens and closes a store on the same database.
func ixReopen(opts Options) error {
	st, err := Open(context.Background(), opts)
	if err == nil {
		_ = st.Close(context.Background())
	}
	return err
}

// An operator who made one of our indexes under another name (same keys,
// same uniqueness) does not stop the server from starting.
func TestIndexUnderAnotherName(t *testing.T) {
	opts := ixTestOptions(t)
	ixDropAtEnd(t, opts)
	st, err := Open(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	ixDrop(t, st, colAudit, "org_at_id")
	ixCreate(t, st, colAudit, "operators_audit", bson.D{{Key: "org_id", Value: 1}, {Key: "at", Value: -1}, {Key: "_id", Value: 1}}, false)
	ixDrop(t, st, colTokens, "hash")
	ixCreate(t, st, colTokens, "operators_hash", bson.D{{Key: "hash", Value: 1.0}}, true)
	_ = st.Close(context.Background())
	if err := ixReopen(opts); err != nil {
		t.Fatalf("an equivalent index under another name was refused: %v", err)
	}
	st, err = Open(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close(context.Background())
	audit, tokens := ixNames(t, st, colAudit), ixNames(t, st, colTokens)
	if audit["operators_audit"] == nil || audit["org_at_id"] != nil || tokens["operators_hash"] == nil || tokens["hash"] != nil {
		t.Errorf("audit indexes %v, tokens %v: want the operator's only", slices.Sorted(ixMapKeys(audit)), slices.Sorted(ixMapKeys(tokens)))
	}
}

// An index that only looks like ours stops the start, with a message that
// says which index is in the way: our name on other keys, or our keys
// without the uniqueness the application relies on.
func TestClashingIndexIsRefusedClearly(t *testing.T) {
	for _, tc := range []struct {
		name         string
		coll, drop   string
		make         string
		keys         bson.D
		unique       bool
		wantInReport []string
	}{
		{"our name on other keys", colAudit, "org_at_id", "org_at_id", bson.D{{Key: "org_id", Value: 1}}, false,
			[]string{`"org_at_id"`, "clashes", "org_id: 1, at: -1, _id: 1"}},
		{"our keys not unique", colTokens, "hash", "operators_hash", bson.D{{Key: "hash", Value: 1}}, false,
			[]string{`"hash"`, `"operators_hash"`, "unique: false", "unique: true"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := ixTestOptions(t)
			ixDropAtEnd(t, opts)
			st, err := Open(context.Background(), opts)
			if err != nil {
				t.Fatal(err)
			}
			ixDrop(t, st, tc.coll, tc.drop)
			ixCreate(t, st, tc.coll, tc.make, tc.keys, tc.unique)
			_ = st.Close(context.Background())
			err = ixReopen(opts)
			if err == nil {
				t.Fatal("opened")
			}
			for _, w := range tc.wantInReport {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%v\ndoes not say %s", err, w)
				}
			}
		})
	}
}

// The indexes of earlier versions that the new ones cover are dropped at
// start-up; an operator's index of the same name with other keys stays.
func TestRetiredIndexesAreDropped(t *testing.T) {
	opts := ixTestOptions(t)
	ixDropAtEnd(t, opts)
	st, err := Open(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	ixCreate(t, st, colSurveys, "status", bson.D{{Key: "status", Value: 1}}, false)
	ixCreate(t, st, colSurveys, "org_created", bson.D{{Key: "org_id", Value: 1}, {Key: "created_at", Value: -1}}, false)
	ixCreate(t, st, colTokens, "org", bson.D{{Key: "org_id", Value: 1}, {Key: "name", Value: 1}}, false) // the operator's
	_ = st.Close(context.Background())
	st, err = Open(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close(context.Background())
	surveysIx := ixNames(t, st, colSurveys)
	if surveysIx["status"] != nil || surveysIx["org_created"] != nil || surveysIx["status_closes"] == nil || surveysIx["org_created_id"] == nil {
		t.Errorf("surveys' indexes %v", slices.Sorted(ixMapKeys(surveysIx)))
	}
	if ixNames(t, st, colTokens)["org"] == nil {
		t.Error("an operator's index named like a retired one was dropped")
	}
}

func ixMapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func TestSameKeys(t *testing.T) {
	raw, _ := bson.Marshal(bson.D{{Key: "a", Value: int32(1)}, {Key: "b", Value: -1.0}, {Key: "c", Value: int64(1)}})
	if !sameIndexKeys(raw, bson.D{{Key: "a", Value: 1}, {Key: "b", Value: -1}, {Key: "c", Value: 1}}) {
		t.Error("1, 1.0 and int64(1) are one direction")
	}
	for _, keys := range []bson.D{
		{{Key: "a", Value: 1}, {Key: "b", Value: 1}, {Key: "c", Value: 1}},
		{{Key: "b", Value: -1}, {Key: "a", Value: 1}, {Key: "c", Value: 1}},
		{{Key: "a", Value: 1}, {Key: "b", Value: -1}},
	} {
		if sameIndexKeys(raw, keys) {
			t.Errorf("%v matched %s", keys, raw)
		}
	}
}

// The audit log is read a page at a time, in order, without a gap or a
// repeat, also where many entries share a millisecond.
func TestAuditLogPages(t *testing.T) {
	st := ixOpen(t, ixTestOptions(t))
	ctx := context.Background()
	base := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	var want []string
	for i := range 23 {
		// Seven entries in one millisecond, the others a second apart.
		at := base.Add(time.Duration(min(i, 7)) * time.Second)
		e := AuditEntry{OrgID: "o", Action: fmt.Sprint(i), At: at}
		if err := st.Audit(ctx, e); err != nil {
			t.Fatal(err)
		}
		if err := st.Audit(ctx, AuditEntry{OrgID: "other", Action: "x", At: at}); err != nil {
			t.Fatal(err)
		}
	}
	all, err := st.AuditLog(ctx, "o", time.Time{}, "", 1000)
	if err != nil || len(all) != 23 {
		t.Fatalf("all: %d entries, %v", len(all), err)
	}
	for i := 1; i < len(all); i++ {
		a, b := all[i-1], all[i]
		if a.At.Before(b.At) || (a.At.Equal(b.At) && a.ID > b.ID) {
			t.Fatalf("not newest first, then by id: %v then %v", a, b)
		}
	}
	for _, e := range all {
		want = append(want, e.ID)
	}
	for _, size := range []int{1, 3, 5, 22} {
		var got []string
		var before time.Time
		after := ""
		for range 100 {
			page, err := st.AuditLog(ctx, "o", before, after, size)
			if err != nil {
				t.Fatal(err)
			}
			if len(page) > size {
				t.Fatalf("page of %d entries, limit %d", len(page), size)
			}
			for _, e := range page {
				got = append(got, e.ID)
			}
			if len(page) < size {
				break
			}
			before, after = page[len(page)-1].At, page[len(page)-1].ID
		}
		if !slices.Equal(got, want) {
			t.Errorf("pages of %d: %d entries %v, want %d %v", size, len(got), got, len(want), want)
		}
	}
}

func ixOpenSurvey(id string, created time.Time, title string) *surveys.Survey {
	return &surveys.Survey{ID: id, OrgID: "o", Status: surveys.Open, Revision: 1, CreatedAt: created, UpdatedAt: created,
		Draft: surveys.Definition{DefaultLanguage: "en", Languages: []string{"en"}, Title: surveys.Text{"en": title}}}
}

// OpenSurveys reads the full documents only of surveys it was not given at
// their current version: the app's list, read every few seconds by every
// process, does not read every definition each time.
func TestOpenSurveysRereadOnlyChangedSurveys(t *testing.T) {
	st := ixOpen(t, ixTestOptions(t))
	ctx := context.Background()
	base := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for i, id := range []string{"a", "b", "c", "d"} {
		sv := ixOpenSurvey(id, base.Add(time.Duration(i%3)*time.Hour), "title "+id)
		if id == "d" {
			sv.Status = surveys.Draft
		}
		if err := st.CreateSurvey(ctx, sv); err != nil {
			t.Fatal(err)
		}
	}
	ids := func(list []*surveys.Survey) string {
		var out []string
		for _, sv := range list {
			out = append(out, sv.ID+"="+sv.Draft.Title["en"])
		}
		return strings.Join(out, " ")
	}
	first, err := st.OpenSurveys(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Newest first, the id breaking ties (a and d were made at the same
	// time, d is a draft).
	if got := ids(first); got != "c=title c b=title b a=title a" {
		t.Fatalf("open surveys: %s", got)
	}
	known := map[string]*surveys.Survey{}
	for _, sv := range first {
		known[sv.ID] = sv
	}
	// A change that does not move the version is not seen: the known
	// survey is reused, its definition not read again.
	if _, err := st.db.Collection(colSurveys).UpdateOne(ctx, bson.D{{Key: "_id", Value: "b"}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "definition", Value: `{"default_language":"en","title":{"en":"sneaked in"}}`}}}}); err != nil {
		t.Fatal(err)
	}
	again, err := st.OpenSurveys(ctx, known)
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(again); got != "c=title c b=title b a=title a" || again[1] != known["b"] {
		t.Fatalf("unchanged versions were read again: %s", got)
	}
	// A saved change (a new version) is read; a closed survey leaves the
	// list; a newly opened one joins it.
	b, err := st.PublicSurvey(ctx, "b")
	if err != nil {
		t.Fatal(err)
	}
	b.Draft.Title["en"] = "renamed"
	if err := st.SaveSurvey(ctx, b, nil); err != nil {
		t.Fatal(err)
	}
	c, _ := st.PublicSurvey(ctx, "c")
	c.Status = surveys.Closed
	if err := st.SaveSurvey(ctx, c, nil); err != nil {
		t.Fatal(err)
	}
	d, _ := st.PublicSurvey(ctx, "d")
	d.Status = surveys.Open
	if err := st.SaveSurvey(ctx, d, nil); err != nil {
		t.Fatal(err)
	}
	third, err := st.OpenSurveys(ctx, known)
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(third); got != "b=renamed a=title a d=title d" || third[1] != known["a"] {
		t.Fatalf("after changes: %s", got)
	}
}

// Closing unlinks a survey's used codes, and only its own. The closer's
// list of closed surveys with linked codes comes from the records closes
// write before they save (WillUnlinkAccessCodes), and, once per database,
// from the codes themselves for closes cut short before records existed.
func TestLinkedCodes(t *testing.T) {
	st := ixOpen(t, ixTestOptions(t))
	ctx := context.Background()
	for i, sid := range []string{"s1", "s2", "s3", "s4"} {
		sv := ixOpenSurvey(sid, time.Now(), sid)
		if sid != "s2" {
			sv.Status = surveys.Closed
		}
		if err := st.CreateSurvey(ctx, sv); err != nil {
			t.Fatal(err)
		}
		var keys []string
		for j := range 3 {
			keys = append(keys, fmt.Sprintf("%s-k%d", sid, j))
		}
		if err := st.AddAccessCodes(ctx, sid, keys, 100); err != nil {
			t.Fatal(err)
		}
		for _, k := range keys[:min(i, 2)] { // s1 has no used code
			if err := st.BurnAccessCode(ctx, sid, k, "sub-"+k); err != nil {
				t.Fatal(err)
			}
		}
	}
	closedLinked := func() []string {
		ids, err := st.LinkedClosedSurveys(ctx)
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(ids)
		return ids
	}
	records := func() int {
		n := 0
		for _, d := range ixMust(st.RawDocuments(ctx, colSettings)) {
			if id, _ := d["_id"].(string); strings.HasPrefix(id, unlinkPrefix) {
				n++
			}
		}
		return n
	}
	// s3 and s4 were closed with their codes linked and no record: only
	// the search of the codes, once, finds them.
	if got := closedLinked(); len(got) != 0 {
		t.Fatalf("closed with linked codes, before any record: %v", got)
	}
	if err := st.RecordInterruptedUnlinks(ctx); err != nil {
		t.Fatal(err)
	}
	if got := closedLinked(); !slices.Equal(got, []string{"s3", "s4"}) {
		t.Fatalf("closed with linked codes: %v", got)
	}
	// A close of s2 under way: recorded, but s2 is still open, so it is
	// not listed, and its record stands for the lease.
	if err := st.WillUnlinkAccessCodes(ctx, "s2"); err != nil {
		t.Fatal(err)
	}
	if got := closedLinked(); !slices.Equal(got, []string{"s3", "s4"}) || records() != 3 {
		t.Fatalf("with a close under way: %v, %d records", got, records())
	}
	// Past the lease, s2's close is known to have failed: its record goes.
	// So does a record of a survey that does not exist.
	if _, err := st.db.Collection(colSettings).UpdateOne(ctx, bson.D{{Key: "_id", Value: unlinkPrefix + "s2"}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "at", Value: time.Now().Add(-time.Hour)}}}}); err != nil {
		t.Fatal(err)
	}
	if err := st.WillUnlinkAccessCodes(ctx, "gone"); err != nil {
		t.Fatal(err)
	}
	if got := closedLinked(); !slices.Equal(got, []string{"s3", "s4"}) || records() != 2 {
		t.Fatalf("after the lease: %v, %d records", got, records())
	}
	for _, sid := range []string{"s3", "s2", "s4"} {
		if err := st.UnlinkAccessCodes(ctx, sid); err != nil {
			t.Fatal(err)
		}
	}
	if got := closedLinked(); len(got) != 0 || records() != 0 {
		t.Fatalf("closed with linked codes after unlinking: %v, %d records", got, records())
	}
	// The search of the codes is done once per database.
	if err := st.BurnAccessCode(ctx, "s4", "s4-k2", "sub-s4-k2"); err != nil {
		t.Fatal(err)
	}
	if err := st.RecordInterruptedUnlinks(ctx); err != nil || records() != 0 {
		t.Fatalf("a second search: %v, %d records", err, records())
	}
	total, used, err := st.AccessCodeCounts(ctx, "s3")
	if err != nil || total != 3 || used != 2 {
		t.Fatalf("s3 counts %d %d %v", total, used, err)
	}
	// A retry of a burn after unlinking is a used code (the link is gone).
	if err := st.BurnAccessCode(ctx, "s3", "s3-k0", "sub-s3-k0"); err != ErrCodeUsed {
		t.Fatalf("burn after unlink: %v", err)
	}
	if err := st.UnlinkAccessCodes(ctx, "s4"); err != nil {
		t.Fatal(err)
	}
	var left int
	for _, d := range ixMust(st.RawDocuments(ctx, colAccessCodes)) {
		if d["used_by"] != nil {
			left++
		}
	}
	if left != 0 {
		t.Errorf("%d codes still linked", left)
	}
}

func ixMust[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// On the embedded store, where FerretDB answers the open surveys' filter
// by reading every survey, the ids and versions are read again only after
// a write to the surveys; on MongoDB (served by an index, several
// processes writing) every time.
func TestOpenSurveysReadAgainOnlyAfterAWrite(t *testing.T) {
	st := ixOpen(t, ixTestOptions(t))
	ctx := context.Background()
	base := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for i, id := range []string{"a", "b", "c"} {
		sv := ixOpenSurvey(id, base.Add(time.Duration(i)*time.Hour), "title "+id)
		if id == "c" {
			sv.Status = surveys.Draft
		}
		if err := st.CreateSurvey(ctx, sv); err != nil {
			t.Fatal(err)
		}
	}
	reads := st.openHeadReads.Load()
	list := func(want string, read bool) {
		t.Helper()
		got, err := st.OpenSurveys(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, sv := range got {
			ids = append(ids, sv.ID)
		}
		if strings.Join(ids, " ") != want {
			t.Fatalf("open surveys %q, want %q", strings.Join(ids, " "), want)
		}
		now := st.openHeadReads.Load()
		if st.embedded == nil {
			read = true
		}
		if (now > reads) != read {
			t.Fatalf("heads read from the database: %v, want %v", now > reads, read)
		}
		reads = now
	}
	list("b a", true)
	list("b a", false)
	list("b a", false)
	c, err := st.PublicSurvey(ctx, "c")
	if err != nil {
		t.Fatal(err)
	}
	c.Status = surveys.Open
	if err := st.SaveSurvey(ctx, c, nil); err != nil {
		t.Fatal(err)
	}
	list("c b a", true) // c made at 14:00, b at 13:00
	list("c b a", false)
	if err := st.CreateSurvey(ctx, ixOpenSurvey("e", base.Add(5*time.Hour), "title e")); err != nil {
		t.Fatal(err)
	}
	list("e c b a", true)
	b, _ := st.PublicSurvey(ctx, "b")
	stale, _ := st.PublicSurvey(ctx, "b")
	b.Status = surveys.Closed
	if err := st.SaveSurvey(ctx, b, nil); err != nil {
		t.Fatal(err)
	}
	list("e c a", true)
	// A refused save (a stale version) writes nothing, but is counted all
	// the same, as any write whose outcome is not known is: it reads again.
	stale.Draft.Title["en"] = "renamed"
	if err := st.SaveSurvey(ctx, stale, nil); !errors.Is(err, surveys.ErrConflict) {
		t.Fatalf("stale save: %v", err)
	}
	list("e c a", true)
	list("e c a", false)
}
