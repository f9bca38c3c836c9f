package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/youthvoice/youthvoice/surveys"
)

// The cross-classified cells of a survey's tallies (Tally.Cells,
// surveys/cells.go) are kept in documents of their own, so that neither
// a summary's head nor its parts grow with them (they can be several
// times the rest of the tally), and a summary read that does not weight
// never reads them.
//
// A cells document is written once and never changed: the head's base,
// its release and each part name theirs (cells_ref), and a write of a
// tally writes its cells as a new document first, then the tally with
// the new name in its one conditional update, then removes the document
// it replaced. So the tally and its cells change together, as atomically
// as the tally alone did: a reader sees the cells of the very tally it
// read, or (the writer having removed them after the reader's read of the
// tally) none, and reads the summary again (errCellsGone). A write that
// another writer came first to removes what it wrote. Only a crash
// between the steps leaves a document nobody names, which nothing reads.

const colCells = "summary_cells"

// maxCellsBytes bounds a cells document: surveys.MaxCrossCounters counts
// compress to a few megabytes at most; MongoDB's limit is 16 MiB.
const maxCellsBytes = 12 << 20

type cellsDoc struct {
	ID       string `bson:"_id"` // survey id + "/" + a random id
	SurveyID string `bson:"survey_id"`
	Z        []byte `bson:"z"`
}

// errCellsGone: a cells document a tally named was removed after the
// tally was read (a writer replaced them): read the summary again.
var errCellsGone = errors.New("store: the cells of the tally read were replaced")

// putCells writes cells as a new document and returns its name; "" when
// there are none.
func (s *Store) putCells(ctx context.Context, surveyID string, cells map[string]*surveys.Tally) (string, error) {
	if len(cells) == 0 {
		return "", nil
	}
	b, err := json.Marshal(cells)
	if err != nil {
		return "", err
	}
	z := zstdEncoder.EncodeAll(b, nil)
	if len(z) > maxCellsBytes {
		return "", fmt.Errorf("store: the cells of %s take %d bytes", surveyID, len(z))
	}
	id := surveyID + "/" + uuid.NewString()
	if _, err := s.col(colCells).InsertOne(ctx, cellsDoc{ID: id, SurveyID: surveyID, Z: z}); err != nil {
		return "", s.fail("write cells", err)
	}
	return id, nil
}

// loadCells reads the cells document ref into t.Cells (nothing for "").
func (s *Store) loadCells(ctx context.Context, ref string, t *surveys.Tally) error {
	if ref == "" {
		return nil
	}
	var d cellsDoc
	err := s.db.Collection(colCells).FindOne(ctx, bson.D{{Key: "_id", Value: ref}}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return errCellsGone
	}
	if err != nil {
		return s.fail("read cells", err)
	}
	b, err := zstdDecoder.DecodeAll(d.Z, nil)
	if err != nil {
		return fmt.Errorf("store: decompress cells: %w", err)
	}
	cells := map[string]*surveys.Tally{}
	if err := json.Unmarshal(b, &cells); err != nil {
		return fmt.Errorf("store: decode cells: %w", err)
	}
	if t.Cells == nil {
		t.Cells = cells
		return nil
	}
	// A tally stored before its cells had documents of their own holds
	// them inline: both are kept (they count different responses).
	t.Merge(&surveys.Tally{Cells: cells})
	return nil
}

// dropCells removes cells documents no tally names any more. A failure
// only leaves a document nothing reads, so it is not an error of the
// write that replaced them, and is not reported.
func (s *Store) dropCells(ctx context.Context, refs ...string) {
	for _, ref := range refs {
		if ref != "" {
			_, _ = s.col(colCells).DeleteOne(context.WithoutCancel(ctx), bson.D{{Key: "_id", Value: ref}})
		}
	}
}
