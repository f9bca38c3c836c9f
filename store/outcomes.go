package store

import (
	"context"
	"errors"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/youthvoice/youthvoice/surveys"
)

// colOutcomes holds the consultations' outcomes ("you said, we did"), one
// document per consultation under the consultation's id
// (docs/consultations.md): inserted once when the outcome is published,
// then replaced, conditionally on its version, by each appended update.
// Everything is read by _id.
const colOutcomes = "outcomes"

// outcomeDoc is an outcome in the database: the findings, decisions and
// updates are kept as one JSON string (nobody queries inside them).
type outcomeDoc struct {
	ID          string    `bson:"_id"`
	OrgID       string    `bson:"org_id"`
	PublishedAt time.Time `bson:"published_at"`
	UpdatedAt   time.Time `bson:"updated_at"`
	Body        string    `bson:"body"` // JSON of outcomeBody
	Version     int       `bson:"version"`
}

type outcomeBody struct {
	Summary   surveys.Text            `json:"summary,omitempty"`
	Findings  []surveys.Finding       `json:"findings"`
	Decisions []surveys.Decision      `json:"decisions"`
	Updates   []surveys.OutcomeUpdate `json:"updates,omitempty"`
}

func outcomeToDoc(o *surveys.Outcome) (outcomeDoc, error) {
	body, err := toJSON(outcomeBody{Summary: o.Summary, Findings: o.Findings, Decisions: o.Decisions, Updates: o.Updates})
	if err != nil {
		return outcomeDoc{}, err
	}
	return outcomeDoc{ID: o.ConsultationID, OrgID: o.OrgID, PublishedAt: o.PublishedAt.UTC(), UpdatedAt: o.LastAt().UTC(),
		Body: body, Version: o.Version}, nil
}

func outcomeFromDoc(d outcomeDoc) (*surveys.Outcome, error) {
	var b outcomeBody
	if err := fromJSON(d.Body, &b); err != nil {
		return nil, err
	}
	return &surveys.Outcome{ConsultationID: d.ID, OrgID: d.OrgID, PublishedAt: d.PublishedAt, Summary: b.Summary,
		Findings: b.Findings, Decisions: b.Decisions, Updates: b.Updates, Version: d.Version}, nil
}

// CreateOutcome stores a consultation's outcome at version 1. An outcome
// is published once: if the consultation has one already, it returns
// surveys.ErrOutcomePublished (the unique _id decides, so two concurrent
// publications cannot both succeed, on the embedded store too).
func (s *Store) CreateOutcome(ctx context.Context, o *surveys.Outcome) error {
	o.Version = 1
	doc, err := outcomeToDoc(o)
	if err != nil {
		return err
	}
	if _, err := s.db.Collection(colOutcomes).InsertOne(ctx, doc); err != nil {
		if mongo.IsDuplicateKeyError(err) {
			return surveys.ErrOutcomePublished
		}
		return s.fail("create outcome", err)
	}
	return nil
}

// Outcome reads the outcome of a consultation (surveys.ErrNotFound: none
// is published). The caller has checked that the consultation may be read.
func (s *Store) Outcome(ctx context.Context, consultationID string) (*surveys.Outcome, error) {
	var d outcomeDoc
	err := s.db.Collection(colOutcomes).FindOne(ctx, bson.D{{Key: "_id", Value: consultationID}}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, surveys.ErrNotFound
	}
	if err != nil {
		return nil, s.fail("read outcome", err)
	}
	return outcomeFromDoc(d)
}

// Outcomes reads the outcomes of several consultations by _id (the
// caller bounds the list), keyed by consultation id; consultations
// without one are absent.
func (s *Store) Outcomes(ctx context.Context, ids []string) (map[string]*surveys.Outcome, error) {
	out := map[string]*surveys.Outcome{}
	if len(ids) == 0 {
		return out, nil
	}
	cur, err := s.db.Collection(colOutcomes).Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}})
	if err != nil {
		return nil, s.fail("read outcomes", err)
	}
	var docs []outcomeDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, s.fail("read outcomes", err)
	}
	for _, d := range docs {
		o, err := outcomeFromDoc(d)
		if err != nil {
			return nil, err
		}
		out[o.ConsultationID] = o
	}
	return out, nil
}

// SaveOutcome writes an outcome with an appended update if nobody changed
// it since it was read (its Version), else returns surveys.ErrConflict.
// The write goes through s.col, which holds the document's lock on the
// embedded store.
func (s *Store) SaveOutcome(ctx context.Context, o *surveys.Outcome) error {
	read := o.Version
	o.Version++
	doc, err := outcomeToDoc(o)
	if err != nil {
		o.Version = read
		return err
	}
	res, err := s.col(colOutcomes).ReplaceOne(ctx, bson.D{{Key: "_id", Value: o.ConsultationID}, {Key: "version", Value: read}}, doc)
	if err != nil {
		o.Version = read
		return s.fail("save outcome", err)
	}
	if res.MatchedCount == 0 {
		o.Version = read
		if _, err := s.Outcome(ctx, o.ConsultationID); err != nil {
			return err
		}
		return surveys.ErrConflict
	}
	return nil
}
