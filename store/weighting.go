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
	ID      string    `bson:"_id"`     // survey id
	Margins string    `bson:"margins"` // "" once removed (the served ones stay)
	Tag     string    `bson:"tag"`
	At      time.Time `bson:"updated_at"`
	// The release last weighted (its number of responses) and the margins
	// it was weighted with (ServedWeighting).
	ServedRelease int    `bson:"served_release"`
	ServedMargins string `bson:"served_margins,omitempty"`
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
	d, err := s.weightingDoc(ctx, surveyID)
	if err != nil || d == nil || d.Margins == "" {
		return nil, err
	}
	return weightingOf(d.Margins, d.At)
}

func (s *Store) weightingDoc(ctx context.Context, surveyID string) (*weightingDoc, error) {
	var d weightingDoc
	err := s.db.Collection(colWeightings).FindOne(ctx, bson.D{{Key: "_id", Value: surveyID}}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, nil
	}
	if err != nil {
		return nil, s.fail("read weighting", err)
	}
	return &d, nil
}

func weightingOf(text string, at time.Time) (*Weighting, error) {
	var m surveys.Margins
	if err := fromJSON(text, &m); err != nil {
		return nil, err
	}
	return &Weighting{Margins: &m, Tag: tagOf(text), UpdatedAt: at}, nil
}

func tagOf(text string) string {
	sum := sha256.Sum256([]byte(text))
	return hex.EncodeToString(sum[:8])
}

// ReleaseWeighting is the margins a release (its number of responses) is
// weighted with: the ones it was first published weighted with, whatever
// the margins became since, so that every release is published under one
// set of totals only (the noise of the weighted figures is drawn afresh
// for other margins, and several draws of one release would average
// away: docs/statistics.md, section 7); the current ones if it was never
// published weighted, to be recorded as its own by MarkWeighted once
// figures were made with them (a weighting that fails records nothing).
type ReleaseWeighting struct {
	*Weighting
	// Served: these are the margins the release was published with.
	// Newer: the current margins differ from them.
	Served, Newer bool
	text          string // the margins' JSON
	servedRelease int    // the release recorded when read
}

// WeightingOfRelease reads the margins release is weighted with; nil
// when the survey has no margins now (removing them withdraws the
// weighted figures).
func (s *Store) WeightingOfRelease(ctx context.Context, surveyID string, release int) (*ReleaseWeighting, error) {
	d, err := s.weightingDoc(ctx, surveyID)
	if err != nil || d == nil || d.Margins == "" {
		return nil, err
	}
	text := d.Margins
	rw := &ReleaseWeighting{servedRelease: d.ServedRelease}
	if d.ServedRelease == release && d.ServedMargins != "" {
		text, rw.Served, rw.Newer = d.ServedMargins, true, d.ServedMargins != d.Margins
	}
	rw.text = text
	if rw.Weighting, err = weightingOf(text, d.At); err != nil {
		return nil, err
	}
	return rw, nil
}

// MarkWeighted records rw's margins as those release was published with,
// unless another request recorded some first or the margins changed
// since rw was read (false: read again with WeightingOfRelease).
func (s *Store) MarkWeighted(ctx context.Context, surveyID string, release int, rw *ReleaseWeighting) (bool, error) {
	if rw.Served {
		return true, nil
	}
	res, err := s.col(colWeightings).UpdateOne(ctx,
		bson.D{{Key: "_id", Value: surveyID}, {Key: "served_release", Value: rw.servedRelease}, {Key: "margins", Value: rw.text}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "served_release", Value: release}, {Key: "served_margins", Value: rw.text}}}})
	if err != nil {
		return false, s.fail("save weighting", err)
	}
	return res.MatchedCount == 1, nil
}

// SetWeighting stores a survey's margins (validated by the caller),
// replacing any it had.
func (s *Store) SetWeighting(ctx context.Context, surveyID string, m *surveys.Margins) (*Weighting, error) {
	text, err := toJSON(m)
	if err != nil {
		return nil, err
	}
	at := s.now().UTC()
	// An update, not a replacement: what was served stays (ServedWeighting).
	_, err = s.col(colWeightings).UpdateOne(ctx, bson.D{{Key: "_id", Value: surveyID}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "margins", Value: text}, {Key: "tag", Value: tagOf(text)}, {Key: "updated_at", Value: at}}},
			{Key: "$setOnInsert", Value: bson.D{{Key: "served_release", Value: 0}}}},
		options.UpdateOne().SetUpsert(true))
	if err != nil {
		return nil, s.fail("save weighting", err)
	}
	return &Weighting{Margins: m, Tag: tagOf(text), UpdatedAt: at}, nil
}

// DeleteWeighting removes a survey's margins (the record of what its last
// weighted release was served with stays, so that margins given again do
// not re-weight it); false when it had none.
func (s *Store) DeleteWeighting(ctx context.Context, surveyID string) (bool, error) {
	res, err := s.col(colWeightings).UpdateOne(ctx, bson.D{{Key: "_id", Value: surveyID}, {Key: "margins", Value: bson.D{{Key: "$ne", Value: ""}}}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "margins", Value: ""}, {Key: "tag", Value: ""}, {Key: "updated_at", Value: s.now().UTC()}}}})
	if err != nil {
		return false, s.fail("delete weighting", err)
	}
	return res.MatchedCount > 0, nil
}
