package store

import (
	"context"
	"log/slog"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/youthvoice/youthvoice/surveys"
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

// SetCopyLease changes the lease of copy claims until restore is called.
func SetCopyLease(d time.Duration) (restore func()) {
	old := copyLease
	copyLease = d
	return func() { copyLease = old }
}

// ClaimCopyAs stores a claim to copy responses into pages for owner, as a
// process that then died would have left it.
func (s *Store) ClaimCopyAs(ctx context.Context, owner string) error {
	_, err := s.db.Collection(colSettings).InsertOne(ctx, bson.D{{Key: "_id", Value: pagesCopying}, {Key: "owner", Value: owner}, {Key: "renewals", Value: 7}})
	return err
}

// StripRecordKeys rewrites a survey's summary as it was stored before
// perturbation: tallies without record-key sums, and no note that the
// upgrade ran, and the whole tally in the summary's head, since parts did
// not exist either (tests of the upgrade).
func (s *Store) StripRecordKeys(ctx context.Context, surveyID string) error {
	h, err := s.readSummary(ctx, surveyID)
	if err != nil {
		return err
	}
	d := h.doc
	if _, err := s.db.Collection(colParts).DeleteMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: partIDs(surveyID)}}}}); err != nil {
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
