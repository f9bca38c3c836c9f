package store

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// ForgetPages makes the store act as if its responses were stored before
// pages existed (tests of the copy).
func (s *Store) ForgetPages(ctx context.Context) error {
	if _, err := s.db.Collection(colSettings).DeleteOne(ctx, bson.D{{Key: "_id", Value: pagesReady}}); err != nil {
		return err
	}
	_, err := s.db.Collection(colPages).DeleteMany(ctx, bson.D{})
	return err
}

// EnsurePages runs the copy of responses into pages.
func (s *Store) EnsurePages(ctx context.Context) error { return s.ensurePages(ctx) }

// DropPages deletes a survey's pages, as a lost write would (tests of the
// rebuild).
func (s *Store) DropPages(ctx context.Context, surveyID string) error {
	_, err := s.db.Collection(colPages).DeleteMany(ctx, bson.D{{Key: "survey_id", Value: surveyID}})
	return err
}
