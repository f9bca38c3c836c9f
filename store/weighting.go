package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/youthvoice/youthvoice/surveys"
)

// colWeightings holds each survey's weighting margins (docs/statistics.md,
// "Weighting"): one small document per survey, by survey id. The counts
// they weight are in the summary's tally (its cross-classified cells).
const colWeightings = "weightings"

type weightingDoc struct {
	ID      string    `bson:"_id"` // survey id
	Margins string    `bson:"margins"`
	Tag     string    `bson:"tag"`
	At      time.Time `bson:"updated_at"`
}

// Weighting is a survey's stored margins and a tag that changes with
// them (for caches of what they weight).
type Weighting struct {
	Margins   *surveys.Margins
	Tag       string
	UpdatedAt time.Time
}

// Weighting reads a survey's margins; nil when it has none.
func (s *Store) Weighting(ctx context.Context, surveyID string) (*Weighting, error) {
	var d weightingDoc
	err := s.db.Collection(colWeightings).FindOne(ctx, bson.D{{Key: "_id", Value: surveyID}}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, nil
	}
	if err != nil {
		return nil, s.fail("read weighting", err)
	}
	var m surveys.Margins
	if err := fromJSON(d.Margins, &m); err != nil {
		return nil, err
	}
	return &Weighting{Margins: &m, Tag: d.Tag, UpdatedAt: d.At}, nil
}

// SetWeighting stores a survey's margins (validated by the caller),
// replacing any it had.
func (s *Store) SetWeighting(ctx context.Context, surveyID string, m *surveys.Margins) (*Weighting, error) {
	text, err := toJSON(m)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256([]byte(text))
	d := weightingDoc{ID: surveyID, Margins: text, Tag: hex.EncodeToString(sum[:8]), At: s.now().UTC()}
	if _, err := s.col(colWeightings).ReplaceOne(ctx, bson.D{{Key: "_id", Value: surveyID}}, d, options.Replace().SetUpsert(true)); err != nil {
		return nil, s.fail("save weighting", err)
	}
	return &Weighting{Margins: m, Tag: d.Tag, UpdatedAt: d.At}, nil
}

// DeleteWeighting removes a survey's margins; false when it had none.
func (s *Store) DeleteWeighting(ctx context.Context, surveyID string) (bool, error) {
	res, err := s.col(colWeightings).DeleteOne(ctx, bson.D{{Key: "_id", Value: surveyID}})
	if err != nil {
		return false, s.fail("delete weighting", err)
	}
	return res.DeletedCount > 0, nil
}
