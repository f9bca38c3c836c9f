package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"maps"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/google/uuid"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/youthvoice/youthvoice/surveys"
)

// Summaries are kept incrementally, exactly, without transactions:
//
//  1. Before a batch of responses is inserted, a queue document names the
//     batch and the keys of its responses (tally_queue).
//  2. The responses are inserted carrying the batch id.
//  3. The summarizer tallies the batch (from memory in the process that
//     wrote it; after a crash, any process reads the batch's responses
//     back by key) and applies the delta to each survey's summary document
//     in one conditional update that also records the batch id in the
//     summary, so that it is never applied twice.
//     Just before, the summarizer writes the batch's response page (see
//     pages.go).
//  4. The queue document is deleted. (The summary keeps a batch id only
//     while the batch is still queued, so its list stays short.)
//
// A crash between any two steps leaves a state the next pass completes:
// a queue document whose responses were never inserted applies as an
// empty delta; one whose batch the summary already records is only
// deleted. A queue document is taken over by recovery once it is older
// than queueLease, longer than any insert may take.

const (
	colSummaries = "summaries"
	colParts     = "summary_parts"
	colQueue     = "tally_queue"
	queueLease   = 60 * time.Second
)

type queueDoc struct {
	ID        string    `bson:"_id"`
	Keys      []string  `bson:"keys"`
	CreatedAt time.Time `bson:"created_at"`
}

// summaryDoc is the head of a survey's summary: the base tally, and the
// release that analysts and the public see (it advances by k responses or
// more). What the summarizer adds to the tally goes to the survey's parts
// (partDoc) instead, so that the processes of a national deployment do
// not all rewrite this one document: it is written only when a release is
// made, at a recount and at close.
//
// The summary's tally is the base plus every part of the same
// generation. A recount writes a new base and a new generation in one
// update of this document, which makes every part older than it count
// for nothing at once (and empties them when next written), with the
// batches the recount counted in Batches.
//
// Tallies are zstd-compressed JSON: a survey's tally is tens of kilobytes
// of JSON (63 KB for the youth-policy example) and about a tenth of that
// compressed. Summaries written before held the JSON text in "tally" and
// "release_tally"; they are read as they are and converted on their next
// update.
type summaryDoc struct {
	ID         string `bson:"_id"`
	Version    int    `bson:"version"`
	Generation int    `bson:"generation,omitempty"`
	TallyZ     []byte `bson:"tally_z,omitempty"`
	TallyText  string `bson:"tally,omitempty"`
	// BaseN is how many responses the base counts, so that whether a
	// release is due can be told from numbers alone (releaseDue); nil in
	// a summary stored before, until its next update.
	BaseN *int `bson:"n,omitempty"`
	// Batches are the batches the base counts that may still be queued:
	// those queued when it was recounted (a summary stored before parts
	// existed lists the batches it applied).
	Batches          []string `bson:"batches"`
	ReleaseN         int      `bson:"release_n"`
	ReleaseTallyZ    []byte   `bson:"release_tally_z,omitempty"`
	ReleaseTallyText string   `bson:"release_tally,omitempty"`
	ReleaseDay       string   `bson:"release_day,omitempty"`
	Frozen           bool     `bson:"frozen,omitempty"`
}

func (d *summaryDoc) tally() (*surveys.Tally, error) { return decodeTally(d.TallyZ, d.TallyText) }

func (d *summaryDoc) releaseTally() (*surveys.Tally, error) {
	return decodeTally(d.ReleaseTallyZ, d.ReleaseTallyText)
}

// partDoc is one part of a survey's tally: what the batches that hash to
// it added since the base was made. A batch always goes to the same part
// (partOf), whichever process applies it, so the part's list of batches
// and its version check keep it from being counted twice, as the single
// summary document did; the writers of one survey are spread over
// summaryParts documents.
type partDoc struct {
	ID         string   `bson:"_id"` // survey id + "/" + part number
	Generation int      `bson:"generation"`
	Version    int      `bson:"version"`
	N          int      `bson:"n"` // responses the part counts
	TallyZ     []byte   `bson:"tally_z,omitempty"`
	Batches    []string `bson:"batches"`
}

// How many parts a survey's tally has is a property of the database,
// recorded in its settings when it is first opened (partsSetting) and
// never changed, since a batch's part follows from its id and that number
// (a batch recovered under another number could be counted twice). Eight
// on MongoDB spread the writers of a national deployment (a handful of
// processes, each writing a batch every few hundred milliseconds) and keep
// a summary read to two queries and nine small documents. One on the
// embedded store, which one process opens and one summarizer writes: more
// would only cost reads (its FerretDB reads every part by itself).
var (
	summaryParts         = 8 // default for a new database on a server
	embeddedSummaryParts = 1 // default for a new embedded database
)

// partsSetting is the settings document that records the number of parts.
const partsSetting = "summary_parts"

// loadParts reads the database's number of parts, recording the default
// for this kind of store if none is recorded yet (of several processes
// starting at once, the first insert wins and the others read it).
func (s *Store) loadParts(ctx context.Context) error {
	settings := s.db.Collection(colSettings)
	for range 3 {
		var d struct {
			N int `bson:"n"`
		}
		err := settings.FindOne(ctx, bson.D{{Key: "_id", Value: partsSetting}}).Decode(&d)
		if err == nil && d.N > 0 {
			s.parts = d.N
			return nil
		}
		if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
			return s.fail("read settings", err)
		}
		n := summaryParts
		if s.embedded != nil {
			n = embeddedSummaryParts
		}
		if _, err := settings.InsertOne(ctx, bson.D{{Key: "_id", Value: partsSetting}, {Key: "n", Value: n}}); err == nil {
			s.parts = n
			return nil
		} else if !mongo.IsDuplicateKeyError(err) {
			return s.fail("write settings", err)
		}
	}
	return s.fail("read settings", errors.New("no number of summary parts"))
}

// partOf is the part a batch's delta goes to.
func (s *Store) partOf(batchID string) int {
	h := fnv.New32a()
	h.Write([]byte(batchID))
	return int(h.Sum32() % uint32(s.parts))
}

func partID(surveyID string, part int) string { return surveyID + "/" + strconv.Itoa(part) }

func (s *Store) partIDs(surveyID string) []string {
	ids := make([]string, s.parts)
	for i := range ids {
		ids[i] = partID(surveyID, i)
	}
	return ids
}

// findByIDs reads the documents of a collection with the given _ids (those
// that exist), with an optional projection: one query on MongoDB; on the
// embedded FerretDB, which passes only _id equality down to SQLite (an $in
// reads the whole collection), one lookup each.
func findByIDs[T any](ctx context.Context, s *Store, coll string, ids []string, projection bson.D) ([]T, error) {
	c := s.db.Collection(coll)
	var out []T
	if s.embedded != nil {
		for _, id := range ids {
			var d T
			opts := options.FindOne()
			if projection != nil {
				opts.SetProjection(projection)
			}
			err := c.FindOne(ctx, bson.D{{Key: "_id", Value: id}}, opts).Decode(&d)
			if errors.Is(err, mongo.ErrNoDocuments) {
				continue
			}
			if err != nil {
				return nil, err
			}
			out = append(out, d)
		}
		return out, nil
	}
	opts := options.Find()
	if projection != nil {
		opts.SetProjection(projection)
	}
	cur, err := c.Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}}, opts)
	if err != nil {
		return nil, err
	}
	if err := cur.All(ctx, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// Summary is a survey's summary as read.
type Summary struct {
	SurveyID string
	// Version changes whenever the summary does.
	Version      int
	Tally        *surveys.Tally
	ReleaseN     int
	ReleaseTally *surveys.Tally
	ReleaseDay   string
	Frozen       bool
}

// decodeTally reads a stored tally: compressed, or (older) JSON text.
func decodeTally(compressed []byte, text string) (*surveys.Tally, error) {
	t := surveys.NewTally()
	b := []byte(text)
	if compressed != nil {
		var err error
		if b, err = zstdDecoder.DecodeAll(compressed, nil); err != nil {
			return nil, fmt.Errorf("store: decompress tally: %w", err)
		}
	}
	if len(b) == 0 {
		return t, nil
	}
	if err := json.Unmarshal(b, t); err != nil {
		return nil, fmt.Errorf("store: decode tally: %w", err)
	}
	return t, nil
}

func encodeTally(t *surveys.Tally) []byte {
	b, _ := json.Marshal(t) // maps of strings and ints: cannot fail
	return zstdEncoder.EncodeAll(b, nil)
}

// Summary reads a survey's summary (empty if no response was tallied yet):
// two queries, whatever the number of responses.
func (s *Store) Summary(ctx context.Context, surveyID string) (*Summary, error) {
	h, err := s.readSummary(ctx, surveyID)
	if err != nil {
		return nil, err
	}
	sum := &Summary{SurveyID: surveyID, Version: h.version, Tally: h.tally, ReleaseN: h.doc.ReleaseN,
		ReleaseDay: h.doc.ReleaseDay, Frozen: h.doc.Frozen}
	if sum.ReleaseTally, err = h.doc.releaseTally(); err != nil {
		return nil, err
	}
	return sum, nil
}

// readSummary is a summary as stored: its head, whether the head exists,
// its base tally, and the tally with the parts of its generation merged.
type storedSummary struct {
	id      string
	doc     summaryDoc
	exists  bool
	base    *surveys.Tally
	tally   *surveys.Tally
	version int // the head's version plus its parts'
}

func (s *Store) readSummary(ctx context.Context, surveyID string) (*storedSummary, error) {
	h := &storedSummary{id: surveyID}
	err := s.db.Collection(colSummaries).FindOne(ctx, bson.D{{Key: "_id", Value: surveyID}}).Decode(&h.doc)
	switch {
	case err == nil:
		h.exists = true
	case !errors.Is(err, mongo.ErrNoDocuments):
		return nil, s.fail("read summary", err)
	}
	if h.base, err = h.doc.tally(); err != nil {
		return nil, err
	}
	// Read after the head: a part of a newer generation (a recount in
	// between) is left out, and the summary is the head's as of its read.
	parts, err := s.readParts(ctx, surveyID, nil)
	if err != nil {
		return nil, err
	}
	h.tally, h.version = h.base, h.doc.Version
	merged := false
	for _, p := range parts {
		h.version += p.Version
		if p.Generation != h.doc.Generation || p.TallyZ == nil {
			continue
		}
		t, err := decodeTally(p.TallyZ, "")
		if err != nil {
			return nil, err
		}
		if !merged {
			h.tally, merged = cloneTally(h.base), true
		}
		h.tally.Merge(t)
	}
	return h, nil
}

func (s *Store) readParts(ctx context.Context, surveyID string, projection bson.D) ([]partDoc, error) {
	parts, err := findByIDs[partDoc](ctx, s, colParts, s.partIDs(surveyID), projection)
	if err != nil {
		return nil, s.fail("read summary parts", err)
	}
	return parts, nil
}

// cloneTally copies a tally (the base stays as it was read).
func cloneTally(t *surveys.Tally) *surveys.Tally {
	c := surveys.NewTally()
	c.Merge(t)
	return c
}

// Definitions finds the definition of each revision a survey's responses
// answered.
type Definitions func(ctx context.Context, surveyID string, revision int) (*surveys.Definition, int, error)

// StoreDefinitions reads revisions from the store, once each (published
// revisions never change). The threshold k is the revision's.
func (s *Store) StoreDefinitions() Definitions {
	var mu sync.Mutex
	cache := map[string]*surveys.Definition{}
	return func(ctx context.Context, surveyID string, revision int) (*surveys.Definition, int, error) {
		key := fmt.Sprint(surveyID, "/", revision)
		mu.Lock()
		def, ok := cache[key]
		mu.Unlock()
		if !ok {
			sv, err := s.PublicSurvey(ctx, surveyID)
			if err != nil {
				return nil, 0, err
			}
			rev, err := s.Revision(ctx, sv, revision)
			if err != nil {
				return nil, 0, err
			}
			def = &rev.Definition
			mu.Lock()
			if len(cache) > 10000 {
				clear(cache)
			}
			cache[key] = def
			mu.Unlock()
		}
		return def, def.Threshold(), nil
	}
}

// maxAttempts bounds the retries of a conditional update that another
// writer keeps coming first to.
const maxAttempts = 50

// applyDeltas merges into a survey's summary the delta of each batch not
// counted yet (one recovered set may mix batches applied before a crash
// with others): each batch's delta goes to its part. Then the release
// advances if the rule allows.
func (s *Store) applyDeltas(ctx context.Context, surveyID string, deltas map[string]*surveys.Tally, k int) error {
	perPart := map[int]map[string]*surveys.Tally{}
	for b, delta := range deltas {
		p := s.partOf(b)
		if perPart[p] == nil {
			perPart[p] = map[string]*surveys.Tally{}
		}
		perPart[p][b] = delta
	}
	for _, p := range slices.Sorted(maps.Keys(perPart)) {
		if err := s.applyToPart(ctx, surveyID, p, perPart[p]); err != nil {
			return err
		}
	}
	if due, err := s.releaseDue(ctx, surveyID, k); err != nil || !due {
		return err
	}
	return s.changeHead(ctx, surveyID, k, nil)
}

// releaseDue tells from the counts alone (the head's and its parts', a
// few numbers) whether changeHead would make a release, or has a summary
// stored before to convert: most passes add fewer than k responses, and
// need not read and merge every part's tally to find out.
func (s *Store) releaseDue(ctx context.Context, surveyID string, k int) (bool, error) {
	var head summaryDoc
	err := s.db.Collection(colSummaries).FindOne(ctx, bson.D{{Key: "_id", Value: surveyID}},
		options.FindOne().SetProjection(bson.D{{Key: "n", Value: 1}, {Key: "release_n", Value: 1},
			{Key: "frozen", Value: 1}, {Key: "generation", Value: 1}, {Key: "version", Value: 1}})).Decode(&head)
	exists := err == nil
	if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
		return false, s.fail("read summary", err)
	}
	if exists && head.BaseN == nil {
		return true, nil // stored before counts were kept: changeHead adds them
	}
	if head.Frozen {
		return false, nil
	}
	parts, err := s.readParts(ctx, surveyID, bson.D{{Key: "n", Value: 1}, {Key: "generation", Value: 1}})
	if err != nil {
		return false, err
	}
	n := 0
	if head.BaseN != nil {
		n = *head.BaseN
	}
	for _, p := range parts {
		if p.Generation == head.Generation {
			n += p.N
		}
	}
	return surveys.NextRelease(&surveys.Tally{Responses: head.ReleaseN}, &surveys.Tally{Responses: n}, k), nil
}

// applyToPart adds to one part of a survey's tally the deltas of the
// batches it does not count yet, in one update conditional on the part's
// version, trying again when another writer came first.
//
// Each attempt reads the head, then the part, then the queue, in that
// order. A batch is added only if it is still queued (a batch that left
// the queue was counted in full by whoever dequeued it, perhaps another
// process's recovery) and neither the part nor the head's base counts it.
// The queue is read last: a batch whose id a writer dropped from a list
// (recordBatches) had left the queue before that writer's read, so it is
// seen as gone here too. After writing, the head's generation is read
// again: if a recount made a new base meanwhile, the write counted for
// nothing and the batches are added again to the new generation, unless
// the recount counted them.
func (s *Store) applyToPart(ctx context.Context, surveyID string, part int, deltas map[string]*surveys.Tally) error {
	parts := s.col(colParts)
	id := partID(surveyID, part)
	for range maxAttempts {
		head, err := s.readHead(ctx, surveyID)
		if err != nil {
			return err
		}
		var d partDoc
		err = parts.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d)
		exists := err == nil
		if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
			return s.fail("read summary part", err)
		}
		queued, err := s.queuedBatches(ctx)
		if err != nil {
			return err
		}
		tally := surveys.NewTally()
		if d.Generation != head.Generation {
			d.Batches = nil // a recount's base replaced what it counted
		} else if tally, err = decodeTally(d.TallyZ, ""); err != nil {
			return err
		}
		var applied []string
		for b, delta := range deltas {
			if slices.Contains(queued, b) && !slices.Contains(d.Batches, b) && !slices.Contains(head.Batches, b) {
				tally.Merge(delta)
				applied = append(applied, b)
			}
		}
		if len(applied) == 0 {
			return nil // all counted before
		}
		next := partDoc{ID: id, Generation: head.Generation, Version: d.Version + 1, N: tally.Responses, TallyZ: encodeTally(tally),
			Batches: recordBatches(d.Batches, queued, applied)}
		if !exists {
			unlock := parts.lockOne(bson.D{{Key: "_id", Value: id}})
			_, err := parts.InsertOne(ctx, next)
			unlock()
			if err != nil {
				if mongo.IsDuplicateKeyError(err) {
					s.conflicts.Add(1)
					continue
				}
				return s.fail("create summary part", err)
			}
		} else {
			res, err := parts.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "version", Value: d.Version}},
				bson.D{{Key: "$set", Value: bson.D{{Key: "generation", Value: next.Generation}, {Key: "version", Value: next.Version},
					{Key: "n", Value: next.N}, {Key: "tally_z", Value: next.TallyZ}, {Key: "batches", Value: next.Batches}}}})
			if err != nil {
				return s.fail("update summary part", err)
			}
			if res.MatchedCount == 0 {
				s.conflicts.Add(1)
				continue
			}
		}
		now, err := s.readHead(ctx, surveyID)
		if err != nil {
			return err
		}
		if now.Generation == head.Generation {
			return nil
		}
	}
	return fmt.Errorf("store: update summary of %s: too many concurrent updates", surveyID)
}

// readHead reads a summary's head without its tallies.
func (s *Store) readHead(ctx context.Context, surveyID string) (summaryDoc, error) {
	var d summaryDoc
	err := s.db.Collection(colSummaries).FindOne(ctx, bson.D{{Key: "_id", Value: surveyID}},
		options.FindOne().SetProjection(bson.D{{Key: "generation", Value: 1}, {Key: "batches", Value: 1}, {Key: "version", Value: 1}})).Decode(&d)
	if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
		return d, s.fail("read summary", err)
	}
	return d, nil
}

// changeHead reads a survey's summary, lets change modify its head and
// base (nil: no change; false: nothing to do), advances the release when
// the rule allows and the summary is not frozen, and writes the head back
// in one update conditional on the version it read, trying again when
// another writer came first. Nothing is written when nothing changed.
//
// change gets the base tally and the whole tally (base and parts); a
// change that replaces the base replaces the whole tally too (a new
// generation leaves the parts out).
func (s *Store) changeHead(ctx context.Context, surveyID string, k int, change func(d *summaryDoc, base, tally *surveys.Tally) (bool, error)) error {
	for range maxAttempts {
		h, err := s.readSummary(ctx, surveyID)
		if err != nil {
			return err
		}
		d := h.doc
		wasFrozen := d.Frozen
		changed := false
		if change != nil {
			if changed, err = change(&d, h.base, h.tally); err != nil || !changed {
				return err
			}
		}
		// The base is written when it changed, is converted from text, or
		// lacks its count (stored before counts were kept).
		writeBase := changed || d.TallyText != "" || (h.exists && d.BaseN == nil)
		if writeBase {
			d.TallyZ, d.BaseN = encodeTally(h.base), &h.base.Responses
		}
		releaseChanged := false
		if !wasFrozen {
			if releaseChanged, err = s.advanceRelease(&d, h.tally, k); err != nil {
				return err
			}
		}
		if !writeBase && !releaseChanged && d.ReleaseTallyText == "" {
			return nil
		}
		written, err := s.writeHead(ctx, h, d, writeBase, releaseChanged || d.ReleaseTallyText != "")
		if err != nil || written {
			return err
		}
		s.conflicts.Add(1)
	}
	return fmt.Errorf("store: update summary of %s: too many concurrent updates", surveyID)
}

// advanceRelease sets d's release to the whole tally when the release rule
// allows, and reports whether the release changed. A release made before
// perturbation has no record keys to perturb with: it is dropped, and
// replaced by the next one, made at once if the tally has k responses
// (upgradeTallies recounted it). The caller leaves a frozen release alone:
// what arrives after the close (a submission in flight then) is counted,
// and stays out of the figures.
func (s *Store) advanceRelease(d *summaryDoc, tally *surveys.Tally, k int) (bool, error) {
	released, err := d.releaseTally()
	if err != nil {
		return false, err
	}
	dropped := !released.HasKeys() && tally.HasKeys()
	if dropped {
		released = surveys.NewTally()
	}
	switch {
	case surveys.NextRelease(released, tally, k):
		d.ReleaseN, d.ReleaseTallyZ, d.ReleaseDay = tally.Responses, encodeTally(tally), s.now().UTC().Format(time.DateOnly)
		return true, nil
	case dropped:
		d.ReleaseN, d.ReleaseTallyZ = 0, encodeTally(released)
		return true, nil
	}
	return false, nil
}

// writeHead writes a summary's head d, read as h: an insert if there was
// none, else an update conditional on the version read, of the base and
// of the release as asked (and converting fields stored as text). False:
// another writer came first.
func (s *Store) writeHead(ctx context.Context, h *storedSummary, d summaryDoc, base, release bool) (bool, error) {
	heads := s.col(colSummaries)
	if !h.exists {
		d.ID, d.Version, d.BaseN = h.id, 1, &h.base.Responses
		unlock := heads.lockOne(bson.D{{Key: "_id", Value: h.id}})
		_, err := heads.InsertOne(ctx, d)
		unlock()
		if mongo.IsDuplicateKeyError(err) {
			return false, nil
		}
		if err != nil {
			return false, s.fail("create summary", err)
		}
		return true, nil
	}
	set := bson.D{{Key: "version", Value: d.Version + 1}}
	if base {
		set = append(set, bson.E{Key: "tally_z", Value: d.TallyZ}, bson.E{Key: "n", Value: d.BaseN}, bson.E{Key: "generation", Value: d.Generation},
			bson.E{Key: "batches", Value: d.Batches}, bson.E{Key: "frozen", Value: d.Frozen})
	}
	if release {
		if d.ReleaseTallyText != "" && d.ReleaseTallyZ == nil {
			t, err := decodeTally(nil, d.ReleaseTallyText)
			if err != nil {
				return false, err // never replace a release by nothing
			}
			d.ReleaseTallyZ = encodeTally(t)
		}
		set = append(set, bson.E{Key: "release_n", Value: d.ReleaseN}, bson.E{Key: "release_tally_z", Value: d.ReleaseTallyZ},
			bson.E{Key: "release_day", Value: d.ReleaseDay})
	}
	update := bson.D{{Key: "$set", Value: set}}
	if d.TallyText != "" || d.ReleaseTallyText != "" {
		update = append(update, bson.E{Key: "$unset", Value: bson.D{{Key: "tally", Value: ""}, {Key: "release_tally", Value: ""}}})
	}
	res, err := heads.UpdateOne(ctx, bson.D{{Key: "_id", Value: h.id}, {Key: "version", Value: h.doc.Version}}, update)
	if err != nil {
		return false, s.fail("update summary", err)
	}
	return res.MatchedCount == 1, nil
}

// SummaryConflicts counts the summary updates that another writer came
// first to, so that they were tried again: a measure of contention on
// summaries (benchmarks, and an operator's look at a busy deployment).
func (s *Store) SummaryConflicts() int64 { return s.conflicts.Load() }

// Summarizer keeps summaries up to date.
type Summarizer struct {
	st   *Store
	defs Definitions
	log  *slog.Logger

	mu      sync.Mutex // guards pending
	pending []committedBatch
	wake    chan struct{}
	// work is held by a pass or a recovery: one at a time, so that a batch
	// is never applied by both.
	work sync.Mutex
	// Fault, when set, is called between the steps of applying a batch;
	// an error stops there, as a crash would (tests).
	Fault func(step string) error
	// Lease is how old a queued batch must be before recovery takes it
	// over from the process that wrote it.
	Lease time.Duration
}

type committedBatch struct {
	id        string
	responses []*surveys.Response
	failures  int // passes that failed with it
}

// maxPassFailures is how many failed passes a batch stays in memory for;
// then it is left to recovery, so that one batch that cannot be applied
// does not hold up the others.
const maxPassFailures = 3

// NewSummarizer makes a summarizer; Run starts it.
func (s *Store) NewSummarizer(defs Definitions, log *slog.Logger) *Summarizer {
	// The lease outlasts any batch write (one operation timeout), twice.
	return &Summarizer{st: s, defs: defs, log: log, wake: make(chan struct{}, 1), Lease: max(queueLease, 2*s.timeout)}
}

// committed is called by the committer when a batch is stored.
func (sm *Summarizer) committed(id string, responses []*surveys.Response) {
	sm.mu.Lock()
	sm.pending = append(sm.pending, committedBatch{id: id, responses: responses})
	sm.mu.Unlock()
	select {
	case sm.wake <- struct{}{}:
	default:
	}
}

// Run applies committed batches as they come (within a few hundred
// milliseconds), and every few seconds takes over batches left by a crash,
// until ctx ends.
func (sm *Summarizer) Run(ctx context.Context) {
	recover := time.NewTicker(5 * time.Second)
	defer recover.Stop()
	// The end of ctx stops the loop, never a pass half-way (a pass cut
	// short at shutdown would leave its batches to recovery at the next
	// start instead of to the final Flush); a pass gets a minute.
	work := func(f func(context.Context)) {
		wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		f(wctx)
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-sm.wake:
			time.Sleep(100 * time.Millisecond) // let a few batches gather
			work(sm.Pass)
		case <-recover.C:
			work(sm.Recover)
		}
	}
}

// Pass applies the batches committed in this process so far.
func (sm *Summarizer) Pass(ctx context.Context) {
	sm.work.Lock()
	defer sm.work.Unlock()
	sm.mu.Lock()
	batches := sm.pending
	sm.pending = nil
	sm.mu.Unlock()
	if len(batches) == 0 {
		return
	}
	err := sm.apply(ctx, batches)
	if err == nil {
		return
	}
	sm.log.Warn("applying batches to summaries", "batches", len(batches), "error", err.Error())
	var crash injectedCrash
	if errors.As(err, &crash) {
		return // a crash forgets them: recovery applies them from the queue
	}
	// The next pass (or the flush at shutdown) tries them again; applying
	// a batch again is harmless (see apply).
	var retry []committedBatch
	for _, b := range batches {
		if b.failures++; b.failures < maxPassFailures {
			retry = append(retry, b)
		}
	}
	sm.mu.Lock()
	sm.pending = append(retry, sm.pending...)
	sm.mu.Unlock()
	if len(retry) > 0 {
		time.AfterFunc(time.Second, func() { // try again even if nothing new comes
			select {
			case sm.wake <- struct{}{}:
			default:
			}
		})
	}
}

// injectedCrash is an error of Fault: it stands for the process dying at
// that step.
type injectedCrash struct{ error }

func (c injectedCrash) Unwrap() error { return c.error }

// Flush waits until every batch committed so far in this process is in
// the summaries.
func (sm *Summarizer) Flush(ctx context.Context) { sm.Pass(ctx) }

// RecoverAtStart applies, before the server answers, what a crash left
// queued: at once on the embedded store, which belongs to this process
// alone; on MongoDB, where other processes may be writing, only batches
// older than the lease.
func (sm *Summarizer) RecoverAtStart(ctx context.Context) {
	if err := sm.upgradeTallies(ctx); err != nil && ctx.Err() == nil {
		sm.log.Error("recounting summaries made before perturbation", "error", err.Error())
	}
	if sm.st.Embedded() {
		sm.recover(ctx, 0)
		return
	}
	sm.Recover(ctx)
}

// upgradeTallies recounts every summary whose tally was made before
// perturbation, without record keys (Tally.HasKeys), from the stored
// responses; its release is then made afresh. It runs before the server
// answers (every process of a database is stopped for an upgrade,
// docs/ARCHITECTURE.md), so no submission is in flight.
func (sm *Summarizer) upgradeTallies(ctx context.Context) error {
	sm.work.Lock()
	defer sm.work.Unlock()
	settings := sm.st.db.Collection(colSettings)
	err := settings.FindOne(ctx, bson.D{{Key: "_id", Value: recordKeysReady}}).Err()
	if err == nil {
		return nil // done at an earlier start: no summary to read again
	}
	if !errors.Is(err, mongo.ErrNoDocuments) {
		return sm.st.fail("read settings", err)
	}
	cur, err := sm.st.db.Collection(colSummaries).Find(ctx, bson.D{},
		options.Find().SetProjection(bson.D{{Key: "tally_z", Value: 1}, {Key: "tally", Value: 1}}))
	if err != nil {
		return sm.st.fail("read summaries", err)
	}
	var docs []summaryDoc
	if err := cur.All(ctx, &docs); err != nil {
		return sm.st.fail("read summaries", err)
	}
	for _, d := range docs {
		t, err := d.tally()
		if err != nil {
			return err
		}
		if t.HasKeys() {
			continue
		}
		sv, err := sm.st.PublicSurvey(ctx, d.ID)
		if errors.Is(err, surveys.ErrNotFound) {
			continue // deleted
		}
		if err != nil {
			return err
		}
		fresh, err := sm.st.Recount(ctx, d.ID, sm.defs)
		if err != nil {
			return err
		}
		if err := sm.st.ReplaceSummary(ctx, d.ID, fresh, sv.Draft.Threshold(), false); err != nil {
			return err
		}
		sm.log.Info("summary recounted with record keys", "survey", d.ID, "responses", fresh.Responses)
	}
	if _, err := settings.InsertOne(ctx, bson.D{{Key: "_id", Value: recordKeysReady}}); err != nil && !mongo.IsDuplicateKeyError(err) {
		return sm.st.fail("write settings", err)
	}
	return nil
}

// recordKeysReady is the settings document saying that every summary's
// tally carries record keys (upgradeTallies has run): later starts need
// not read every summary to find out.
const recordKeysReady = "summaries_record_keys"

// Recover applies batches whose queue documents are older than the lease:
// left by a process that died between the steps.
func (sm *Summarizer) Recover(ctx context.Context) { sm.recover(ctx, sm.Lease) }

// RecoverOlderThan applies queued batches older than lease instead of
// the summarizer's own (tests that play crashes; 0: everything queued,
// right only when no other process writes).
func (sm *Summarizer) RecoverOlderThan(ctx context.Context, lease time.Duration) {
	sm.recover(ctx, lease)
}

func (sm *Summarizer) recover(ctx context.Context, lease time.Duration) {
	sm.work.Lock()
	defer sm.work.Unlock()
	filter := bson.D{} // lease 0: everything queued
	if lease > 0 {
		// Queue times are rounded down to a step (a minute) and come from the database
		// server's clock (never this machine's, which may be off): older
		// than the lease for sure.
		cutoff := sm.st.serverNow(ctx).UTC().Add(-lease - sm.st.queueStep)
		filter = bson.D{{Key: "created_at", Value: bson.D{{Key: "$lte", Value: cutoff}}}}
	}
	cur, err := sm.st.db.Collection(colQueue).Find(ctx, filter, options.Find().SetLimit(maxRecoveredBatches))
	if err != nil {
		if ctx.Err() == nil {
			sm.log.Warn("reading the tally queue", "error", err.Error())
		}
		return
	}
	var queued []queueDoc
	if err := cur.All(ctx, &queued); err != nil {
		return
	}
	// Batches this process holds in memory are applied by Pass, never here:
	// applying one twice would count it twice.
	sm.mu.Lock()
	var docs []queueDoc
	for _, q := range queued {
		if !slices.ContainsFunc(sm.pending, func(b committedBatch) bool { return b.id == q.ID }) {
			docs = append(docs, q)
		}
	}
	sm.mu.Unlock()
	if lease > 0 {
		docs = sm.st.claimBatches(ctx, docs)
	}
	if len(docs) == 0 {
		return
	}
	if err := sm.recoverBatches(ctx, docs); err != nil {
		if ctx.Err() == nil {
			sm.log.Warn("recovering batches", "error", err.Error())
		}
		return
	}
	sm.log.Warn("recovered batches left by a crash", "batches", len(docs))
}

// maxRecoveredBatches bounds one recovery's work; the next takes the rest.
const maxRecoveredBatches = 100

// claimBatches takes over queued batches for this process's recovery, so
// that the processes of one database do not all recover the same batch
// (counting it twice is prevented anyway; the work is not). A claim moves
// the batch's queue time to now, in an update conditional on the time
// read: of several processes, one wins, and the others see the batch as
// young again for a lease. The batches won are returned.
func (s *Store) claimBatches(ctx context.Context, docs []queueDoc) []queueDoc {
	now := s.serverNow(ctx).UTC().Truncate(s.queueStep)
	var won []queueDoc
	for _, q := range docs {
		res, err := s.col(colQueue).UpdateOne(ctx, bson.D{{Key: "_id", Value: q.ID}, {Key: "created_at", Value: q.CreatedAt}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "created_at", Value: now}}}})
		if err == nil && res.MatchedCount == 1 {
			won = append(won, q)
		}
	}
	return won
}

// recoverBatches reads queued batches' responses back by key (one query a
// batch on MongoDB) and applies them.
func (sm *Summarizer) recoverBatches(ctx context.Context, docs []queueDoc) error {
	var batches []committedBatch
	for _, q := range docs {
		b := committedBatch{id: q.ID}
		if len(q.Keys) > 0 {
			found, err := findByIDs[responseDoc](ctx, sm.st, colResponses, q.Keys, nil)
			if err != nil {
				return sm.st.fail("read responses", err)
			}
			// Keys never inserted are simply not found.
			for _, d := range found {
				if d.Batch != batchTag(q.ID, d.ID) {
					continue // a retry of a response stored by an earlier batch
				}
				r, err := responseFromDoc(d)
				if err != nil {
					return err
				}
				b.responses = append(b.responses, r)
			}
		}
		batches = append(batches, b)
	}
	// One at a time, so that a batch that cannot be applied does not hold
	// up the others (recovery is rare; the extra writes do not matter).
	var errs []error
	for _, b := range batches {
		if err := sm.apply(ctx, []committedBatch{b}); err != nil {
			var crash injectedCrash
			if errors.As(err, &crash) {
				return err // a crash stops everything
			}
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (sm *Summarizer) fault(step string) error {
	if sm.Fault == nil {
		return nil
	}
	if err := sm.Fault(step); err != nil {
		return injectedCrash{err}
	}
	return nil
}

// apply tallies batches per survey and batch, applies each survey's
// deltas, then deletes the queue documents.
func (sm *Summarizer) apply(ctx context.Context, batches []committedBatch) error {
	type work struct {
		deltas map[string]*surveys.Tally // batch id -> its delta
		k      int
	}
	if err := sm.fault("tallying"); err != nil {
		return err
	}
	perSurvey := map[string]*work{}
	var ids []string
	for _, b := range batches {
		ids = append(ids, b.id)
		for _, r := range b.responses {
			def, k, err := sm.defs(ctx, r.SurveyID, r.Revision)
			if err != nil {
				return err
			}
			w := perSurvey[r.SurveyID]
			if w == nil {
				w = &work{deltas: map[string]*surveys.Tally{}, k: k}
				perSurvey[r.SurveyID] = w
			}
			if w.deltas[b.id] == nil {
				w.deltas[b.id] = surveys.NewTally()
			}
			w.deltas[b.id].Add(def, r)
		}
	}
	// The batches' pages first: a page written for a batch that a crash
	// then leaves untallied is written again, and ignored, when recovery
	// tallies the batch.
	if err := sm.st.writePages(ctx, batches); err != nil {
		return err
	}
	if err := sm.fault("paged"); err != nil {
		return err
	}
	for _, id := range slices.Sorted(maps.Keys(perSurvey)) {
		w := perSurvey[id]
		if err := sm.st.applyDeltas(ctx, id, w.deltas, w.k); err != nil {
			return err
		}
		if err := sm.fault("applied"); err != nil {
			return err
		}
	}
	if _, err := sm.st.col(colQueue).DeleteMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}}); err != nil {
		return sm.st.fail("delete queue", err)
	}
	return sm.fault("dequeued")
}

// queuedBatches lists the ids of the batches in the tally queue (a small
// collection: batches leave it once applied).
//
// A plain find: decoding the result of distinct failed now and then on the
// embedded store ("error decoding key arr: unexpected EOF").
func (s *Store) queuedBatches(ctx context.Context) ([]string, error) {
	cur, err := s.db.Collection(colQueue).Find(ctx, bson.D{}, options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, s.fail("read queue", err)
	}
	var docs []struct {
		ID string `bson:"_id"`
	}
	if err := cur.All(ctx, &docs); err != nil {
		return nil, s.fail("read queue", err)
	}
	ids := make([]string, len(docs))
	for i, d := range docs {
		ids[i] = d.ID
	}
	return ids, nil
}

// recordBatches is the list of applied batches a summary keeps: those just
// applied, and of the earlier ones only those still queued (a batch that
// left the queue is never applied again, so it need not be remembered;
// the list stays as short as the queue).
func recordBatches(recorded, queued, applied []string) []string {
	out := append([]string(nil), applied...)
	for _, b := range recorded {
		if slices.Contains(queued, b) && !slices.Contains(out, b) {
			out = append(out, b)
		}
	}
	return out
}

// Recount tallies every stored response of a survey afresh.
func (s *Store) Recount(ctx context.Context, surveyID string, defs Definitions) (*surveys.Tally, error) {
	t := surveys.NewTally()
	err := s.EachStoredResponse(ctx, surveyID, func(r *surveys.Response) error {
		def, _, err := defs(ctx, surveyID, r.Revision)
		if err != nil {
			return err
		}
		t.Add(def, r)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

// EachStoredResponse calls fn with every response of a survey in the
// responses collection (the source of truth; Responses reads the pages),
// stopping at fn's first error.
func (s *Store) EachStoredResponse(ctx context.Context, surveyID string, fn func(*surveys.Response) error) error {
	cur, err := s.db.Collection(colResponses).Find(ctx, bson.D{{Key: "survey_id", Value: surveyID}}, options.Find().SetBatchSize(1000))
	if err != nil {
		return s.fail("read responses", err)
	}
	defer cur.Close(ctx)
	for cur.Next(ctx) {
		var d responseDoc
		if err := cur.Decode(&d); err != nil {
			return s.fail("read responses", err)
		}
		r, err := responseFromDoc(d)
		if err != nil {
			return err
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	if err := cur.Err(); err != nil {
		return s.fail("read responses", err)
	}
	return nil
}

// ReplaceSummary makes t (a recount) a survey's whole tally, keeps the
// release rule, and freezes the release when freeze is set. t becomes the
// base of a new generation in one update, so the parts written before
// count for nothing from then on, and every batch still queued is taken
// as counted by t: call it when no submission to the survey is in flight
// (a batch queued before the recount read the responses but stored after
// it would be lost; the recount command says so).
func (s *Store) ReplaceSummary(ctx context.Context, surveyID string, t *surveys.Tally, k int, freeze bool) error {
	queued, err := s.queuedBatches(ctx)
	if err != nil {
		return err
	}
	return s.changeHead(ctx, surveyID, k, func(d *summaryDoc, base, tally *surveys.Tally) (bool, error) {
		*base, *tally = *t, *t
		d.Generation++
		d.Batches = queued
		d.Frozen = d.Frozen || freeze
		return true, nil
	})
}

// FreezeSummary makes a closed survey's release its last: the release
// advances one last time if the rule allows, and never again. The tally
// itself stays exact: a batch that was in flight when the survey closed
// (a submission accepted just before) is still added to it, and stays out
// of the published figures, as any remainder of fewer than k does. Call
// it after the survey is saved closed and this process's summarizer is
// flushed.
func (s *Store) FreezeSummary(ctx context.Context, surveyID string, k int) error {
	return s.changeHead(ctx, surveyID, k, func(d *summaryDoc, _, _ *surveys.Tally) (bool, error) {
		if d.Frozen {
			return false, nil
		}
		d.Frozen = true
		return true, nil
	})
}

// newBatchID names a batch.
func newBatchID() string { return uuid.NewString() }

// QueueLength is how many batches wait in the tally queue: a few while
// submissions arrive; more means summaries lag (a process died, or the
// database refuses the summarizer's writes).
func (s *Store) QueueLength(ctx context.Context) (int64, error) {
	n, err := s.db.Collection(colQueue).CountDocuments(ctx, bson.D{})
	if err != nil {
		return 0, s.fail("count queue", err)
	}
	return n, nil
}
