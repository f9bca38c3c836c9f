package store

// The query check: inside a test binary, every command the store sends is
// seen by a command monitor, and each query's shape (its collection, the
// fields its filter tests for equality or by range, its sort) is matched
// against the indexes the store declares (indexes.go). The embedded
// FerretDB scans for every filter but _id, so a query that no index serves
// behaves the same there as any other; on MongoDB it is a collection scan
// under load. Each test binary that opens stores runs its tests through
// RunCheckingQueries, which fails the run listing every query no index
// serves and where it was issued. Outside tests none of this is installed.

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/event"
)

// commandMonitor is the monitor Open installs on its client: the query
// recorder inside a test binary, nil (no monitor) otherwise.
func commandMonitor() *event.CommandMonitor {
	if !testing.Testing() {
		return nil
	}
	monitorInstalled.Store(true)
	return &event.CommandMonitor{Started: recordCommand}
}

// queryShape is what decides whether an index serves a query.
type queryShape struct {
	collection string
	command    string
	eq         []string // fields tested for equality ($eq, $in, a plain value), sorted
	ranges     []string // fields bounded by $gt, $gte, $lt, $lte, sorted
	other      []string // fields tested otherwise ($exists, $ne, ...), sorted
	sort       bson.D   // the sort, in order (values 1 or -1)
	limitOne   bool     // at most one document, no sort
	// unindexable names an operator no single index serves ($or, $expr...).
	unindexable string
}

func (q queryShape) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s on %s filter{", q.command, q.collection)
	sep := ""
	for _, f := range q.eq {
		fmt.Fprintf(&b, "%s%s: eq", sep, f)
		sep = ", "
	}
	for _, f := range q.ranges {
		fmt.Fprintf(&b, "%s%s: range", sep, f)
		sep = ", "
	}
	for _, f := range q.other {
		fmt.Fprintf(&b, "%s%s: other", sep, f)
		sep = ", "
	}
	if q.unindexable != "" {
		fmt.Fprintf(&b, "%s%s", sep, q.unindexable)
	}
	b.WriteString("}")
	if len(q.sort) > 0 {
		b.WriteString(" sort" + indexKeysString(q.sort))
	}
	if q.limitOne {
		b.WriteString(" limit 1")
	}
	return b.String()
}

// queryRecord is a distinct (shape, origin) seen by the recorder.
type queryRecord struct {
	shape queryShape
	from  string // the store function that issued it
	where string // its file and line, and the first caller outside the store
	test  bool   // issued by the store's own test code, directly
	count int
}

var queryLog struct {
	mu   sync.Mutex
	seen map[string]*queryRecord
	all  int // commands recorded, queries or not
}

// storesOpened counts the stores opened in this process (Open creates the
// indexes of each); monitorInstalled says whether Open installed the
// monitor; checking, whether RunCheckingQueries runs the tests.
// TestUndeclaredQueryIsCaught fails if Open does not install the monitor,
// so the check cannot pass by seeing nothing.
var (
	storesOpened     atomic.Int64
	monitorInstalled atomic.Bool
	checking         atomic.Bool
)

// noteOpened is called by ensureIndexes, that is by every Open.
func noteOpened() { storesOpened.Add(1) }

// recordCommand is the monitor's Started callback. The driver calls it in
// the goroutine that issues the command, so the stack says where the query
// comes from.
func recordCommand(_ context.Context, e *event.CommandStartedEvent) {
	shapes := queryShapesOf(e.CommandName, e.Command)
	queryLog.mu.Lock()
	queryLog.all++
	queryLog.mu.Unlock()
	if len(shapes) == 0 {
		return
	}
	from, where, test := queryOrigin()
	queryLog.mu.Lock()
	defer queryLog.mu.Unlock()
	if queryLog.seen == nil {
		queryLog.seen = map[string]*queryRecord{}
	}
	for _, sh := range shapes {
		key := sh.String() + " @ " + from
		if r := queryLog.seen[key]; r != nil {
			r.count++
			continue
		}
		queryLog.seen[key] = &queryRecord{shape: sh, from: from, where: where, test: test, count: 1}
	}
}

const storePkgPrefix = "github.com/youthvoice/youthvoice/store."

// queryOrigin finds the innermost function of package store (not this file)
// on the current stack, and the first caller outside the store and the
// driver.
func queryOrigin() (from, where string, test bool) {
	pcs := make([]uintptr, 64)
	n := runtime.Callers(3, pcs)
	frames := runtime.CallersFrames(pcs[:n])
	var caller string
	for {
		f, more := frames.Next()
		switch {
		case strings.HasSuffix(f.File, "/store/querycheck.go") || strings.HasSuffix(f.File, "/store/atomic.go"):
			// This file, and the embedded store's wrapper of collections
			// (atomic.go), are no query's origin: their callers are.
		case from == "" && strings.HasPrefix(f.Function, storePkgPrefix):
			from = "store." + strings.TrimPrefix(f.Function, storePkgPrefix)
			where = fmt.Sprintf("%s:%d", repoFile(f.File), f.Line)
			test = strings.HasSuffix(f.File, "_test.go")
		case from != "" && caller == "" && (!strings.HasPrefix(f.Function, storePkgPrefix) || strings.HasSuffix(f.File, "_test.go")) &&
			!strings.HasPrefix(f.Function, "go.mongodb.org/") && !strings.HasPrefix(f.Function, "runtime."):
			caller = fmt.Sprintf("%s (%s:%d)", repoFunc(f.Function), repoFile(f.File), f.Line)
		}
		if !more || (from != "" && caller != "") {
			break
		}
	}
	if from == "" {
		return "(outside the store)", "", false
	}
	if caller != "" {
		where += ", called from " + caller
	}
	return from, where, test
}

// repoRoot is the repository's directory, as compiled in (this file is
// in its store directory), for short file names in the report.
var repoRoot = func() string {
	_, file, _, _ := runtime.Caller(0)
	return strings.TrimSuffix(file, "store/querycheck.go")
}()

func repoFile(path string) string {
	return strings.TrimPrefix(path, repoRoot)
}

func repoFunc(name string) string {
	return strings.TrimPrefix(name, "github.com/youthvoice/youthvoice/")
}

// queryShapesOf reads the query shapes of a command: none for commands that
// read nothing by a filter (insert, getMore, createIndexes, hello...).
func queryShapesOf(name string, cmd bson.Raw) []queryShape {
	coll, _ := cmd.Lookup(name).StringValueOK()
	doc := func(key string) bson.Raw {
		d, _ := cmd.Lookup(key).DocumentOK()
		return d
	}
	switch name {
	case "find":
		limit, _ := cmd.Lookup("limit").AsInt64OK()
		sh := queryShapeOf(coll, name, doc("filter"), doc("sort"))
		sh.limitOne = limit == 1 && len(sh.sort) == 0
		return []queryShape{sh}
	case "findAndModify":
		return []queryShape{queryShapeOf(coll, name, doc("query"), doc("sort"))}
	case "count":
		q := doc("query")
		if len(q) == 0 || emptyDocument(q) {
			return nil // the collection's count, from its metadata
		}
		return []queryShape{queryShapeOf(coll, name, q, nil)}
	case "distinct":
		return []queryShape{queryShapeOf(coll, name, doc("query"), nil)}
	case "update", "delete":
		list, field := "updates", "q"
		if name == "delete" {
			list = "deletes"
		}
		arr, _ := cmd.Lookup(list).ArrayOK()
		vals, _ := arr.Values()
		var out []queryShape
		for _, v := range vals {
			st, ok := v.DocumentOK()
			if !ok {
				continue
			}
			q, _ := st.Lookup(field).DocumentOK()
			out = append(out, queryShapeOf(coll, name, q, nil))
		}
		return out
	case "aggregate":
		arr, _ := cmd.Lookup("pipeline").ArrayOK()
		stages, _ := arr.Values()
		var filter, sortDoc bson.Raw
		limitOne := false
		for i, st := range stages {
			d, ok := st.DocumentOK()
			if !ok {
				break
			}
			if m, ok := d.Lookup("$match").DocumentOK(); ok && i == 0 {
				filter = m
				continue
			}
			if s, ok := d.Lookup("$sort").DocumentOK(); ok && sortDoc == nil {
				sortDoc = s
				continue
			}
			if l, ok := d.Lookup("$limit").AsInt64OK(); ok && l == 1 && sortDoc == nil {
				limitOne = true
			}
			break // later stages work on what the first ones read
		}
		sh := queryShapeOf(coll, name, filter, sortDoc)
		sh.limitOne = limitOne
		return []queryShape{sh}
	}
	return nil
}

func emptyDocument(d bson.Raw) bool {
	elems, err := d.Elements()
	return err == nil && len(elems) == 0
}

// queryShapeOf classifies a filter's fields and reads the sort.
func queryShapeOf(coll, command string, filter, sortDoc bson.Raw) queryShape {
	sh := queryShape{collection: coll, command: command}
	add := func(list *[]string, f string) {
		if !slices.Contains(*list, f) {
			*list = append(*list, f)
		}
	}
	var walk func(d bson.Raw)
	walk = func(d bson.Raw) {
		elems, _ := d.Elements()
		for _, e := range elems {
			k, v := e.Key(), e.Value()
			if k == "$and" {
				arr, _ := v.ArrayOK()
				vals, _ := arr.Values()
				for _, x := range vals {
					if sub, ok := x.DocumentOK(); ok {
						walk(sub)
					}
				}
				continue
			}
			if strings.HasPrefix(k, "$") { // $or, $nor, $expr, $where, $text...
				if sh.unindexable == "" {
					sh.unindexable = k
				}
				continue
			}
			ops, isDoc := v.DocumentOK()
			opElems, _ := ops.Elements()
			if !isDoc || len(opElems) == 0 || !strings.HasPrefix(opElems[0].Key(), "$") {
				add(&sh.eq, k) // a plain value, or a whole embedded document
				continue
			}
			kind := ""
			for _, op := range opElems {
				switch op.Key() {
				case "$eq", "$in":
					kind = max(kind, "eq")
				case "$gt", "$gte", "$lt", "$lte":
					kind = max(kind, "range")
				default:
					kind = "~other"
				}
			}
			switch kind {
			case "eq":
				add(&sh.eq, k)
			case "range":
				add(&sh.ranges, k)
			default:
				add(&sh.other, k)
			}
		}
	}
	if filter != nil {
		walk(filter)
	}
	sort.Strings(sh.eq)
	sort.Strings(sh.ranges)
	sort.Strings(sh.other)
	if sortDoc != nil {
		elems, _ := sortDoc.Elements()
		for _, e := range elems {
			dir := 1
			if f, ok := e.Value().AsFloat64OK(); ok && f < 0 {
				dir = -1
			}
			sh.sort = append(sh.sort, bson.E{Key: e.Key(), Value: dir})
		}
	}
	return sh
}

// servedByKeys says whether an index serves the query: MongoDB's rule of
// equality, sort, range. The equality fields are the index's first keys
// (in any order); the sort (less any equality field, which sorts nothing)
// follows them, all in the index's directions or all reversed; every range
// and other field is among the keys after the equality ones; and the scan
// is bounded: by the equality fields, or by a range on the first key.
func (q queryShape) servedByKeys(keys bson.D) bool {
	names := make([]string, len(keys))
	for i, k := range keys {
		names[i] = k.Key
	}
	ne := len(q.eq)
	if ne > len(names) {
		return false
	}
	prefix := slices.Clone(names[:ne])
	sort.Strings(prefix)
	if !slices.Equal(prefix, q.eq) {
		return false
	}
	var srt bson.D
	for _, s := range q.sort {
		if !slices.Contains(q.eq, s.Key) {
			srt = append(srt, s)
		}
	}
	if ne+len(srt) > len(keys) {
		return false
	}
	flip := 0
	for i, s := range srt {
		k := keys[ne+i]
		if k.Key != s.Key {
			return false
		}
		same := indexDirection(indexValue(k.Value)) == indexDirection(indexValue(s.Value))
		f := 1
		if !same {
			f = -1
		}
		if flip == 0 {
			flip = f
		} else if flip != f {
			return false
		}
	}
	rest := names[ne:]
	for _, f := range append(slices.Clone(q.ranges), q.other...) {
		if !slices.Contains(rest, f) {
			return false
		}
	}
	return ne > 0 || (len(q.ranges) > 0 && slices.Contains(q.ranges, names[0]))
}

// servedBy names what serves a query, "" if nothing does: a lookup by _id
// (equality or $in: the _id index, whatever else the filter tests on the
// documents it finds) or a range of ids alone, a read of one document of a collection, a declared
// index, or a declared scan from this function.
func (q queryShape) servedBy(from string, ixs []index, scans []deliberateScan) string {
	switch {
	case q.unindexable != "":
	case slices.Contains(q.eq, "_id"):
		return "the _id index"
	case len(q.eq)+len(q.other) == 0 && slices.Equal(q.ranges, []string{"_id"}) && (len(q.sort) == 0 || len(q.sort) == 1 && q.sort[0].Key == "_id"):
		return "the _id index (a range of ids, such as a prefix)"
	case q.limitOne && len(q.eq)+len(q.ranges)+len(q.other) == 0:
		return "the first document of the collection"
	}
	if q.unindexable == "" {
		for _, ix := range ixs {
			if sameCollection(ix.collection, q.collection) && q.servedByKeys(ix.keys) {
				return "index " + ix.name + " " + indexKeysString(ix.keys)
			}
		}
	}
	for _, sc := range scans {
		if (sc.collection == "*" || sameCollection(sc.collection, q.collection)) &&
			(from == sc.from || strings.HasPrefix(from, sc.from+".func")) {
			return "a deliberate scan: " + sc.reason
		}
	}
	return ""
}

// sameCollection reports whether a declaration for collection declared
// covers collection actual: the same, or both hold response pages (every
// page format has a collection of its own, colPages + "_" + its name, with
// the same documents and indexes: pageIndexes).
func sameCollection(declared, actual string) bool {
	return declared == actual || (declared == colPages && strings.HasPrefix(actual, colPages+"_"))
}

// unindexedQueries lists the recorded queries that no declared index serves and
// no declared scan covers (the store's tests' own direct queries aside),
// one line each.
func unindexedQueries(recs []*queryRecord, ixs []index, scans []deliberateScan) []string {
	var out []string
	for _, r := range recs {
		if r.test || r.shape.servedBy(r.from, ixs, scans) != "" {
			continue
		}
		out = append(out, fmt.Sprintf("%s, from %s (%s), %d times", r.shape, r.from, r.where, r.count))
	}
	sort.Strings(out)
	return out
}

// queryReport lists every recorded query and what serves it.
func queryReport(recs []*queryRecord, ixs []index, scans []deliberateScan) []string {
	var out []string
	for _, r := range recs {
		how := r.shape.servedBy(r.from, ixs, scans)
		switch {
		case r.test:
			how = "(the store's test code, not checked)"
		case how == "":
			how = "NO INDEX"
		}
		out = append(out, fmt.Sprintf("%s, from %s, %d times: %s", r.shape, r.from, r.count, how))
	}
	sort.Strings(out)
	return out
}

func recordedQueries() []*queryRecord {
	queryLog.mu.Lock()
	defer queryLog.mu.Unlock()
	out := make([]*queryRecord, 0, len(queryLog.seen))
	for _, r := range queryLog.seen {
		c := *r
		out = append(out, &c)
	}
	return out
}

// RunCheckingQueries runs a test binary's tests (call it from TestMain:
// os.Exit(store.RunCheckingQueries(m))) and then fails the run if any
// query the store issued is served by none of its declared indexes, listing
// each with where it came from. A test binary that opens a store without
// it is refused by Open, so a package cannot skip the check.
func RunCheckingQueries(m *testing.M) int {
	checking.Store(true)
	code := m.Run()
	bad := unindexedQueries(recordedQueries(), indexes, deliberateScans)
	queryLog.mu.Lock()
	all := queryLog.all
	queryLog.mu.Unlock()
	if storesOpened.Load() > 0 && (!monitorInstalled.Load() || all == 0) {
		// TestUndeclaredQueryIsCaught (package store) fails on this.
		fmt.Fprintln(os.Stderr, "store query check: stores were opened but no command was seen: "+
			"store.Open must install commandMonitor() on its client (clientOpts.SetMonitor)")
		if monitorInstalled.Load() {
			return max(code, 1)
		}
	}
	if os.Getenv("YOUTHVOICE_QUERY_REPORT") != "" {
		fmt.Fprintln(os.Stderr, "store query check: every query shape and what serves it:")
		for _, l := range queryReport(recordedQueries(), indexes, deliberateScans) {
			fmt.Fprintln(os.Stderr, "  "+l)
		}
	}
	if len(bad) > 0 {
		fmt.Fprintf(os.Stderr, "store query check: %d queries are served by no index declared in store/indexes.go "+
			"(declare an index, or a deliberate scan with its reason):\n", len(bad))
		for _, l := range bad {
			fmt.Fprintln(os.Stderr, "  "+l)
		}
		return max(code, 1)
	}
	return code
}

// checkedTestBinary refuses a store opened by a test binary whose
// TestMain does not run RunCheckingQueries: its queries would go
// unchecked.
func checkedTestBinary() error {
	if monitorInstalled.Load() && !checking.Load() {
		return fmt.Errorf("store: this test binary opens a store but does not check its queries: " +
			"its TestMain must run the tests with store.RunCheckingQueries(m) instead of m.Run() " +
			"(func TestMain(m *testing.M) { os.Exit(store.RunCheckingQueries(m)) }; see store/querycheck.go)")
	}
	return nil
}
