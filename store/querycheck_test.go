package store

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

func ixRawCommand(t *testing.T, d bson.D) bson.Raw {
	t.Helper()
	b, err := bson.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The shapes read from commands as the driver sends them.
func TestQueryShapes(t *testing.T) {
	lte := bson.D{{Key: "$lte", Value: time.Now()}}
	for _, tc := range []struct {
		name string
		cmd  bson.D
		want []string
	}{
		{"find", bson.D{{Key: "find", Value: "audit"}, {Key: "filter", Value: bson.D{{Key: "org_id", Value: "o"}, {Key: "at", Value: lte}}},
			{Key: "sort", Value: bson.D{{Key: "at", Value: -1}, {Key: "_id", Value: 1}}}, {Key: "limit", Value: 5}},
			[]string{"find on audit filter{org_id: eq, at: range} sort{at: -1, _id: 1}"}},
		{"findOne", bson.D{{Key: "find", Value: "surveys"}, {Key: "filter", Value: bson.D{{Key: "_id", Value: "x"}}}, {Key: "limit", Value: int64(1)}},
			[]string{"find on surveys filter{_id: eq} limit 1"}},
		{"$and, $in, $exists", bson.D{{Key: "find", Value: "c"}, {Key: "filter", Value: bson.D{
			{Key: "$and", Value: bson.A{bson.D{{Key: "a", Value: bson.D{{Key: "$in", Value: bson.A{1, 2}}}}}, bson.D{{Key: "b", Value: bson.D{{Key: "$exists", Value: true}}}}}},
			{Key: "c", Value: bson.D{{Key: "$gt", Value: 1}, {Key: "$lt", Value: 3}}}}}},
			[]string{"find on c filter{a: eq, c: range, b: other}"}},
		{"$or", bson.D{{Key: "find", Value: "c"}, {Key: "filter", Value: bson.D{{Key: "$or", Value: bson.A{bson.D{{Key: "a", Value: 1}}}}}}},
			[]string{"find on c filter{$or}"}},
		{"update", bson.D{{Key: "update", Value: "c"}, {Key: "updates", Value: bson.A{
			bson.D{{Key: "q", Value: bson.D{{Key: "a", Value: 1}}}, {Key: "u", Value: bson.D{}}},
			bson.D{{Key: "q", Value: bson.D{{Key: "b", Value: 1}}}, {Key: "u", Value: bson.D{}}}}}},
			[]string{"update on c filter{a: eq}", "update on c filter{b: eq}"}},
		{"delete", bson.D{{Key: "delete", Value: "c"}, {Key: "deletes", Value: bson.A{bson.D{{Key: "q", Value: bson.D{}}, {Key: "limit", Value: 0}}}}},
			[]string{"delete on c filter{}"}},
		{"countDocuments", bson.D{{Key: "aggregate", Value: "c"}, {Key: "pipeline", Value: bson.A{
			bson.D{{Key: "$match", Value: bson.D{{Key: "a", Value: 1}}}}, bson.D{{Key: "$group", Value: bson.D{{Key: "_id", Value: 1}}}}}}},
			[]string{"aggregate on c filter{a: eq}"}},
		{"countDocuments limit 1", bson.D{{Key: "aggregate", Value: "c"}, {Key: "pipeline", Value: bson.A{
			bson.D{{Key: "$match", Value: bson.D{}}}, bson.D{{Key: "$limit", Value: int64(1)}}, bson.D{{Key: "$group", Value: bson.D{{Key: "_id", Value: 1}}}}}}},
			[]string{"aggregate on c filter{} limit 1"}},
		{"distinct", bson.D{{Key: "distinct", Value: "c"}, {Key: "key", Value: "k"}, {Key: "query", Value: bson.D{{Key: "u", Value: bson.D{{Key: "$gt", Value: ""}}}}}},
			[]string{"distinct on c filter{u: range}"}},
		{"findAndModify", bson.D{{Key: "findAndModify", Value: "c"}, {Key: "query", Value: bson.D{{Key: "a", Value: 1}}}, {Key: "sort", Value: bson.D{{Key: "b", Value: -1}}}},
			[]string{"findAndModify on c filter{a: eq} sort{b: -1}"}},
		{"estimated count", bson.D{{Key: "count", Value: "c"}}, nil},
		{"insert", bson.D{{Key: "insert", Value: "c"}, {Key: "documents", Value: bson.A{bson.D{{Key: "a", Value: 1}}}}}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, sh := range queryShapesOf(tc.cmd[0].Key, ixRawCommand(t, tc.cmd)) {
				got = append(got, sh.String())
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("got %q\nwant %q", got, tc.want)
			}
		})
	}
}

func findShape(coll string, eq, ranges []string, sort bson.D) queryShape {
	return queryShape{collection: coll, command: "find", eq: eq, ranges: ranges, sort: sort}
}

// The equality-sort-range rule, on the declared indexes.
func TestIndexRule(t *testing.T) {
	desc := func(k string) bson.E { return bson.E{Key: k, Value: -1} }
	asc := func(k string) bson.E { return bson.E{Key: k, Value: 1} }
	for _, tc := range []struct {
		name  string
		q     queryShape
		index string // "" : nothing serves it
	}{
		{"audit, first page", findShape(colAudit, []string{"org_id"}, nil, bson.D{desc("at"), asc("_id")}), "org_at_id"},
		{"audit, older", findShape(colAudit, []string{"org_id"}, []string{"at"}, bson.D{desc("at"), asc("_id")}), "org_at_id"},
		{"audit, rest of a millisecond", findShape(colAudit, []string{"at", "org_id"}, []string{"_id"}, bson.D{asc("_id")}), "org_at_id"},
		{"audit, reversed sort", findShape(colAudit, []string{"org_id"}, nil, bson.D{asc("at"), desc("_id")}), "org_at_id"},
		{"audit, mixed directions", findShape(colAudit, []string{"org_id"}, nil, bson.D{desc("at"), desc("_id")}), ""},
		{"audit, no org", findShape(colAudit, nil, nil, bson.D{desc("at"), asc("_id")}), ""},
		{"audit, by action", findShape(colAudit, []string{"action", "org_id"}, nil, nil), ""},
		{"surveys of an org", findShape(colSurveys, []string{"org_id"}, nil, bson.D{desc("created_at"), asc("_id")}), "org_created_id"},
		{"surveys of an org, unsorted", findShape(colSurveys, []string{"org_id"}, nil, nil), "org_created_id"},
		{"open surveys", findShape(colSurveys, []string{"status"}, nil, nil), "status_closes"},
		{"open surveys by creation", findShape(colSurveys, []string{"status"}, nil, bson.D{desc("created_at"), asc("_id")}), ""},
		{"overdue", findShape(colSurveys, []string{"status"}, []string{"closes_at"}, bson.D{asc("closes_at")}), "status_closes"},
		{"overdue by creation", findShape(colSurveys, []string{"status"}, []string{"closes_at"}, bson.D{desc("created_at")}), ""},
		{"closes_at alone", findShape(colSurveys, nil, []string{"closes_at"}, nil), ""},
		{"queue by age", findShape(colQueue, nil, []string{"created_at"}, nil), "created"},
		{"sort on an equality field", findShape(colShares, []string{"survey_id"}, nil, bson.D{asc("survey_id"), asc("created_at")}), "survey_created"},
		{"codes linked", findShape(colAccessCodes, []string{"survey_id", "used"}, []string{"used_by"}, nil), "survey_used_by"},
		{"codes linked, any survey", findShape(colAccessCodes, nil, []string{"used_by"}, nil), "used_by"},
		{"an empty filter", findShape(colResponses, nil, nil, nil), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.q.servedBy("store.(*Store).X", indexes, nil)
			if tc.index == "" && got != "" || tc.index != "" && !strings.HasPrefix(got, "index "+tc.index+" ") {
				t.Errorf("%s: served by %q, want %q", tc.q, got, tc.index)
			}
		})
	}
	byID := findShape(colSurveys, []string{"_id", "org_id", "version"}, nil, nil)
	if byID.servedBy("f", nil, nil) != "the _id index" {
		t.Error("a lookup by _id needs no other index")
	}
	if prefix := findShape(colSettings, nil, []string{"_id"}, nil); !strings.HasPrefix(prefix.servedBy("f", nil, nil), "the _id index") {
		t.Error("a range of ids (a prefix) needs no other index")
	}
	or := queryShape{collection: colSurveys, command: "find", eq: []string{"_id"}, unindexable: "$or"}
	if or.servedBy("f", indexes, nil) != "" {
		t.Error("$or is served by no single index")
	}
}

// A scan is accepted only from the function it is declared for.
func TestDeliberateScans(t *testing.T) {
	all := findShape(colQueue, nil, nil, nil)
	if all.servedBy("store.(*Store).queuedBatches", indexes, deliberateScans) == "" ||
		all.servedBy("store.(*Store).queuedBatches.func2", indexes, deliberateScans) == "" {
		t.Error("the declared scan of the queue was refused")
	}
	if all.servedBy("store.(*Store).someNewFunction", indexes, deliberateScans) != "" ||
		all.servedBy("store.(*Store).queuedBatchesAgain", indexes, deliberateScans) != "" {
		t.Error("a scan from an undeclared function was accepted")
	}
	raw := findShape(colSurveys, nil, nil, nil)
	if raw.servedBy("store.(*Store).RawDocuments", indexes, deliberateScans) == "" {
		t.Error("RawDocuments reads any collection")
	}
	// Every declaration names a function that exists: one left behind by a
	// rename would let a new function of that name scan unnoticed.
	var src strings.Builder
	files, _ := filepath.Glob("*.go")
	for _, f := range files {
		if !strings.HasSuffix(f, "_test.go") {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			src.Write(b)
		}
	}
	for _, sc := range deliberateScans {
		recv, name, ok := strings.Cut(strings.TrimPrefix(sc.from, "store."), ").")
		if sc.reason == "" || !ok || !regexp.MustCompile(`func \(\w+ `+regexp.QuoteMeta(strings.TrimPrefix(recv, "("))+`\) `+regexp.QuoteMeta(name)+`\(`).MatchString(src.String()) {
			t.Errorf("scan %+v: a reason, and a method of the store that exists, please", sc)
		}
	}
}

// The check cannot pass vacuously: Open installs the monitor, so the
// store's own queries are recorded with the function that issued them, a
// query no declared index serves is reported with its origin, and one
// that is served is not.
func TestUndeclaredQueryIsCaught(t *testing.T) {
	st := ixOpen(t, ixTestOptions(t))
	ctx := context.Background()
	if _, err := st.AuditLog(ctx, "org-of-the-check", time.Time{}, "", 10); err != nil {
		t.Fatal(err)
	}
	if _, err := st.RawDocuments(ctx, "querycheck_probe"); err != nil {
		t.Fatal(err)
	}
	// The test's own query, issued directly: recorded as the test's.
	if _, err := st.db.Collection(colSurveys).CountDocuments(ctx, bson.D{{Key: "definition", Value: "x"}}); err != nil {
		t.Fatal(err)
	}
	var audit, raw, own *queryRecord
	for _, r := range recordedQueries() {
		switch {
		case strings.HasPrefix(r.from, "store.(*Store).AuditLog") && r.shape.String() == "find on audit filter{org_id: eq} sort{at: -1, _id: 1}":
			audit = r
		case r.from == "store.(*Store).RawDocuments" && r.shape.collection == "querycheck_probe":
			raw = r
		case r.shape.collection == colSurveys && slices.Contains(r.shape.eq, "definition"):
			own = r
		}
	}
	if audit == nil || raw == nil || own == nil {
		t.Fatalf("the monitor did not record the queries (audit %v, raw %v, own %v): "+
			"store.Open must install commandMonitor() on its client (clientOpts.SetMonitor)", audit != nil, raw != nil, own != nil)
	}
	if !strings.HasPrefix(audit.where, "store/audit.go:") || audit.test {
		t.Errorf("the audit query's origin: %q", audit.where)
	}
	if !strings.HasPrefix(raw.where, "store/store.go:") || !strings.Contains(raw.where, "called from store.TestUndeclaredQueryIsCaught (store/querycheck_test.go:") {
		t.Errorf("RawDocuments' origin: %q", raw.where)
	}
	if !own.test || !strings.Contains(own.where, "querycheck_test.go") {
		t.Errorf("the test's own query: test %v, where %q", own.test, own.where)
	}
	// Checked against the declarations: nothing to report.
	if bad := unindexedQueries([]*queryRecord{audit, raw, own}, indexes, deliberateScans); len(bad) != 0 {
		t.Errorf("declared queries reported: %q", bad)
	}
	// Without the declared scan, RawDocuments' read is reported, with
	// where it came from; the test's own query, issued by store code, too;
	// and an index removed from the list leaves its query unserved.
	notTest := *own
	notTest.test = false
	var withoutAudit []index
	for _, ix := range indexes {
		if ix.collection != colAudit {
			withoutAudit = append(withoutAudit, ix)
		}
	}
	bad := unindexedQueries([]*queryRecord{audit, raw, &notTest}, withoutAudit, nil)
	if len(bad) != 3 {
		t.Fatalf("reported %d: %q", len(bad), bad)
	}
	for _, want := range []string{"find on audit filter{org_id: eq} sort{at: -1, _id: 1}, from store.(*Store).AuditLog.func1 (store/audit.go:",
		"find on querycheck_probe filter{}, from store.(*Store).RawDocuments (store/store.go:",
		"aggregate on surveys filter{definition: eq}, from store.TestUndeclaredQueryIsCaught (store/querycheck_test.go:"} {
		if !slices.ContainsFunc(bad, func(l string) bool { return strings.Contains(l, want) }) {
			t.Errorf("report %q\ndoes not say %q", bad, want)
		}
	}
}

// A test binary that opens a store without running its tests through
// RunCheckingQueries is refused (once Open installs the monitor), so no
// package's queries go unchecked.
func TestUncheckedTestBinaryIsRefused(t *testing.T) {
	ixOpen(t, ixTestOptions(t))
	if !monitorInstalled.Load() {
		t.Skip("Open does not install the monitor: TestUndeclaredQueryIsCaught fails")
	}
	checking.Store(false)
	err := checkedTestBinary()
	checking.Store(true)
	if err == nil || !strings.Contains(err.Error(), "store.RunCheckingQueries(m)") {
		t.Fatalf("an unchecked test binary: %v", err)
	}
	if err := checkedTestBinary(); err != nil {
		t.Fatal(err)
	}
}
