package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"time"
	"weak"

	"github.com/fxamacker/cbor/v2"
	"github.com/google/uuid"
	"github.com/klauspost/compress/zstd"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/youthvoice/youthvoice/surveys"
)

// Response pages hold a second copy of the responses, for reading them in
// bulk (the response export): one page per group-commit batch and survey
// (more when the batch's responses would not fit in one: maxPageBytes),
// its responses packed in CBOR and compressed with zstd.
//
// Why: the embedded FerretDB converts every document it scans from
// SQLite's JSON, which caps a scan of one document per response near
// 6,000 a second; a page of 20 to 500 compact responses is read about
// seven times faster (docs/performance.md).
//
// A page is written by the summarizer just before it tallies the batch,
// with an _id made of the batch id and the survey id, in one unordered
// insertMany per pass; an insert of a page that exists already (a batch
// taken over after a crash) is ignored. So every tallied batch has its
// page, exactly once, and once the summarizer has passed, the pages of a
// survey hold the responses its summary counts (for the moment between
// writing a page and tallying its batch, and until recovery takes over a
// batch that a crash or a failed pass left queued, they differ). The
// responses collection stays the source of truth: it is what
// de-duplicates submissions and what a recount reads; `youthvoice
// recount` compares the pages with it.
//
// A page holds, per response, what the export shows: revision, language,
// day and answers, in random order. Not the keyed hash of the submission
// id, nor the digest. That a page's responses arrived within the same few
// milliseconds is no more than the storage order of the responses
// collection tells (docs/privacy.md).
// maxPageBytes is defaultMaxPageBytes; a variable only so that a test can
// split pages at a smaller size (the same code, with less data to move).
var maxPageBytes = defaultMaxPageBytes

const (
	colPages = "response_pages"
	// backfillPage is how many responses a copied page holds (at most).
	backfillPage = 256
	// maxPageBytes bounds the encoded (BSON) size of every page document.
	// MongoDB refuses documents over 16 MiB, and a refused page would
	// hold up its batch for ever (the summarizer writes the page before
	// it tallies the batch). A batch may hold 500 responses of up to
	// 64 KiB (the API's bound on a submission): 32 MB. Half the server's
	// limit leaves room for anything an encoder might add, and it bounds
	// what a reader decompresses and holds per page.
	defaultMaxPageBytes = 8 << 20
	// pageSlack is what a page's limit keeps free beside its CBOR: zstd
	// adds at most a few bytes per 128 KiB block to what it cannot
	// compress (a raw block's header), plus a frame header; the page's
	// other fields are a few dozen bytes beside its two ids.
	pageSlack = 64 << 10
)

type pageDoc struct {
	ID       string `bson:"_id"`
	SurveyID string `bson:"survey_id"`
	N        int    `bson:"n"`
	// Part and Parts number the pages of a batch and survey that did not
	// fit in one (both 0 when it did): part 1 has the plain id, part i
	// the id with "/i" after it.
	Part    int    `bson:"part,omitempty"`
	Parts   int    `bson:"parts,omitempty"`
	Entries []byte `bson:"entries"` // zstd of CBOR: []pageEntry
}

// Pages (and tallies) are compressed with zstd: about 5 times smaller (a
// page of 54 responses: 30.8 KB of CBOR, 5.7 KB compressed), so FerretDB
// has 5 times less JSON to scan and base64 to decode per page, for about
// 1 µs of decompression per response.
var (
	zstdEncoder, _ = zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest))
	zstdDecoder, _ = zstd.NewReader(nil, zstd.WithDecoderMaxMemory(256<<20))
	// pageEncMode writes map keys in a fixed order, so that a response is
	// always encoded to the same bytes: how a batch is split into pages
	// depends on its responses only (see encodePages).
	pageEncMode, _ = cbor.EncOptions{Sort: cbor.SortCoreDeterministic}.EncMode()
)

// pageEntry is one response in a page, as a CBOR array.
type pageEntry struct {
	_        struct{} `cbor:",toarray"`
	Revision int
	Lang     string
	Day      string
	Answers  []pageAnswer
}

// pageAnswer is one answer: the question's id, then surveys.Answer's
// fields with short CBOR keys.
type pageAnswer struct {
	Question string `cbor:"0,keyasint"`
	answerFields
}

// answerFields is surveys.Answer with short CBOR keys; the two convert
// into each other.
type answerFields struct {
	Choice   string         `cbor:"1,keyasint,omitempty"`
	Choices  []string       `cbor:"2,keyasint,omitempty"`
	Other    string         `cbor:"3,keyasint,omitempty"`
	Point    int            `cbor:"4,keyasint,omitempty"`
	DontKnow bool           `cbor:"5,keyasint,omitempty"`
	Number   float64        `cbor:"6,keyasint,omitempty"`
	Text     string         `cbor:"7,keyasint,omitempty"`
	Order    []string       `cbor:"8,keyasint,omitempty"`
	Rows     map[string]int `cbor:"9,keyasint,omitempty"`
	Removed  int            `cbor:"10,keyasint,omitempty"`
}

func toPageEntry(r *surveys.Response) pageEntry {
	e := pageEntry{Revision: r.Revision, Lang: r.Lang, Day: r.Day, Answers: make([]pageAnswer, 0, len(r.Answers))}
	for id, a := range r.Answers {
		e.Answers = append(e.Answers, pageAnswer{id, answerFields(a)})
	}
	slices.SortFunc(e.Answers, func(a, b pageAnswer) int { return cmpString(a.Question, b.Question) })
	return e
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func (e *pageEntry) response(surveyID string) *surveys.Response {
	r := &surveys.Response{SurveyID: surveyID, Revision: e.Revision, Lang: e.Lang, Day: e.Day, Answers: make(surveys.Answers, len(e.Answers))}
	for _, a := range e.Answers {
		r.Answers[a.Question] = surveys.Answer(a.answerFields)
	}
	return r
}

// encodePages packs the responses of one batch and survey into pages
// whose ids start with id: one page, or as many as it takes to keep each
// within maxPageBytes.
//
// The split depends on the responses alone, never on their order or on
// chance: recovery may write a batch's pages again after a crash (and a
// newer page format converts them), and the pages it writes must have the
// ids and contents of those that were written, so that the inserts that
// find them are ignored and no response is paged twice. So the responses
// are sorted by their encoding (an order that says nothing about arrival)
// and packed greedily by their CBOR size, which bounds the page: zstd
// never makes data much larger (pageSlack). Within a page, the order is
// random.
func encodePages(id, surveyID string, rs []*surveys.Response) []pageDoc {
	entries := make([][]byte, len(rs))
	for i, r := range rs {
		b, err := pageEncMode.Marshal(toPageEntry(r))
		if err != nil {
			panic(fmt.Sprintf("store: encode page: %v", err)) // strings, ints and maps: cannot fail
		}
		entries[i] = b
	}
	slices.SortFunc(entries, bytes.Compare)
	room := maxPageBytes - pageSlack - len(id) - len(surveyID) - 16 // the part's suffix
	var groups [][][]byte
	size := 0
	for _, e := range entries {
		// A response alone is never near the limit (the API takes
		// submissions of 64 KiB at most); were it over, it would still
		// get a page of its own rather than hold up the others.
		if len(groups) == 0 || size+len(e) > room {
			groups = append(groups, nil)
			size = 9 // the array's header, at most
		}
		groups[len(groups)-1] = append(groups[len(groups)-1], e)
		size += len(e)
	}
	docs := make([]pageDoc, len(groups))
	for i, g := range groups {
		// The order within a page says nothing about the order of arrival.
		rand.Shuffle(len(g), func(i, j int) { g[i], g[j] = g[j], g[i] })
		b := cborArrayHeader(len(g))
		for _, e := range g {
			b = append(b, e...)
		}
		docs[i] = pageDoc{ID: id, SurveyID: surveyID, N: len(g), Entries: zstdEncoder.EncodeAll(b, nil)}
		if len(groups) > 1 {
			docs[i].Part, docs[i].Parts = i+1, len(groups)
			if i > 0 {
				docs[i].ID = id + "/" + strconv.Itoa(i+1)
			}
		}
	}
	return docs
}

// cborArrayHeader is the head of a CBOR array of n items (RFC 8949 3.1,
// major type 4).
func cborArrayHeader(n int) []byte {
	switch {
	case n < 24:
		return []byte{0x80 | byte(n)}
	case n < 1<<8:
		return []byte{0x98, byte(n)}
	case n < 1<<16:
		return []byte{0x99, byte(n >> 8), byte(n)}
	}
	return []byte{0x9a, byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}
}

// decodePage returns the responses of a page.
func decodePage(d *pageDoc) ([]*surveys.Response, error) {
	var entries []pageEntry
	b, err := zstdDecoder.DecodeAll(d.Entries, nil)
	if err == nil {
		err = cbor.Unmarshal(b, &entries)
	}
	if err != nil {
		return nil, fmt.Errorf("store: response page %s: %w", d.ID, err)
	}
	rs := make([]*surveys.Response, len(entries))
	for i := range entries {
		rs[i] = entries[i].response(d.SurveyID)
	}
	return rs, nil
}

// writePages writes the page of each batch and survey, in one unordered
// insertMany; pages that exist already are left as they are.
func (s *Store) writePages(ctx context.Context, batches []committedBatch) error {
	var docs []pageDoc
	for _, b := range batches {
		bySurvey := map[string][]*surveys.Response{}
		var order []string
		for _, r := range b.responses {
			if bySurvey[r.SurveyID] == nil {
				order = append(order, r.SurveyID)
			}
			bySurvey[r.SurveyID] = append(bySurvey[r.SurveyID], r)
		}
		for _, sid := range order {
			docs = append(docs, encodePages(b.id+"/"+sid, sid, bySurvey[sid])...)
		}
	}
	if len(docs) == 0 {
		return nil
	}
	left, err := s.pageWriteTime(ctx)
	if err != nil {
		return err
	}
	// The write ends before this process's lease does (see pageWriteTime).
	ctx, cancel := context.WithTimeout(ctx, left)
	defer cancel()
	return s.insertPages(ctx, s.pageState().format.coll, docs)
}

// insertPages inserts pages, ignoring those that exist already.
func (s *Store) insertPages(ctx context.Context, coll string, docs []pageDoc) error {
	if len(docs) == 0 {
		return nil
	}
	_, err := s.db.Collection(coll).InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
	var bwe mongo.BulkWriteException
	if errors.As(err, &bwe) && bwe.WriteConcernError == nil {
		for _, we := range bwe.WriteErrors {
			if !mongo.IsDuplicateKeyError(we) {
				return s.fail("write response pages", we)
			}
			if d := docs[we.Index]; d.Part == 1 {
				if err := s.dropSplitOfWholePage(ctx, coll, d); err != nil {
					return err
				}
			}
		}
		return nil
	}
	if err != nil {
		return s.fail("write response pages", err)
	}
	return nil
}

// dropSplitOfWholePage handles the first of several pages of a batch and
// survey finding its id taken: by the same pages written before (nothing
// to do), or by the whole batch in one page, as versions before the split
// wrote it (a batch they paged and then crashed before tallying, which
// this version recovers). Then the other parts, which that page holds
// too, are removed again.
func (s *Store) dropSplitOfWholePage(ctx context.Context, coll string, first pageDoc) error {
	var stored struct {
		Parts int `bson:"parts"`
	}
	err := s.db.Collection(coll).FindOne(ctx, bson.D{{Key: "_id", Value: first.ID}},
		options.FindOne().SetProjection(bson.D{{Key: "parts", Value: 1}})).Decode(&stored)
	if errors.Is(err, mongo.ErrNoDocuments) || (err == nil && stored.Parts != 0) {
		return nil
	}
	if err != nil {
		return s.fail("read response pages", err)
	}
	ids := make([]string, 0, first.Parts-1)
	for i := 2; i <= first.Parts; i++ {
		ids = append(ids, first.ID+"/"+strconv.Itoa(i))
	}
	if _, err := s.col(coll).DeleteMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}}); err != nil {
		return s.fail("write response pages", err)
	}
	return nil
}

// Page formats, and changing them while older processes run.
//
// Every page format has a generation, its own collection and its own
// note in settings that its pages are complete. A process writes and
// reads the pages of its own format only, and nothing deletes another
// format's pages, so that processes of two versions can run on one
// database during a rolling upgrade:
//
//   - A new process announces its generation (response_pages_format,
//     raised with $max) and starts at once. Until its format's pages are
//     complete, it reads exports from the responses collection (the source
//     of truth; slower, but exact), and it writes the pages of the batches
//     it tallies in its own format.
//   - An older process, once it sees a newer generation announced, stops
//     writing pages (so it stops tallying: its batches stay queued, and the
//     newer processes' recovery takes them over) and refuses exports (503):
//     its pages no longer get the batches the newer processes tally. It
//     still takes submissions.
//   - A process writes pages only under a lease of its generation
//     (response_pages_writer/<gen>, times of the database server's clock),
//     renewed while at least half of it is left. It renews only after
//     checking that no newer generation was announced, and checks again
//     after renewing; each write must end before the lease does. So once a
//     newer generation is announced, an older process writes no page after
//     its lease ends: either its renewal came before the announcement (and
//     the newer process, which reads the leases after announcing, waits
//     for that lease), or it sees the announcement and stops.
//   - Once no lease of an older generation is left, one newer process (the
//     one whose claim is stored) converts the previous format's pages into
//     its own, batch by batch and with the same ids, so that a page the
//     newer processes wrote already is not written twice; then it notes
//     the new format's pages complete and the newer processes read them.
//
// The previous format's pages stay where they are: an operator drops the
// old collection once no older process runs (docs/deploy.md). A database
// whose pages were never complete (from before pages existed, or new) is
// copied from the responses collection instead, while the other starting
// processes wait, as before: no older process can be writing pages then.
type pageFormat struct {
	gen  int
	name string // in the settings' ids
	coll string
}

// pageFormats are the formats this version knows, oldest first; the last
// is the one it writes. A new format is added at the end and keeps the
// decoding of the one before it (convertPages reads those pages).
var pageFormats = []pageFormat{{gen: 1, name: "zstd-cbor", coll: colPages}}

// Settings documents of the pages.
const (
	pagesFormatID      = "response_pages_format"   // {gen}: the newest generation announced
	pagesWriterPrefix  = "response_pages_writer/"  // + gen: {until}, the writers' lease
	pagesReadyPrefix   = "response_pages_ready/"   // + name: the format's pages are complete
	pagesCopyingPrefix = "response_pages_copying/" // + name: {owner, until}, the claim to copy
)

var (
	// pageWriterLease is how long a process may write pages after it
	// renewed its generation's lease; tests shorten it.
	pageWriterLease = 2 * time.Minute
	// copyLease is how long a claim to copy stays valid without being
	// renewed (a copy renews it every few seconds); tests shorten it.
	copyLease = 2 * time.Minute
	// pagesPoll is how often a process waiting for a copy looks again.
	pagesPoll = time.Second
)

// leaseSlack is added to leases another process compares: the database
// server's clock as two processes estimate it differs by their round
// trips, and a write may still be applied a little after its deadline;
// tests shorten it.
var leaseSlack = 5 * time.Second

// errPagesSuperseded: a newer version's pages have taken over.
var errPagesSuperseded = errors.New("store: a newer version writes the response pages now; this process no longer writes or reads them (upgrade it)")

// pagesState is a process's view of its pages. It would be a field of
// Store; it is kept beside it, keyed weakly, so that pages.go holds all
// of it.
type pagesState struct {
	mu         sync.Mutex
	format     pageFormat
	leaseEnd   time.Time // server time until which this process may write pages
	superseded bool
	ready      bool // this format's pages are complete (never becomes false)
}

var pageStates sync.Map // weak.Pointer[Store] -> *pagesState

func (s *Store) pageState() *pagesState {
	key := weak.Make(s)
	if v, ok := pageStates.Load(key); ok {
		return v.(*pagesState)
	}
	v, loaded := pageStates.LoadOrStore(key, &pagesState{format: pageFormats[len(pageFormats)-1]})
	if !loaded {
		runtime.AddCleanup(s, func(k weak.Pointer[Store]) { pageStates.Delete(k) }, key)
	}
	return v.(*pagesState)
}

// previousFormat is the format before f, if this version knows it.
func previousFormat(f pageFormat) (pageFormat, bool) {
	for _, p := range pageFormats {
		if p.gen == f.gen-1 {
			return p, true
		}
	}
	return pageFormat{}, false
}

// announcedGen reads the newest page generation announced (0: none).
func (s *Store) announcedGen(ctx context.Context) (int, error) {
	var d struct {
		Gen int `bson:"gen"`
	}
	err := s.db.Collection(colSettings).FindOne(ctx, bson.D{{Key: "_id", Value: pagesFormatID}}).Decode(&d)
	if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
		return 0, s.fail("read settings", err)
	}
	return d.Gen, nil
}

// checkSuperseded notes and returns errPagesSuperseded once a newer
// generation is announced. The caller holds st.mu.
func (s *Store) checkSuperseded(ctx context.Context, st *pagesState) error {
	if st.superseded {
		return errPagesSuperseded
	}
	gen, err := s.announcedGen(ctx)
	if err != nil {
		return err
	}
	if gen > st.format.gen {
		st.superseded = true
		return errPagesSuperseded
	}
	return nil
}

// pageWriteTime is how long this process may write pages from now on,
// renewing its generation's lease when less than half of it is left.
func (s *Store) pageWriteTime(ctx context.Context) (time.Duration, error) {
	st := s.pageState()
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.superseded {
		return 0, errPagesSuperseded
	}
	now := s.serverNow(ctx)
	if left := st.leaseEnd.Sub(now); left > pageWriterLease/2 {
		return left, nil
	}
	// Checked before renewing, so that a process left behind stops
	// renewing (the newer processes wait for its lease), and after, for a
	// generation announced in between.
	if err := s.checkSuperseded(ctx, st); err != nil {
		return 0, err
	}
	end := now.Add(pageWriterLease)
	if _, err := s.col(colSettings).UpdateOne(ctx, bson.D{{Key: "_id", Value: pagesWriterPrefix + strconv.Itoa(st.format.gen)}},
		bson.D{{Key: "$max", Value: bson.D{{Key: "until", Value: end}}}}, options.UpdateOne().SetUpsert(true)); err != nil {
		return 0, s.fail("write settings", err)
	}
	if err := s.checkSuperseded(ctx, st); err != nil {
		return 0, err
	}
	st.leaseEnd = end
	return end.Sub(s.serverNow(ctx)), nil
}

// pagesReadable reports whether this process reads exports from its
// pages (false: from the responses collection, while its format's pages
// are not complete yet); errPagesSuperseded once a newer generation is
// announced.
func (s *Store) pagesReadable(ctx context.Context) (bool, error) {
	st := s.pageState()
	st.mu.Lock()
	defer st.mu.Unlock()
	if err := s.checkSuperseded(ctx, st); err != nil {
		return false, err
	}
	if !st.ready {
		err := s.db.Collection(colSettings).FindOne(ctx, bson.D{{Key: "_id", Value: pagesReadyPrefix + st.format.name}}).Err()
		if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
			return false, s.fail("read settings", err)
		}
		st.ready = err == nil
	}
	return st.ready, nil
}

// ensurePages makes sure that this format's pages are, or become,
// complete. It announces this process's generation; then, when the
// pages are not complete, it either converts the previous format's pages
// in the background (a rolling upgrade: this process starts at once) or,
// when no earlier pages are complete, copies the stored responses into
// pages before it returns.
func (s *Store) ensurePages(ctx context.Context, log *slog.Logger) error {
	st := s.pageState()
	f := st.format
	settings := s.col(colSettings)
	if _, err := settings.UpdateOne(ctx, bson.D{{Key: "_id", Value: pagesFormatID}},
		bson.D{{Key: "$max", Value: bson.D{{Key: "gen", Value: f.gen}}}}, options.UpdateOne().SetUpsert(true)); err != nil {
		return s.fail("write settings", err)
	}
	gen, err := s.announcedGen(ctx)
	if err != nil {
		return err
	}
	if gen > f.gen {
		// An older version started after a newer one: it takes
		// submissions, and leaves pages and tallies to the newer ones.
		log.Warn("a newer version writes the response pages of this database: this process will not tally or export", "format", f.name)
		st.mu.Lock()
		st.superseded = true
		st.mu.Unlock()
		return nil
	}
	if ready, err := s.pagesReadable(ctx); err != nil || ready {
		return err
	}
	prev, ok := previousFormat(f)
	if ok {
		err := settings.FindOne(ctx, bson.D{{Key: "_id", Value: pagesReadyPrefix + prev.name}}).Err()
		if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
			return s.fail("read settings", err)
		}
		ok = err == nil
	}
	if ok {
		log.Info("response pages of a new format are made in the background; exports read the stored responses until then", "format", f.name)
		go s.convertInBackground(f, prev, log)
		return nil
	}
	return s.copyFromResponses(ctx, log, f)
}

// copyFromResponses copies the stored responses into pages of format f,
// once: the process whose claim is stored copies, the others wait for it
// and take over a claim whose lease ran out (its process died copying).
func (s *Store) copyFromResponses(ctx context.Context, log *slog.Logger, f pageFormat) error {
	owner := uuid.NewString()
	for {
		ready, err := s.pagesReadable(ctx)
		if err != nil || ready {
			return err
		}
		claimed, err := s.claimCopy(ctx, f, owner)
		if err != nil {
			return err
		}
		if claimed {
			break
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(pagesPoll / 4):
		}
	}
	err := s.copyOnce(ctx, log, f, owner)
	if err != nil {
		// Let a later start copy at once rather than after the lease.
		_, _ = s.col(colSettings).DeleteOne(context.WithoutCancel(ctx), bson.D{{Key: "_id", Value: pagesCopyingPrefix + f.name}, {Key: "owner", Value: owner}})
	}
	return err
}

// copyOnce copies responses into pages under this process's claim, then
// marks the copy done.
func (s *Store) copyOnce(ctx context.Context, log *slog.Logger, f pageFormat, owner string) error {
	// A new database has nothing to copy.
	err := s.db.Collection(colResponses).FindOne(ctx, bson.D{}).Err()
	if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
		return s.fail("read responses", err)
	}
	if err == nil {
		// A copy interrupted earlier is started afresh.
		start := s.now()
		log.Info("copying stored responses into response pages (once)")
		renew := func() error { return s.renewCopy(ctx, f, owner) }
		if err := s.copyIntoPages(ctx, f.coll, "", renew); err != nil {
			return err
		}
		log.Info("response pages ready", "duration", s.now().Sub(start).Round(time.Millisecond).String())
	}
	return s.finishCopy(ctx, f, owner)
}

// finishCopy notes format f's pages complete and drops the claim.
func (s *Store) finishCopy(ctx context.Context, f pageFormat, owner string) error {
	settings := s.col(colSettings)
	if _, err := settings.InsertOne(ctx, bson.D{{Key: "_id", Value: pagesReadyPrefix + f.name}}); err != nil && !mongo.IsDuplicateKeyError(err) {
		return s.fail("write settings", err)
	}
	if _, err := settings.DeleteOne(ctx, bson.D{{Key: "_id", Value: pagesCopyingPrefix + f.name}, {Key: "owner", Value: owner}}); err != nil {
		return s.fail("write settings", err)
	}
	return nil
}

// copyClaim is a claim to copy pages: its owner (a random id per start)
// and when it runs out, on the database server's clock, so that no two
// machines' clocks are compared.
type copyClaim struct {
	Owner string    `bson:"owner"`
	Until time.Time `bson:"until"`
}

// claimCopy stores this process's claim to copy pages of format f, or
// removes another process's claim whose lease ran out (this process
// claims anew next time).
func (s *Store) claimCopy(ctx context.Context, f pageFormat, owner string) (bool, error) {
	settings := s.col(colSettings)
	id := pagesCopyingPrefix + f.name
	now := s.serverNow(ctx)
	_, err := settings.InsertOne(ctx, copyClaimDoc(id, owner, now.Add(copyLease)))
	if err == nil {
		return true, nil
	}
	if !mongo.IsDuplicateKeyError(err) {
		return false, s.fail("write settings", err)
	}
	var claim copyClaim
	err = settings.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&claim)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return false, nil // released just now: look again
	}
	if err != nil {
		return false, s.fail("read settings", err)
	}
	if now.After(claim.Until.Add(leaseSlack)) {
		// Only one taker removes this very claim.
		if _, err := settings.DeleteOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "owner", Value: claim.Owner},
			{Key: "until", Value: claim.Until}}); err != nil {
			return false, s.fail("write settings", err)
		}
	}
	return false, nil
}

func copyClaimDoc(id, owner string, until time.Time) bson.D {
	return bson.D{{Key: "_id", Value: id}, {Key: "owner", Value: owner}, {Key: "until", Value: until}}
}

// renewCopy extends this process's claim to copy pages of format f.
func (s *Store) renewCopy(ctx context.Context, f pageFormat, owner string) error {
	res, err := s.col(colSettings).UpdateOne(ctx, bson.D{{Key: "_id", Value: pagesCopyingPrefix + f.name}, {Key: "owner", Value: owner}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "until", Value: s.serverNow(ctx).Add(copyLease)}}}})
	if err != nil {
		return s.fail("write settings", err)
	}
	if res.MatchedCount == 0 {
		return errors.New("store: another process took over the copy into pages")
	}
	return nil
}

// convertInBackground converts the pages of format prev into pages of f
// (see pageFormat), trying again until it is done or the store closed.
func (s *Store) convertInBackground(f, prev pageFormat, log *slog.Logger) {
	owner := uuid.NewString()
	ctx := context.Background() // every operation is bounded by the store's timeout
	for {
		done, err := s.convertOnce(ctx, log, f, prev, owner)
		if done {
			return
		}
		if errors.Is(err, mongo.ErrClientDisconnected) {
			return // the store was closed
		}
		if err != nil {
			log.Warn("response pages of the new format: will try again", "err", err)
			_, _ = s.col(colSettings).DeleteOne(ctx, bson.D{{Key: "_id", Value: pagesCopyingPrefix + f.name}, {Key: "owner", Value: owner}})
		}
		time.Sleep(pagesPoll)
	}
}

// convertOnce converts the pages once no process of an older generation
// may write pages any more and this process holds the claim; done is
// false (with a nil error) while it waits.
func (s *Store) convertOnce(ctx context.Context, log *slog.Logger, f, prev pageFormat, owner string) (done bool, err error) {
	if ready, err := s.pagesReadable(ctx); err != nil || ready {
		return ready || errors.Is(err, errPagesSuperseded), err
	}
	older := make([]string, 0, f.gen-1)
	for g := 1; g < f.gen; g++ {
		older = append(older, pagesWriterPrefix+strconv.Itoa(g))
	}
	cur, err := s.db.Collection(colSettings).Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: older}}}})
	if err != nil {
		return false, s.fail("read settings", err)
	}
	var leases []struct {
		Until time.Time `bson:"until"`
	}
	if err := cur.All(ctx, &leases); err != nil {
		return false, s.fail("read settings", err)
	}
	now := s.serverNow(ctx)
	for _, l := range leases {
		if !now.After(l.Until.Add(leaseSlack)) {
			return false, nil // an older process may still write pages
		}
	}
	claimed, err := s.claimCopy(ctx, f, owner)
	if err != nil || !claimed {
		return false, err
	}
	start := s.now()
	log.Info("converting response pages into the new format", "from", prev.name, "to", f.name)
	incomplete, err := s.convertPages(ctx, f, prev, owner)
	if err != nil {
		return false, err
	}
	if incomplete > 0 {
		log.Warn("response pages of the old format missed parts of split batches: run youthvoice recount", "batches", incomplete)
	}
	if err := s.finishCopy(ctx, f, owner); err != nil {
		return false, err
	}
	log.Info("response pages of the new format ready", "format", f.name, "duration", s.now().Sub(start).Round(time.Millisecond).String())
	return true, nil
}

// convertPages writes the responses of prev's pages into pages of f with
// the same ids (encodePages splits a batch's responses the same way
// whoever writes them), so that the batches the newer processes paged
// already are not paged twice. The pages of one batch and survey that
// were split are converted together once all have been read.
//
// incomplete is how many split batches missed parts.
func (s *Store) convertPages(ctx context.Context, f, prev pageFormat, owner string) (incomplete int, err error) {
	cur, err := s.db.Collection(prev.coll).Find(ctx, bson.D{}, options.Find().SetBatchSize(100))
	if err != nil {
		return 0, s.fail("read response pages", err)
	}
	defer cur.Close(ctx)
	type split struct {
		seen     int
		surveyID string
		rs       []*surveys.Response
	}
	splits := map[string]*split{}
	var docs []pageDoc
	read := 0
	flush := func() error {
		err := s.insertPages(ctx, f.coll, docs)
		docs = docs[:0]
		return err
	}
	for cur.Next(ctx) {
		var d pageDoc
		if err := cur.Decode(&d); err != nil {
			return 0, s.fail("read response pages", err)
		}
		rs, err := decodePage(&d)
		if err != nil {
			return 0, err
		}
		id := d.ID
		if d.Parts > 1 {
			if d.Part > 1 {
				id = id[:len(id)-len("/"+strconv.Itoa(d.Part))]
			}
			sp := splits[id]
			if sp == nil {
				sp = &split{surveyID: d.SurveyID}
				splits[id] = sp
			}
			sp.seen++
			sp.rs = append(sp.rs, rs...)
			if sp.seen < d.Parts {
				continue
			}
			rs = sp.rs
			delete(splits, id)
		}
		docs = append(docs, encodePages(id, d.SurveyID, rs)...)
		if len(docs) >= 16 {
			if err := flush(); err != nil {
				return 0, err
			}
		}
		if read++; read%100 == 0 {
			if err := s.renewCopy(ctx, f, owner); err != nil {
				return 0, err
			}
		}
	}
	if err := cur.Err(); err != nil {
		return 0, s.fail("read response pages", err)
	}
	// A batch's pages are written in one insertMany and never deleted one
	// by one: a part missing is a lost write, which the conversion keeps
	// as it finds it (youthvoice recount compares the pages with the
	// stored responses, and --fix rebuilds them).
	for id, sp := range splits {
		docs = append(docs, encodePages(id, sp.surveyID, sp.rs)...)
	}
	if err := flush(); err != nil {
		return 0, err
	}
	return len(splits), nil
}

// RebuildPages replaces the pages of a survey by a fresh copy of its
// stored responses (youthvoice recount --fix). Call it when no server
// writes to the store.
func (s *Store) RebuildPages(ctx context.Context, surveyID string) error {
	st := s.pageState()
	st.mu.Lock()
	err := s.checkSuperseded(ctx, st)
	st.mu.Unlock()
	if err != nil {
		return err
	}
	return s.copyIntoPages(ctx, st.format.coll, surveyID, nil)
}

// queuedTags lists the batch tags of the responses that the batches in
// the tally queue would store: those responses are not in pages yet (the
// summarizer writes their pages when it takes the batches over).
func (s *Store) queuedTags(ctx context.Context) (map[string]bool, error) {
	cur, err := s.db.Collection(colQueue).Find(ctx, bson.D{}, options.Find().SetProjection(bson.D{{Key: "keys", Value: 1}}))
	if err != nil {
		return nil, s.fail("read queue", err)
	}
	var qs []queueDoc
	if err := cur.All(ctx, &qs); err != nil {
		return nil, s.fail("read queue", err)
	}
	queued := map[string]bool{}
	for _, q := range qs {
		for _, k := range q.Keys {
			queued[batchTag(q.ID, k)] = true
		}
	}
	return queued, nil
}

// copyIntoPages deletes the pages of a survey (every survey: "") in
// collection coll and copies its stored responses into pages of
// backfillPage (fewer when they would not fit in maxPageBytes). Responses
// stored by batches still in the tally queue are left out: the summarizer
// writes their pages when it takes the batches over.
//
// progress, when set, is called every backfillPage*40 responses.
func (s *Store) copyIntoPages(ctx context.Context, coll, surveyID string, progress func() error) error {
	filter := bson.D{}
	if surveyID != "" {
		filter = bson.D{{Key: "survey_id", Value: surveyID}}
	}
	if _, err := s.col(coll).DeleteMany(ctx, filter); err != nil {
		return s.fail("clear response pages", err)
	}
	queued, err := s.queuedTags(ctx)
	if err != nil {
		return err
	}
	cur, err := s.db.Collection(colResponses).Find(ctx, filter, options.Find().SetBatchSize(1000))
	if err != nil {
		return s.fail("read responses", err)
	}
	defer cur.Close(ctx)
	pending := map[string][]*surveys.Response{}
	copied := 0
	flush := func(sid string) error {
		docs := encodePages("copied/"+uuid.NewString()+"/"+sid, sid, pending[sid])
		delete(pending, sid)
		return s.insertPages(ctx, coll, docs)
	}
	for cur.Next(ctx) {
		var d responseDoc
		if err := cur.Decode(&d); err != nil {
			return s.fail("read responses", err)
		}
		// Left out only when the queued batch is the one that stored it: a
		// queued batch also names the keys of retries it refused, whose
		// responses an earlier batch stored (and tallied).
		if queued[d.Batch] {
			continue
		}
		r, err := responseFromDoc(d)
		if err != nil {
			return err
		}
		pending[r.SurveyID] = append(pending[r.SurveyID], r)
		if copied++; progress != nil && copied%(backfillPage*40) == 0 {
			if err := progress(); err != nil {
				return err
			}
		}
		if len(pending[r.SurveyID]) == backfillPage {
			if err := flush(r.SurveyID); err != nil {
				return err
			}
		}
	}
	if err := cur.Err(); err != nil {
		return s.fail("read responses", err)
	}
	for sid := range pending {
		if err := flush(sid); err != nil {
			return err
		}
	}
	return nil
}

// PagedResponses counts the responses in a survey's pages.
func (s *Store) PagedResponses(ctx context.Context, surveyID string) (int, error) {
	cur, err := s.db.Collection(s.pageState().format.coll).Find(ctx, bson.D{{Key: "survey_id", Value: surveyID}},
		options.Find().SetProjection(bson.D{{Key: "n", Value: 1}}))
	if err != nil {
		return 0, s.fail("read response pages", err)
	}
	var pages []struct {
		N int `bson:"n"`
	}
	if err := cur.All(ctx, &pages); err != nil {
		return 0, s.fail("read response pages", err)
	}
	n := 0
	for _, p := range pages {
		n += p.N
	}
	return n, nil
}

// ResponseCursor reads a survey's responses from its pages. Two
// goroutines work ahead: one reads pages from the database, one decodes
// them, so the database's work, the decoding and the caller's overlap.
type ResponseCursor struct {
	pages  chan []*surveys.Response
	cancel context.CancelFunc
	done   chan struct{}
	// failed is why the reading stopped early (nil: it reached the end);
	// set before pages is closed.
	failed error
	cur    []*surveys.Response
	err    error
}

// Responses opens a cursor over the responses of a survey that are in its
// summary (the summarizer writes a batch's page just before it tallies
// the batch: flush it first for everything committed). The caller closes
// the cursor. The responses carry no key and no digest.
//
// While this version's pages are not complete yet (a new page format is
// being made, see pageFormat), the cursor reads the responses collection
// instead; a process whose pages a newer version has taken over refuses
// (ErrUnavailable), since its pages miss what the newer ones tally.
func (s *Store) Responses(ctx context.Context, surveyID string) (*ResponseCursor, error) {
	ready, err := s.pagesReadable(ctx)
	if errors.Is(err, errPagesSuperseded) {
		return nil, &dbError{op: "read responses", err: err}
	}
	if err != nil {
		return nil, err
	}
	if !ready {
		return s.storedResponses(ctx, surveyID)
	}
	ctx, cancel := context.WithCancel(ctx)
	cur, err := s.db.Collection(s.pageState().format.coll).Find(ctx, bson.D{{Key: "survey_id", Value: surveyID}}, options.Find().SetBatchSize(100))
	if err != nil {
		cancel()
		return nil, s.fail("read responses", err)
	}
	c := &ResponseCursor{pages: make(chan []*surveys.Response, 4), cancel: cancel, done: make(chan struct{})}
	raw := make(chan pageDoc, 4)
	var readErr error // set before raw is closed
	go func() {       // reads
		defer close(raw)
		defer cur.Close(context.WithoutCancel(ctx))
		for cur.Next(ctx) {
			var d pageDoc
			if err := cur.Decode(&d); err != nil {
				readErr = s.fail("read responses", err)
				return
			}
			select {
			case raw <- d:
			case <-ctx.Done():
				readErr = ctx.Err()
				return
			}
		}
		if err := cur.Err(); err != nil {
			if readErr = ctx.Err(); readErr == nil {
				readErr = s.fail("read responses", err)
			}
		}
	}()
	go func() { // decodes
		defer close(c.done)
		var failed error
		for d := range raw {
			rs, err := decodePage(&d)
			if err != nil {
				failed = err
				break
			}
			select {
			case c.pages <- rs:
				continue
			case <-ctx.Done():
				failed = ctx.Err()
			}
			break
		}
		cancel() // stops the reader if it is still going
		for range raw {
		}
		if failed == nil {
			failed = readErr
		}
		c.failed = failed
		close(c.pages)
	}()
	return c, nil
}

// storedResponses is Responses read from the responses collection: what
// the pages would hold (responses of batches still queued left out), in
// random order within runs of backfillPage, as a copied page holds them.
func (s *Store) storedResponses(ctx context.Context, surveyID string) (*ResponseCursor, error) {
	queued, err := s.queuedTags(ctx)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	cur, err := s.db.Collection(colResponses).Find(ctx, bson.D{{Key: "survey_id", Value: surveyID}}, options.Find().SetBatchSize(1000))
	if err != nil {
		cancel()
		return nil, s.fail("read responses", err)
	}
	c := &ResponseCursor{pages: make(chan []*surveys.Response, 4), cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(c.done)
		defer cur.Close(context.WithoutCancel(ctx))
		var failed error
		var run []*surveys.Response
		send := func() bool {
			rand.Shuffle(len(run), func(i, j int) { run[i], run[j] = run[j], run[i] })
			select {
			case c.pages <- run:
				run = nil
				return true
			case <-ctx.Done():
				failed = ctx.Err()
				return false
			}
		}
		for cur.Next(ctx) {
			var d responseDoc
			if err := cur.Decode(&d); err != nil {
				failed = s.fail("read responses", err)
				break
			}
			if queued[d.Batch] {
				continue
			}
			r, err := responseFromDoc(d)
			if err != nil {
				failed = err
				break
			}
			r.Key, r.Digest = "", ""
			if run = append(run, r); len(run) == backfillPage && !send() {
				break
			}
		}
		if failed == nil {
			if err := cur.Err(); err != nil {
				if failed = ctx.Err(); failed == nil {
					failed = s.fail("read responses", err)
				}
			} else if len(run) > 0 {
				send()
			}
		}
		cancel()
		c.failed = failed
		close(c.pages)
	}()
	return c, nil
}

// Next returns the next response; io.EOF after the last one, or the
// error that stopped the reading.
func (c *ResponseCursor) Next(ctx context.Context) (*surveys.Response, error) {
	for len(c.cur) == 0 {
		if c.err != nil {
			return nil, c.err
		}
		select {
		case rs, ok := <-c.pages:
			if !ok {
				c.err = io.EOF
				if c.failed != nil {
					c.err = c.failed
				}
				return nil, c.err
			}
			c.cur = rs
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	r := c.cur[0]
	c.cur = c.cur[1:]
	return r, nil
}

// Close stops reading ahead and releases the cursor.
func (c *ResponseCursor) Close(context.Context) {
	c.cancel()
	<-c.done
}
