package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/youthvoice/youthvoice/internal/racetest"
	"github.com/youthvoice/youthvoice/simulate"
	"github.com/youthvoice/youthvoice/store"
	"github.com/youthvoice/youthvoice/store/storetest"
	"github.com/youthvoice/youthvoice/surveys"
	"github.com/youthvoice/youthvoice/surveys/surveystest"
)

func exampleDefinition(t testing.TB) *surveys.Definition {
	t.Helper()
	def, err := surveystest.Example("youth-policy-consultation.json")
	if err != nil {
		t.Fatal(err)
	}
	return def
}

func randomResponse(t testing.TB, def *surveys.Definition, surveyID string, rng *rand.Rand) *surveys.Response {
	t.Helper()
	sub := simulate.Submission(def, 1, rng)
	raw, _ := json.Marshal(sub["answers"])
	var answers map[string]json.RawMessage
	_ = json.Unmarshal(raw, &answers)
	r, err := surveys.NewResponse([]byte("test key"), surveyID, def,
		&surveys.Submission{SubmissionID: uuid.NewString(), Revision: 1, Lang: sub["lang"].(string), Answers: answers}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// newSummarizer makes a summarizer for responses to def, with k 5.
func newSummarizer(st *store.Store, def *surveys.Definition) *store.Summarizer {
	defs := func(context.Context, string, int) (*surveys.Definition, int, error) { return def, 5, nil }
	sum := st.NewSummarizer(defs, slog.New(slog.DiscardHandler))
	// The tests play crashes and restarts with no other process about:
	// recovery takes what is queued at once, on an external server too
	// (where RecoverAtStart would otherwise wait for the lease).
	sum.Lease = 0
	return sum
}

// copyAfresh copies the responses into pages as the first start after an
// upgrade would, lets recovery take over what is queued, and checks that
// the pages of surveyID hold its n stored responses.
func copyAfresh(t *testing.T, st *store.Store, sum *store.Summarizer, surveyID string, n int) {
	t.Helper()
	ctx := context.Background()
	if err := st.ForgetPages(ctx); err != nil {
		t.Fatal(err)
	}
	if err := st.EnsurePages(ctx); err != nil {
		t.Fatal(err)
	}
	sum.RecoverAtStart(ctx)
	if got, want := paged(t, st, surveyID), stored(t, st, surveyID); !slices.Equal(got, want) || len(want) != n {
		t.Fatalf("%d paged, %d stored, want %d", len(got), len(want), n)
	}
}

// canonical is what an export shows of a response, as one comparable
// string.
func canonical(r *surveys.Response) string {
	b, _ := json.Marshal(struct {
		Revision int
		Lang     string
		Day      string
		Answers  surveys.Answers
	}{r.Revision, r.Lang, r.Day, r.Answers})
	return string(b)
}

// paged reads a survey's responses from its pages.
func paged(t *testing.T, st *store.Store, surveyID string) []string {
	t.Helper()
	ctx := context.Background()
	cur, err := st.Responses(ctx, surveyID)
	if err != nil {
		t.Fatal(err)
	}
	defer cur.Close(ctx)
	var out []string
	for {
		r, err := cur.Next(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, canonical(r))
	}
	slices.Sort(out)
	return out
}

// stored reads a survey's responses from the responses collection.
func stored(t *testing.T, st *store.Store, surveyID string) []string {
	t.Helper()
	var out []string
	err := st.EachStoredResponse(context.Background(), surveyID, func(r *surveys.Response) error {
		out = append(out, canonical(r))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

// The pages of a survey hold exactly its stored responses: duplicates are
// left out, and a crash after the pages were written but before the batch
// was tallied writes no page twice.
func TestPagesHoldExactlyTheStoredResponses(t *testing.T) {
	racetest.SkipSingleFlow(t) // requests in turn
	ctx := context.Background()
	st := storetest.Open(t)
	def := exampleDefinition(t)
	crash := true
	sum := newSummarizer(st, def)
	sum.SetFaults(func(step string) error {
		if crash && step == "paged" {
			return errors.New("injected crash")
		}
		return nil
	})
	com := st.NewCommitter(16, time.Millisecond, sum)
	rng := rand.New(rand.NewPCG(3, 4))
	var first *surveys.Response
	for i := range 70 {
		sid := "A"
		if i%3 == 0 {
			sid = "B"
		}
		r := randomResponse(t, def, sid, rng)
		if first == nil {
			first = r
		}
		if err := com.Insert(ctx, r, def); err != nil {
			t.Fatal(err)
		}
	}
	if err := com.Insert(ctx, first, def); !errors.Is(err, store.ErrDuplicate) {
		t.Fatalf("a second copy: %v", err)
	}
	sum.Pass(ctx) // writes the pages, then "crashes"
	crash = false
	sum.RecoverAtStart(ctx)
	for _, sid := range []string{"A", "B"} {
		want := stored(t, st, sid)
		if got := paged(t, st, sid); !slices.Equal(got, want) || len(want) == 0 {
			t.Fatalf("survey %s: %d paged, %d stored, equal %v", sid, len(got), len(want), slices.Equal(got, want))
		}
	}
	com.Close()
}

// Responses stored before pages existed are copied into pages once.
func TestResponsesStoredBeforePagesAreCopied(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	def := exampleDefinition(t)
	rng := rand.New(rand.NewPCG(5, 6))
	for i := range 600 {
		sid := []string{"A", "B"}[i%2]
		if err := st.InsertResponse(ctx, randomResponse(t, def, sid, rng), def); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.ForgetPages(ctx); err != nil {
		t.Fatal(err)
	}
	// Two processes starting at once: one copies, the other waits for it.
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	for range 2 {
		wg.Add(1)
		go func() { defer wg.Done(); errs <- st.EnsurePages(ctx) }()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	for range 2 { // later starts find the copy done
		if err := st.EnsurePages(ctx); err != nil {
			t.Fatal(err)
		}
		for _, sid := range []string{"A", "B"} {
			want := stored(t, st, sid)
			if got := paged(t, st, sid); !slices.Equal(got, want) || len(want) != 300 {
				t.Fatalf("survey %s: %d paged, %d stored", sid, len(got), len(want))
			}
		}
	}
}

// Lost pages are found by counting and rebuilt from the responses (what
// youthvoice recount --fix does), leaving other surveys' pages alone.
func TestRebuildPages(t *testing.T) {
	racetest.SkipSingleFlow(t)
	ctx := context.Background()
	st := storetest.Open(t)
	def := exampleDefinition(t)
	sum := newSummarizer(st, def)
	com := st.NewCommitter(16, time.Millisecond, sum)
	defer com.Close()
	rng := rand.New(rand.NewPCG(7, 8))
	for i := range 300 {
		if err := com.Insert(ctx, randomResponse(t, def, []string{"A", "B"}[i%2], rng), def); err != nil {
			t.Fatal(err)
		}
	}
	sum.Pass(ctx)
	if n, err := st.PagedResponses(ctx, "A"); err != nil || n != 150 {
		t.Fatalf("paged: %d %v", n, err)
	}
	if err := st.DropPages(ctx, "A"); err != nil {
		t.Fatal(err)
	}
	if n, _ := st.PagedResponses(ctx, "A"); n != 0 {
		t.Fatalf("after the loss: %d", n)
	}
	before := paged(t, st, "B")
	if err := st.RebuildPages(ctx, "A"); err != nil {
		t.Fatal(err)
	}
	if got, want := paged(t, st, "A"), stored(t, st, "A"); !slices.Equal(got, want) || len(got) != 150 {
		t.Fatalf("rebuilt: %d paged, %d stored", len(got), len(want))
	}
	if !slices.Equal(paged(t, st, "B"), before) {
		t.Fatal("the other survey's pages changed")
	}
}

// A summary stored with JSON-text tallies reads the same, and its next
// update converts it to compressed tallies, release included.
func TestTextSummariesAreConverted(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	def := exampleDefinition(t)
	rng := rand.New(rand.NewPCG(9, 10))
	full, release := surveys.NewTally(), surveys.NewTally()
	for i := range 40 {
		r := randomResponse(t, def, "A", rng)
		full.Add(def, r)
		if i < 30 {
			release.Add(def, r)
		}
	}
	text := func(t *surveys.Tally) string { b, _ := json.Marshal(t); return string(b) }
	if err := st.PutTextSummary(ctx, "A", text(full), 30, text(release)); err != nil {
		t.Fatal(err)
	}
	check := func(when string) {
		t.Helper()
		sum, err := st.SummaryCells(ctx, "A", true)
		if err != nil || text(sum.Tally) != text(full) || text(sum.ReleaseTally) != text(release) || sum.ReleaseN != 30 {
			t.Fatalf("%s: %v, n %d, release %d", when, err, sum.Tally.Responses, sum.ReleaseN)
		}
	}
	check("as stored")
	// A recount that changes nothing still rewrites the summary.
	if err := st.ReplaceSummary(ctx, "A", full, 100, false); err != nil {
		t.Fatal(err)
	}
	check("after an update")
	docs, err := st.RawDocuments(ctx, "summaries")
	if err != nil || len(docs) != 1 {
		t.Fatal(err)
	}
	for _, field := range []string{"tally", "release_tally"} {
		if _, ok := docs[0][field]; ok {
			t.Errorf("%s is still text", field)
		}
	}
	for _, field := range []string{"tally_z", "release_tally_z"} {
		if _, ok := docs[0][field]; !ok {
			t.Errorf("no %s", field)
		}
	}
}

// A read cut short (its context ends) ends with that error, never with
// io.EOF, so that an export cannot look complete when it is not.
func TestCursorCutShortIsAnError(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	def := exampleDefinition(t)
	sum := newSummarizer(st, def)
	com := st.NewCommitter(8, 0, sum)
	defer com.Close()
	rng := rand.New(rand.NewPCG(11, 12))
	for range 200 { // one writer: batches of one, 200 pages
		if err := com.Insert(ctx, randomResponse(t, def, "A", rng), def); err != nil {
			t.Fatal(err)
		}
	}
	sum.Pass(ctx)
	readCtx, cancel := context.WithCancel(ctx)
	cur, err := st.Responses(readCtx, "A")
	if err != nil {
		t.Fatal(err)
	}
	defer cur.Close(ctx)
	if _, err := cur.Next(ctx); err != nil {
		t.Fatal(err)
	}
	cancel()
	n := 1
	for {
		_, err := cur.Next(ctx)
		if err == nil {
			n++
			continue
		}
		if errors.Is(err, io.EOF) || n >= 200 {
			t.Fatalf("after %d responses: %v", n, err)
		}
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("error %v", err)
		}
		return
	}
}

// A batch still queued that holds only a refused retry does not keep the
// original response (stored and tallied by an earlier batch) out of the
// copy.
func TestCopySkipsOnlyWhatQueuedBatchesStored(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	def := exampleDefinition(t)
	sum := newSummarizer(st, def)
	com := st.NewCommitter(4, 0, sum)
	defer com.Close()
	rng := rand.New(rand.NewPCG(13, 14))
	var first *surveys.Response
	for range 10 {
		r := randomResponse(t, def, "A", rng)
		if first == nil {
			first = r
		}
		if err := com.Insert(ctx, r, def); err != nil {
			t.Fatal(err)
		}
	}
	sum.Pass(ctx)
	// The retry's batch stores nothing, so it stays queued until recovery.
	if err := com.Insert(ctx, first, def); !errors.Is(err, store.ErrDuplicate) {
		t.Fatalf("retry: %v", err)
	}
	copyAfresh(t, st, sum, "A", 10)
}

// A pass that fails (here: its context is already cancelled) keeps its
// batches for the next pass, so the flush at shutdown still applies them.
func TestFailedPassIsRetried(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	def := exampleDefinition(t)
	sum := newSummarizer(st, def)
	com := st.NewCommitter(4, 0, sum)
	defer com.Close()
	rng := rand.New(rand.NewPCG(15, 16))
	for range 12 {
		if err := com.Insert(ctx, randomResponse(t, def, "A", rng), def); err != nil {
			t.Fatal(err)
		}
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	sum.Pass(cancelled)
	if s, _ := st.Summary(ctx, "A"); s.Tally.Responses != 0 {
		t.Fatalf("the failed pass applied %d", s.Tally.Responses)
	}
	sum.Flush(ctx)
	if s, _ := st.Summary(ctx, "A"); s.Tally.Responses != 12 {
		t.Fatalf("after the flush: %d", s.Tally.Responses)
	}
	// A batch that keeps failing is left to recovery after a few passes,
	// so that it cannot hold up the others.
	for range 2 {
		if err := com.Insert(ctx, randomResponse(t, def, "A", rng), def); err != nil {
			t.Fatal(err)
		}
	}
	for range 3 {
		sum.Pass(cancelled)
	}
	sum.Flush(ctx)
	if s, _ := st.Summary(ctx, "A"); s.Tally.Responses != 12 {
		t.Fatalf("a batch failed three times was still applied: %d", s.Tally.Responses)
	}
	sum.RecoverAtStart(ctx)
	if s, _ := st.Summary(ctx, "A"); s.Tally.Responses != 14 {
		t.Fatalf("recovery: %d", s.Tally.Responses)
	}
	if got, want := paged(t, st, "A"), stored(t, st, "A"); !slices.Equal(got, want) || len(got) != 14 {
		t.Fatalf("%d paged, %d stored", len(got), len(want))
	}
}

// A response whose batch is still queued is left out of the copy even
// when a later queued batch names its key too (a refused retry); the
// recovery of its own batch pages it, once.
func TestCopyWithTwoQueuedBatchesNamingOneKey(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	def := exampleDefinition(t)
	sum := newSummarizer(st, def)
	sum.SetFaults(func(string) error { return errors.New("injected crash") })
	com := st.NewCommitter(4, 0, sum)
	defer com.Close()
	rng := rand.New(rand.NewPCG(17, 18))
	r := randomResponse(t, def, "A", rng)
	if err := com.Insert(ctx, r, def); err != nil {
		t.Fatal(err)
	}
	sum.Pass(ctx) // "crashes": the batch stays queued
	if err := com.Insert(ctx, r, def); !errors.Is(err, store.ErrDuplicate) {
		t.Fatalf("retry: %v", err)
	}
	sum.SetFaults(nil)
	copyAfresh(t, st, sum, "A", 1)
}

// The claim of a process that died copying is taken over once it has
// been seen unchanged for the lease.
func TestDeadCopierIsTakenOver(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	def := exampleDefinition(t)
	rng := rand.New(rand.NewPCG(19, 20))
	for range 30 {
		if err := st.InsertResponse(ctx, randomResponse(t, def, "A", rng), def); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.ForgetPages(ctx); err != nil {
		t.Fatal(err)
	}
	defer store.SetPageLeases(300*time.Millisecond, 300*time.Millisecond, 0, 50*time.Millisecond)()
	if err := st.ClaimCopyAs(ctx, "a process that died"); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := st.EnsurePages(ctx); err != nil {
		t.Fatal(err)
	}
	if waited := time.Since(start); waited < 300*time.Millisecond {
		t.Fatalf("took over a claim after %v, before the lease", waited)
	}
	if got, want := paged(t, st, "A"), stored(t, st, "A"); !slices.Equal(got, want) || len(got) != 30 {
		t.Fatalf("%d paged, %d stored", len(got), len(want))
	}
}

// largestResponse is a response as large as the API takes one: text
// answers (at most surveys.MaxAnswerTextLength each) of random printable
// characters, which zstd can hardly compress, filling a whole submission
// of 64 KiB (api's maxSubmissionBytes) on their own.
func largestResponse(rng *rand.Rand, surveyID string) *surveys.Response {
	const submission = 64 << 10
	answers := surveys.Answers{}
	for i, left := 0, submission; left > 0; i++ {
		b := make([]byte, min(surveys.MaxAnswerTextLength, left))
		var x uint64
		for j := range b {
			if j%8 == 0 {
				x = rng.Uint64()
			}
			b[j] = '!' + byte(x)%94
			x >>= 8
		}
		answers[fmt.Sprintf("q%02d", i)] = surveys.Answer{Text: string(b)}
		left -= len(b)
	}
	return &surveys.Response{Key: uuid.NewString(), SurveyID: surveyID, Revision: 1, Lang: "en", Day: "2026-11-20", Answers: answers}
}

func canonicals(rs []*surveys.Response) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = canonical(r)
	}
	slices.Sort(out)
	return out
}

// checkPageSizes fails unless every page of st is at most the limit, and
// returns how many there are.
func checkPageSizes(t *testing.T, st *store.Store) int {
	t.Helper()
	sizes, err := st.PageSizes(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range sizes {
		if n > store.PageLimit() || n > 16<<20 {
			t.Fatalf("a page of %d bytes; the limit is %d (MongoDB's %d)", n, store.PageLimit(), 16<<20)
		}
	}
	return len(sizes)
}

// A batch of 500 responses of the largest size the API takes (32 MB,
// hardly compressible) is written as several pages, each within the
// limit (MongoDB refuses documents over 16 MiB, which would hold up the
// batch for ever), that hold every response once; writing the batch again
// (recovery after a crash) pages nothing twice, and a copy from the
// responses collection (recount --fix) keeps to the same limit (300 such
// responses: 19 MB in the copy's first page of 256 without the split).
func TestPagesStayUnderTheDocumentLimit(t *testing.T) {
	racetest.SkipSingleFlow(t)
	if store.MaxPageBytes > 16<<20-1<<20 {
		t.Fatalf("the page limit %d leaves no margin below MongoDB's 16 MiB", store.MaxPageBytes)
	}
	// A batch of 500 responses of 64 KiB (32 MB) against the real limit
	// moves more data than the rest of the suite under the race detector;
	// the same code splits 24 of them (1.5 MB) at a limit of 256 KiB.
	defer store.SetMaxPageBytes(256 << 10)()
	ctx := context.Background()
	st := storetest.Open(t)
	rng := rand.New(rand.NewPCG(21, 22))
	rs := make([]*surveys.Response, 24)
	for i := range rs {
		rs[i] = largestResponse(rng, "A")
	}
	want := canonicals(rs)
	if err := st.WritePagesOf(ctx, "batch-1", rs); err != nil {
		t.Fatal(err)
	}
	pages := checkPageSizes(t, st)
	if pages < 2 {
		t.Fatalf("%d page(s) for 1.5 MB", pages)
	}
	if got := paged(t, st, "A"); !slices.Equal(got, want) {
		t.Fatalf("%d responses read back, want %d, equal %v", len(got), len(want), slices.Equal(got, want))
	}
	shuffled := slices.Clone(rs)
	rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	if err := st.WritePagesOf(ctx, "batch-1", shuffled); err != nil {
		t.Fatal(err)
	}
	if again := checkPageSizes(t, st); again != pages {
		t.Fatalf("written again: %d pages, were %d", again, pages)
	}
	if got := paged(t, st, "A"); !slices.Equal(got, want) {
		t.Fatalf("written again: %d responses read back, want %d", len(got), len(want))
	}

	// The copy from stored responses (RebuildPages) splits by size too.
	def := exampleDefinition(t)
	rs = rs[:20]
	want = canonicals(rs)
	for _, r := range rs {
		if err := st.InsertResponse(ctx, r, def); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.DropPages(ctx, "A"); err != nil {
		t.Fatal(err)
	}
	if err := st.RebuildPages(ctx, "A"); err != nil {
		t.Fatal(err)
	}
	if pages := checkPageSizes(t, st); pages < 2 {
		t.Fatalf("the copy: %d page(s)", pages)
	}
	if got := paged(t, st, "A"); !slices.Equal(got, want) {
		t.Fatalf("the copy: %d responses read back, want %d", len(got), len(want))
	}
}

// A batch that a version before the split paged whole (and then crashed
// before tallying it) is paged again by recovery without the parts that
// page holds already.
func TestWholePageOfAnOlderVersionIsNotPagedTwice(t *testing.T) {
	defer store.SetMaxPageBytes(512 << 10)() // the split of 8 MiB pages, with less data
	ctx := context.Background()
	st := storetest.Open(t)
	rng := rand.New(rand.NewPCG(23, 24))
	rs := make([]*surveys.Response, 12) // 786 KB: two pages now
	for i := range rs {
		rs[i] = largestResponse(rng, "A")
	}
	if err := st.WriteWholePage(ctx, "batch-1", "A", rs); err != nil {
		t.Fatal(err)
	}
	if err := st.WritePagesOf(ctx, "batch-1", rs); err != nil {
		t.Fatal(err)
	}
	if got, want := paged(t, st, "A"), canonicals(rs); !slices.Equal(got, want) {
		t.Fatalf("%d responses read back, want %d", len(got), len(want))
	}
}

// waitReadable waits until st's exports read its pages.
func waitReadable(t *testing.T, st *store.Store) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(20 * time.Millisecond) {
		ok, err := st.PagesReadable(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the pages of the new format were not made within a minute")
		}
	}
}

func summaryCount(t *testing.T, st *store.Store, surveyID string) int {
	t.Helper()
	sum, err := st.Summary(context.Background(), surveyID)
	if err != nil {
		t.Fatal(err)
	}
	return sum.Tally.Responses
}

// A new version with a new page format starts beside a running older one
// (a rolling upgrade on one MongoDB): it does not wait, exports from the
// responses collection until its pages are made, deletes none of the old
// pages; the old process stops exporting and tallying (its batches are
// taken over by the new one), and the new pages end up holding every
// response exactly once.
func TestNewPageFormatBesideAnOlderProcess(t *testing.T) {
	ctx := context.Background()
	defer store.SetPageLeases(time.Minute, time.Minute, 50*time.Millisecond, 20*time.Millisecond)()
	old := storetest.Open(t)
	def := exampleDefinition(t)
	rng := rand.New(rand.NewPCG(25, 26))
	insert := func(com *store.Committer, n int) {
		t.Helper()
		for range n {
			if err := com.Insert(ctx, randomResponse(t, def, "A", rng), def); err != nil {
				t.Fatal(err)
			}
		}
	}
	sumOld := newSummarizer(old, def)
	comOld := old.NewCommitter(8, 0, sumOld)
	defer comOld.Close()
	insert(comOld, 40)
	sumOld.Pass(ctx) // pages of the old format, under the old process's lease
	oldPages, err := old.RawDocuments(ctx, old.PagesCollection())
	if err != nil || len(oldPages) == 0 {
		t.Fatalf("old pages: %d, %v", len(oldPages), err)
	}

	neu := old.Twin(nil)
	neu.SetPageFormat(2, "next")
	if err := neu.EnsurePages(ctx); err != nil {
		t.Fatal(err)
	}
	if ok, err := neu.PagesReadable(ctx); err != nil || ok {
		t.Fatalf("the new pages were made under a live lease of the old process (%v)", err)
	}
	if got, want := paged(t, neu, "A"), stored(t, neu, "A"); !slices.Equal(got, want) || len(got) != 40 {
		t.Fatalf("the new process's export: %d, stored %d", len(got), len(want))
	}
	if _, err := old.Responses(ctx, "A"); !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("the old process still exports: %v", err)
	}
	sumNew := newSummarizer(neu, def)
	comNew := neu.NewCommitter(8, 0, sumNew)
	defer comNew.Close()
	insert(comNew, 10)
	sumNew.Pass(ctx) // pages of the new format, before the conversion
	if ok, err := neu.PagesReadable(ctx); err != nil || ok {
		t.Fatalf("the new pages were made under a live lease of the old process (%v)", err)
	}
	// The old process's lease runs out: the new pages are made; the old
	// process takes submissions but tallies nothing, and the new one
	// takes its batches over.
	if err := old.EndPageLease(ctx); err != nil {
		t.Fatal(err)
	}
	waitReadable(t, neu)
	insert(comOld, 5)
	sumOld.Pass(ctx)
	if n := summaryCount(t, neu, "A"); n != 50 {
		t.Fatalf("summary %d after the old process's pass, want 50", n)
	}
	// The new process's recovery, once the old batch's lease has run out
	// (here at once).
	sumNew.Lease = 0
	sumNew.Recover(ctx)
	if n := summaryCount(t, neu, "A"); n != 55 {
		t.Fatalf("summary %d after recovery, want 55", n)
	}
	if got, want := paged(t, neu, "A"), stored(t, neu, "A"); !slices.Equal(got, want) || len(got) != 55 {
		t.Fatalf("new pages: %d responses, stored %d, equal %v", len(got), len(want), slices.Equal(got, want))
	}
	if after, err := old.RawDocuments(ctx, old.PagesCollection()); err != nil || len(after) != len(oldPages) {
		t.Fatalf("old pages: %d, were %d (%v)", len(after), len(oldPages), err)
	}
}

// The conversion into a new format pages a split batch once, even when a
// process of the new version paged it already (recovering it after the
// old process crashed).
func TestConversionPagesASplitBatchOnce(t *testing.T) {
	ctx := context.Background()
	defer store.SetPageLeases(time.Minute, time.Minute, 50*time.Millisecond, 20*time.Millisecond)()
	defer store.SetMaxPageBytes(512 << 10)() // two pages, with less data
	old := storetest.Open(t)
	rng := rand.New(rand.NewPCG(27, 28))
	rs := make([]*surveys.Response, 12)
	for i := range rs {
		rs[i] = largestResponse(rng, "A")
	}
	if err := old.WritePagesOf(ctx, "batch-1", rs); err != nil {
		t.Fatal(err)
	}
	neu := old.Twin(nil)
	neu.SetPageFormat(2, "next")
	if err := neu.EnsurePages(ctx); err != nil {
		t.Fatal(err)
	}
	if err := neu.WritePagesOf(ctx, "batch-1", rs); err != nil {
		t.Fatal(err)
	}
	if err := old.EndPageLease(ctx); err != nil { // the old process died
		t.Fatal(err)
	}
	waitReadable(t, neu)
	if pages := checkPageSizes(t, neu); pages != 2 {
		t.Fatalf("%d new pages, want 2", pages)
	}
	if got, want := paged(t, neu, "A"), canonicals(rs); !slices.Equal(got, want) {
		t.Fatalf("%d responses read back, want %d", len(got), len(want))
	}
}

// The claim to copy is judged on the database server's clock: a process
// whose own clock is an hour ahead does not take over a live claim.
func TestCopyClaimLeaseIsOnTheServersClock(t *testing.T) {
	ctx := context.Background()
	defer store.SetPageLeases(time.Second, time.Second, 0, 20*time.Millisecond)()
	st := storetest.Open(t)
	def := exampleDefinition(t)
	rng := rand.New(rand.NewPCG(29, 30))
	for range 30 {
		if err := st.InsertResponse(ctx, randomResponse(t, def, "A", rng), def); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.ForgetPages(ctx); err != nil {
		t.Fatal(err)
	}
	if err := st.ClaimCopyAs(ctx, "a process copying"); err != nil {
		t.Fatal(err)
	}
	ahead := st.Twin(func() time.Time { return time.Now().Add(time.Hour) })
	start := time.Now()
	if err := ahead.EnsurePages(ctx); err != nil {
		t.Fatal(err)
	}
	if waited := time.Since(start); waited < time.Second {
		t.Fatalf("took over a live claim after %v", waited)
	}
	if got, want := paged(t, ahead, "A"), stored(t, ahead, "A"); !slices.Equal(got, want) || len(got) != 30 {
		t.Fatalf("%d paged, %d stored", len(got), len(want))
	}
}
