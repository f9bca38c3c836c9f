package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"strconv"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/youthvoice/youthvoice/surveys"
)

// The stored summary: its head (summaryDoc: the base tally and the
// release) and its parts (partDoc: what the summarizer added since the
// base), how many parts a database has, tallies encoded and decoded, and
// a summary read (Summary) as the head plus the parts of its generation.
// How it is kept up to date: summary_update.go; by whom: summarizer.go.

const (
	colSummaries = "summaries"
	colParts     = "summary_parts"
)

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
	// CellsRef and ReleaseCellsRef name the cells documents of the base
	// and of the release (summary_cells.go); "" when they have none.
	CellsRef        string `bson:"cells_ref,omitempty"`
	ReleaseCellsRef string `bson:"release_cells_ref,omitempty"`
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
	CellsRef   string   `bson:"cells_ref,omitempty"` // its cells document (summary_cells.go)
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

// encodeTally compresses a tally without its cells, which are stored in a
// document of their own (putCells).
func encodeTally(t *surveys.Tally) []byte {
	c := *t
	c.Cells = nil
	b, _ := json.Marshal(&c) // maps of strings and ints: cannot fail
	return zstdEncoder.EncodeAll(b, nil)
}

// Summary reads a survey's summary (empty if no response was tallied yet):
// two queries, whatever the number of responses. Its tallies are without
// their cross-classified cells (SummaryCells reads them).
func (s *Store) Summary(ctx context.Context, surveyID string) (*Summary, error) {
	h, err := s.readSummary(ctx, surveyID, false)
	if err != nil {
		return nil, err
	}
	return h.summary()
}

func (h *storedSummary) summary() (*Summary, error) {
	sum := &Summary{SurveyID: h.id, Version: h.version, Tally: h.tally, ReleaseN: h.doc.ReleaseN,
		ReleaseDay: h.doc.ReleaseDay, Frozen: h.doc.Frozen}
	var err error
	if sum.ReleaseTally, err = h.doc.releaseTally(); err != nil {
		return nil, err
	}
	return sum, nil
}

// SummaryCells reads a survey's summary with the cross-classified cells
// of its release (weighting) and, with live, of its tally (a recount's
// comparison).
func (s *Store) SummaryCells(ctx context.Context, surveyID string, live bool) (*Summary, error) {
	for range maxAttempts {
		h, err := s.readSummary(ctx, surveyID, live)
		if errors.Is(err, errCellsGone) {
			continue
		}
		if err != nil {
			return nil, err
		}
		sum, err := h.summary()
		if err != nil {
			return nil, err
		}
		err = s.loadCells(ctx, h.doc.ReleaseCellsRef, sum.ReleaseTally)
		if errors.Is(err, errCellsGone) {
			continue // a new release replaced the one read
		}
		return sum, err
	}
	return nil, fmt.Errorf("store: read summary of %s: its cells kept changing", surveyID)
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

// With cells, the tallies' cross-classified cells are read too
// (errCellsGone: a writer replaced some after they were named; read again).
func (s *Store) readSummary(ctx context.Context, surveyID string, cells bool) (*storedSummary, error) {
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
	if cells {
		if err := s.loadCells(ctx, h.doc.CellsRef, h.base); err != nil {
			return nil, err
		}
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
		if cells {
			if err := s.loadCells(ctx, p.CellsRef, t); err != nil {
				return nil, err
			}
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
