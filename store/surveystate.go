package store

import (
	"context"
	"errors"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/youthvoice/youthvoice/surveys"
)

// SurveyVersion reads only a survey's version, which every save changes.
// A process that caches surveys checks its copy with it where another
// process may have closed or changed the survey meanwhile (a submission on
// a shared database): one small read by _id.
func (s *Store) SurveyVersion(ctx context.Context, id string) (int, error) {
	var d struct {
		Version int `bson:"version"`
	}
	err := s.db.Collection(colSurveys).FindOne(ctx, bson.D{{Key: "_id", Value: id}},
		options.FindOne().SetProjection(bson.D{{Key: "version", Value: 1}})).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return 0, surveys.ErrNotFound
	}
	if err != nil {
		return 0, s.fail("read survey", err)
	}
	return d.Version, nil
}

// SurveyStatus reads only a survey's stored status: one small read by _id
// (a submission with an access code checks it after burning the code).
func (s *Store) SurveyStatus(ctx context.Context, id string) (surveys.Status, error) {
	var d struct {
		Status surveys.Status `bson:"status"`
	}
	err := s.db.Collection(colSurveys).FindOne(ctx, bson.D{{Key: "_id", Value: id}},
		options.FindOne().SetProjection(bson.D{{Key: "status", Value: 1}})).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return "", surveys.ErrNotFound
	}
	if err != nil {
		return "", s.fail("read survey", err)
	}
	return d.Status, nil
}
