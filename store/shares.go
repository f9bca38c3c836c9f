package store

import (
	"context"
	"errors"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/youthvoice/youthvoice/surveys"
)

const colShares = "shares"

// Share lets another organisation (a ministry, say) read and export a
// survey's summaries, and nothing else.
type Share struct {
	ID         string    `bson:"_id"` // survey id + "/" + org id
	SurveyID   string    `bson:"survey_id"`
	OwnerOrg   string    `bson:"owner_org"`
	SharedWith string    `bson:"shared_with"`
	CreatedAt  time.Time `bson:"created_at"`
}

// AddShare shares a survey with an organisation (idempotent).
func (s *Store) AddShare(ctx context.Context, sh Share) error {
	sh.ID = sh.SurveyID + "/" + sh.SharedWith
	_, err := s.col(colShares).ReplaceOne(ctx, bson.D{{Key: "_id", Value: sh.ID}}, sh, options.Replace().SetUpsert(true))
	if err != nil {
		return s.fail("add share", err)
	}
	return nil
}

// RemoveShare stops sharing; it takes effect at the next request.
func (s *Store) RemoveShare(ctx context.Context, surveyID, orgID string) error {
	res, err := s.col(colShares).DeleteOne(ctx, bson.D{{Key: "_id", Value: surveyID + "/" + orgID}})
	if err != nil {
		return s.fail("remove share", err)
	}
	if res.DeletedCount == 0 {
		return surveys.ErrNotFound
	}
	return nil
}

// SharedWith reports whether a survey is shared with an organisation.
func (s *Store) SharedWith(ctx context.Context, surveyID, orgID string) (bool, error) {
	err := s.db.Collection(colShares).FindOne(ctx, bson.D{{Key: "_id", Value: surveyID + "/" + orgID}}).Err()
	if errors.Is(err, mongo.ErrNoDocuments) {
		return false, nil
	}
	if err != nil {
		return false, s.fail("read share", err)
	}
	return true, nil
}

// Shares lists the shares of a survey, or (surveyID empty) those with an
// organisation.
func (s *Store) Shares(ctx context.Context, surveyID, sharedWith string) ([]Share, error) {
	filter := bson.D{{Key: "survey_id", Value: surveyID}}
	if surveyID == "" {
		filter = bson.D{{Key: "shared_with", Value: sharedWith}}
	}
	cur, err := s.db.Collection(colShares).Find(ctx, filter, options.Find().SetSort(bson.D{{Key: "created_at", Value: 1}}))
	if err != nil {
		return nil, s.fail("list shares", err)
	}
	var out []Share
	if err := cur.All(ctx, &out); err != nil {
		return nil, s.fail("list shares", err)
	}
	return out, nil
}
