package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/fxamacker/cbor/v2"
	"github.com/google/uuid"
	"github.com/klauspost/compress/zstd"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/youthvoice/youthvoice/surveys"
)

// Response pages hold a second copy of the responses, for reading them in
// bulk (the response export): one page per group-commit batch and survey,
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
const (
	colPages = "response_pages"
	// pagesReady is the settings document saying that every stored
	// response has its page in the current format (written once responses
	// stored before were copied). A new format gets a new name, so that
	// pages are copied afresh.
	pagesReady = "response_pages_ready/zstd-cbor"
	// backfillPage is how many responses a copied page holds.
	backfillPage = 256
)

type pageDoc struct {
	ID       string `bson:"_id"`
	SurveyID string `bson:"survey_id"`
	N        int    `bson:"n"`
	Entries  []byte `bson:"entries"` // zstd of CBOR: []pageEntry
}

// Pages (and tallies) are compressed with zstd: about 5 times smaller (a
// page of 54 responses: 30.8 KB of CBOR, 5.7 KB compressed), so FerretDB
// has 5 times less JSON to scan and base64 to decode per page, for about
// 1 µs of decompression per response.
var (
	zstdEncoder, _ = zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest))
	zstdDecoder, _ = zstd.NewReader(nil, zstd.WithDecoderMaxMemory(256<<20))
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
	return e
}

func (e *pageEntry) response(surveyID string) *surveys.Response {
	r := &surveys.Response{SurveyID: surveyID, Revision: e.Revision, Lang: e.Lang, Day: e.Day, Answers: make(surveys.Answers, len(e.Answers))}
	for _, a := range e.Answers {
		r.Answers[a.Question] = surveys.Answer(a.answerFields)
	}
	return r
}

func encodePage(id, surveyID string, rs []*surveys.Response) pageDoc {
	entries := make([]pageEntry, len(rs))
	for i, r := range rs {
		entries[i] = toPageEntry(r)
	}
	// The order within a page says nothing about the order of arrival.
	rand.Shuffle(len(entries), func(i, j int) { entries[i], entries[j] = entries[j], entries[i] })
	b, err := cbor.Marshal(entries)
	if err != nil {
		panic(fmt.Sprintf("store: encode page: %v", err)) // strings, ints and maps: cannot fail
	}
	return pageDoc{ID: id, SurveyID: surveyID, N: len(rs), Entries: zstdEncoder.EncodeAll(b, nil)}
}

// writePages writes the page of each batch and survey, in one unordered
// insertMany; pages that exist already are left as they are.
func (s *Store) writePages(ctx context.Context, batches []committedBatch) error {
	var docs []any
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
			docs = append(docs, encodePage(b.id+"/"+sid, sid, bySurvey[sid]))
		}
	}
	return s.insertPages(ctx, docs)
}

func (s *Store) insertPages(ctx context.Context, docs []any) error {
	if len(docs) == 0 {
		return nil
	}
	_, err := s.db.Collection(colPages).InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
	var bwe mongo.BulkWriteException
	if errors.As(err, &bwe) && bwe.WriteConcernError == nil {
		for _, we := range bwe.WriteErrors {
			if !mongo.IsDuplicateKeyError(we) {
				return s.fail("write response pages", we)
			}
		}
		return nil
	}
	if err != nil {
		return s.fail("write response pages", err)
	}
	return nil
}

// ensurePages copies responses stored before pages existed (or before
// the current page format) into pages, once.
func (s *Store) ensurePages(ctx context.Context, log *slog.Logger) error {
	settings := s.db.Collection(colSettings)
	owner := uuid.NewString()
	var seen copyClaim   // the other process's claim as last seen
	var seenAt time.Time // when it was first seen unchanged (this clock)
	for {
		err := settings.FindOne(ctx, bson.D{{Key: "_id", Value: pagesReady}}).Err()
		if err == nil {
			return nil
		}
		if !errors.Is(err, mongo.ErrNoDocuments) {
			return s.fail("read settings", err)
		}
		// One process copies: the one whose claim is stored. The others
		// wait for it, and take over a claim they have seen unchanged for
		// a lease (its process died copying); the copier renews its claim
		// as it goes.
		claim, claimed, err := s.claimCopy(ctx, owner)
		if err != nil {
			return err
		}
		if claimed {
			break
		}
		if claim != seen {
			seen, seenAt = claim, time.Now()
		} else if time.Since(seenAt) > copyLease {
			// Only one taker removes this very claim; it claims anew next time.
			if _, err := settings.DeleteOne(ctx, bson.D{{Key: "_id", Value: pagesCopying}, {Key: "owner", Value: claim.Owner},
				{Key: "renewals", Value: claim.Renewals}}); err != nil {
				return s.fail("write settings", err)
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
	if err := s.copyOnce(ctx, log, owner); err != nil {
		// Let a later start copy at once rather than after the lease.
		_, _ = settings.DeleteOne(context.WithoutCancel(ctx), bson.D{{Key: "_id", Value: pagesCopying}, {Key: "owner", Value: owner}})
		return err
	}
	return nil
}

// copyOnce copies responses into pages under this process's claim, then
// marks the copy done.
func (s *Store) copyOnce(ctx context.Context, log *slog.Logger, owner string) error {
	settings := s.db.Collection(colSettings)
	// A new database has nothing to copy.
	err := s.db.Collection(colResponses).FindOne(ctx, bson.D{}).Err()
	if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
		return s.fail("read responses", err)
	}
	if err == nil {
		// A copy interrupted earlier is started afresh.
		start := time.Now()
		log.Info("copying stored responses into response pages (once)")
		renew := func() error {
			res, err := settings.UpdateOne(ctx, bson.D{{Key: "_id", Value: pagesCopying}, {Key: "owner", Value: owner}},
				bson.D{{Key: "$inc", Value: bson.D{{Key: "renewals", Value: 1}}}})
			if err == nil && res.MatchedCount == 0 {
				err = errors.New("store: another process took over the copy into pages")
			}
			return err
		}
		if err := s.copyIntoPages(ctx, "", renew); err != nil {
			return err
		}
		log.Info("response pages ready", "duration", time.Since(start).Round(time.Millisecond).String())
	}
	if _, err := settings.InsertOne(ctx, bson.D{{Key: "_id", Value: pagesReady}}); err != nil && !mongo.IsDuplicateKeyError(err) {
		return s.fail("write settings", err)
	}
	if _, err := settings.DeleteOne(ctx, bson.D{{Key: "_id", Value: pagesCopying}, {Key: "owner", Value: owner}}); err != nil {
		return s.fail("write settings", err)
	}
	return nil
}

// Claiming the copy of responses into pages. A claim names its owner (a
// random id per start) and counts its renewals; whether it is stale is
// judged on the waiting process's own clock, never by comparing clocks.
const pagesCopying = "response_pages_copying"

// copyLease is how long a claim must be seen unchanged before another
// process takes it over (a copy renews its claim every backfillPage*40
// responses, a few seconds); tests shorten it.
var copyLease = 2 * time.Minute

type copyClaim struct {
	Owner    string `bson:"owner"`
	Renewals int    `bson:"renewals"`
}

// claimCopy stores this process's claim to copy responses into pages, or
// returns the live claim of another process.
func (s *Store) claimCopy(ctx context.Context, owner string) (copyClaim, bool, error) {
	settings := s.db.Collection(colSettings)
	_, err := settings.InsertOne(ctx, bson.D{{Key: "_id", Value: pagesCopying}, {Key: "owner", Value: owner}, {Key: "renewals", Value: 0}})
	if err == nil {
		return copyClaim{}, true, nil
	}
	if !mongo.IsDuplicateKeyError(err) {
		return copyClaim{}, false, s.fail("write settings", err)
	}
	var claim copyClaim
	err = settings.FindOne(ctx, bson.D{{Key: "_id", Value: pagesCopying}}).Decode(&claim)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return copyClaim{}, false, nil // released just now: look again
	}
	if err != nil {
		return copyClaim{}, false, s.fail("read settings", err)
	}
	return claim, false, nil
}

// RebuildPages replaces the pages of a survey by a fresh copy of its
// stored responses (youthvoice recount --fix). Call it when no server
// writes to the store.
func (s *Store) RebuildPages(ctx context.Context, surveyID string) error {
	return s.copyIntoPages(ctx, surveyID, nil)
}

// copyIntoPages deletes the pages of a survey (every survey: "") and
// copies its stored responses into pages of backfillPage. Responses stored
// by batches still in the tally queue are left out: the summarizer writes
// their pages when it takes the batches over.
//
// progress, when set, is called every backfillPage*40 responses.
func (s *Store) copyIntoPages(ctx context.Context, surveyID string, progress func() error) error {
	filter := bson.D{}
	if surveyID != "" {
		filter = bson.D{{Key: "survey_id", Value: surveyID}}
	}
	if _, err := s.db.Collection(colPages).DeleteMany(ctx, filter); err != nil {
		return s.fail("clear response pages", err)
	}
	queued := map[string]bool{} // batch tags of the responses queued batches would store
	qcur, err := s.db.Collection(colQueue).Find(ctx, bson.D{})
	if err != nil {
		return s.fail("read queue", err)
	}
	var qs []queueDoc
	if err := qcur.All(ctx, &qs); err != nil {
		return s.fail("read queue", err)
	}
	for _, q := range qs {
		for _, k := range q.Keys {
			queued[batchTag(q.ID, k)] = true
		}
	}
	cur, err := s.db.Collection(colResponses).Find(ctx, filter, options.Find().SetBatchSize(1000))
	if err != nil {
		return s.fail("read responses", err)
	}
	defer cur.Close(ctx)
	pending := map[string][]*surveys.Response{}
	copied := 0
	flush := func(sid string) error {
		doc := encodePage("copied/"+uuid.NewString()+"/"+sid, sid, pending[sid])
		delete(pending, sid)
		return s.insertPages(ctx, []any{doc})
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
	cur, err := s.db.Collection(colPages).Find(ctx, bson.D{{Key: "survey_id", Value: surveyID}},
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
func (s *Store) Responses(ctx context.Context, surveyID string) (*ResponseCursor, error) {
	ctx, cancel := context.WithCancel(ctx)
	cur, err := s.db.Collection(colPages).Find(ctx, bson.D{{Key: "survey_id", Value: surveyID}}, options.Find().SetBatchSize(100))
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
			var entries []pageEntry
			b, err := zstdDecoder.DecodeAll(d.Entries, nil)
			if err == nil {
				err = cbor.Unmarshal(b, &entries)
			}
			if err != nil {
				failed = fmt.Errorf("store: response page %s: %w", d.ID, err)
				break
			}
			rs := make([]*surveys.Response, len(entries))
			for i := range entries {
				rs[i] = entries[i].response(d.SurveyID)
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
