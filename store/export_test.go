package store

import (
	"context"
	"log/slog"
	"reflect"
	"strconv"
	"time"
	"unsafe"

	"github.com/fxamacker/cbor/v2"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/youthvoice/youthvoice/surveys"
)

// ForgetPages makes the store act as if its responses were stored before
// pages existed (tests of the copy).
func (s *Store) ForgetPages(ctx context.Context) error {
	st := s.pageState()
	st.mu.Lock()
	st.ready = false
	st.mu.Unlock()
	if _, err := s.db.Collection(colSettings).DeleteOne(ctx, bson.D{{Key: "_id", Value: pagesReadyPrefix + st.format.name}}); err != nil {
		return err
	}
	_, err := s.db.Collection(st.format.coll).DeleteMany(ctx, bson.D{})
	return err
}

// EnsurePages runs the copy of responses into pages.
func (s *Store) EnsurePages(ctx context.Context) error {
	return s.ensurePages(ctx, slog.New(slog.DiscardHandler))
}

// DropPages deletes a survey's pages, as a lost write would (tests of the
// rebuild).
func (s *Store) DropPages(ctx context.Context, surveyID string) error {
	_, err := s.db.Collection(colPages).DeleteMany(ctx, bson.D{{Key: "survey_id", Value: surveyID}})
	return err
}

// PutTextSummary writes a summary as summaries were stored before their
// tallies were compressed: JSON text in "tally" and "release_tally".
func (s *Store) PutTextSummary(ctx context.Context, surveyID, tally string, releaseN int, releaseTally string) error {
	_, err := s.db.Collection(colSummaries).InsertOne(ctx, bson.D{{Key: "_id", Value: surveyID}, {Key: "version", Value: 3},
		{Key: "tally", Value: tally}, {Key: "batches", Value: bson.A{}}, {Key: "release_n", Value: releaseN},
		{Key: "release_tally", Value: releaseTally}, {Key: "release_day", Value: "2026-11-20"}})
	return err
}

// SetPageLeases changes the leases of page writers and copy claims, the
// slack added to them and how often a waiting copier looks again, until
// restore is called.
func SetPageLeases(writer, copy, slack, poll time.Duration) (restore func()) {
	old := []time.Duration{pageWriterLease, copyLease, leaseSlack, pagesPoll}
	pageWriterLease, copyLease, leaseSlack, pagesPoll = writer, copy, slack, poll
	return func() { pageWriterLease, copyLease, leaseSlack, pagesPoll = old[0], old[1], old[2], old[3] }
}

// Twin is a second Store on the same database and connection, with its
// own clock (now; nil: the same), its own measure of the server's clock
// and its own view of the pages: a second process, as on MongoDB, for
// tests of what processes share through the database. It takes none of
// the embedded store's per-document locks (its writes are not serialised
// with s's). It is closed with s.
//
// Every other field is copied, by reflection, so that fields added to
// Store later (settings of the store) come along.
func (s *Store) Twin(now func() time.Time) *Store {
	t := &Store{}
	src, dst := reflect.ValueOf(s).Elem(), reflect.ValueOf(t).Elem()
	for i := range src.NumField() {
		switch src.Type().Field(i).Name {
		case "clock", "locks", "embedded": // a process's own
			continue
		}
		at := func(v reflect.Value) reflect.Value {
			return reflect.NewAt(v.Type(), unsafe.Pointer(v.UnsafeAddr())).Elem()
		}
		at(dst.Field(i)).Set(at(src.Field(i)))
	}
	if now != nil {
		t.now = now
	}
	return t
}

// SetPageFormat makes s write and read pages of another format
// generation, in a collection of its own, as a newer (or older) version
// would; call it before EnsurePages.
func (s *Store) SetPageFormat(gen int, name string) {
	st := s.pageState()
	st.mu.Lock()
	defer st.mu.Unlock()
	st.format = pageFormat{gen: gen, name: name, coll: colPages + "_" + name}
}

// EndPageLease ends s's lease to write pages now, in the database and in
// s's memory, as its running out would.
func (s *Store) EndPageLease(ctx context.Context) error {
	st := s.pageState()
	st.mu.Lock()
	st.leaseEnd = time.Time{}
	gen := st.format.gen
	st.mu.Unlock()
	_, err := s.db.Collection(colSettings).UpdateOne(ctx, bson.D{{Key: "_id", Value: pagesWriterPrefix + strconv.Itoa(gen)}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "until", Value: time.Unix(0, 0)}}}})
	return err
}

// PagesCollection is the collection of s's page format.
func (s *Store) PagesCollection() string { return s.pageState().format.coll }

// PagesReadable reports whether exports read s's pages (false: the
// responses collection, until its pages are complete).
func (s *Store) PagesReadable(ctx context.Context) (bool, error) { return s.pagesReadable(ctx) }

// WritePagesOf writes the pages of one batch, as the summarizer does.
func (s *Store) WritePagesOf(ctx context.Context, batchID string, rs []*surveys.Response) error {
	return s.writePages(ctx, []committedBatch{{id: batchID, responses: rs}})
}

// WriteWholePage writes a batch's responses for one survey as one page,
// as versions before pages were split wrote them.
func (s *Store) WriteWholePage(ctx context.Context, batchID, surveyID string, rs []*surveys.Response) error {
	b, _ := cbor.Marshal(func() []pageEntry {
		es := make([]pageEntry, len(rs))
		for i, r := range rs {
			es[i] = toPageEntry(r)
		}
		return es
	}())
	_, err := s.db.Collection(s.pageState().format.coll).InsertOne(ctx,
		pageDoc{ID: batchID + "/" + surveyID, SurveyID: surveyID, N: len(rs), Entries: zstdEncoder.EncodeAll(b, nil)})
	return err
}

// PageSizes returns the encoded (BSON) size of each of s's pages, as
// bson.Marshal makes it.
func (s *Store) PageSizes(ctx context.Context) ([]int, error) {
	// One page per reply: pages are large.
	cur, err := s.db.Collection(s.pageState().format.coll).Find(ctx, bson.D{}, options.Find().SetBatchSize(1))
	if err != nil {
		return nil, err
	}
	defer cur.Close(ctx)
	var sizes []int
	for cur.Next(ctx) {
		var d bson.D
		if err := cur.Decode(&d); err != nil {
			return nil, err
		}
		b, err := bson.Marshal(d)
		if err != nil {
			return nil, err
		}
		sizes = append(sizes, len(b))
	}
	return sizes, cur.Err()
}

// MaxPageBytes is the bound of a page's encoded size (by default).
const MaxPageBytes = defaultMaxPageBytes

// PageLimit is the bound of a page's encoded size now.
func PageLimit() int { return maxPageBytes }

// SetMaxPageBytes changes the bound of a page's encoded size until restore
// is called.
func SetMaxPageBytes(n int) (restore func()) {
	old := maxPageBytes
	maxPageBytes = n
	return func() { maxPageBytes = old }
}

// ClaimCopyAs stores a claim to copy responses into pages for owner, as a
// process that then died would have left it.
func (s *Store) ClaimCopyAs(ctx context.Context, owner string) error {
	id := pagesCopyingPrefix + s.pageState().format.name
	_, err := s.db.Collection(colSettings).InsertOne(ctx, copyClaimDoc(id, owner, s.serverNow(ctx).Add(copyLease)))
	return err
}

// StripRecordKeys rewrites a survey's summary as it was stored before
// perturbation: tallies without record-key sums, and no note that the
// upgrade ran, and the whole tally in the summary's head, since parts did
// not exist either (tests of the upgrade).
func (s *Store) StripRecordKeys(ctx context.Context, surveyID string) error {
	h, err := s.readSummary(ctx, surveyID, true)
	if err != nil {
		return err
	}
	d := h.doc
	if _, err := s.db.Collection(colParts).DeleteMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: s.partIDs(surveyID)}}}}); err != nil {
		return err
	}
	strip := func(z []byte, text string) ([]byte, error) {
		t, err := decodeTally(z, text)
		if err != nil {
			return nil, err
		}
		var drop func(t *surveys.Tally)
		drop = func(t *surveys.Tally) {
			t.Keys = nil
			for _, groups := range t.Breakdowns {
				for _, g := range groups {
					drop(g)
				}
			}
		}
		drop(t)
		return encodeTally(t), nil
	}
	tally, err := strip(encodeTally(h.tally), "")
	if err != nil {
		return err
	}
	release, err := strip(d.ReleaseTallyZ, d.ReleaseTallyText)
	if err != nil {
		return err
	}
	if _, err := s.db.Collection(colSettings).DeleteOne(ctx, bson.D{{Key: "_id", Value: recordKeysReady}}); err != nil {
		return err
	}
	_, err = s.db.Collection(colSummaries).UpdateOne(ctx, bson.D{{Key: "_id", Value: surveyID}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "tally_z", Value: tally}, {Key: "release_tally_z", Value: release}}}})
	return err
}

// SetSummaryParts changes how many parts the summaries of a new database
// have, embedded or not, until restore is called (benchmarks compare one
// part with eight).
func SetSummaryParts(n int) (restore func()) {
	old, oldEmbedded := summaryParts, embeddedSummaryParts
	summaryParts, embeddedSummaryParts = n, n
	return func() { summaryParts, embeddedSummaryParts = old, oldEmbedded }
}

// SetFaults makes the summarizer call hook between the steps of applying
// a batch ("tallying", "paged", "applied", "dequeued"); an error stops
// there, as a crash would. nil removes it. Set it before the summarizer
// runs, or between its passes.
func (sm *Summarizer) SetFaults(hook func(step string) error) { sm.faults = hook }

// SetMaxPending bounds the responses the summarizer holds for its next
// pass (maxPendingResponses), and PendingResponses reports them.
func (sm *Summarizer) SetMaxPending(n int) { sm.maxPending = n }

func (sm *Summarizer) PendingResponses() int {
	sm.mu.Lock()
	defer sm.mu.Unlock()
	return sm.pendingResponses
}
