package store

import (
	"context"
	"errors"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/youthvoice/youthvoice/surveys"
)

// Access codes are stored only as keyed hashes. While the survey is open,
// a used code remembers the keyed hash of the submission that used it, so
// that a retry of that submission neither burns a second code nor is
// refused; when the survey closes, that link is removed.
type accessCodeDoc struct {
	ID       string `bson:"_id"` // surveys.AccessCodeKey
	SurveyID string `bson:"survey_id"`
	Used     bool   `bson:"used"`
	UsedBy   string `bson:"used_by,omitempty"`
}

// Errors of burning a code.
var (
	ErrCodeUnknown = errors.New("store: unknown access code")
	ErrCodeUsed    = errors.New("store: access code used")
)

// AddAccessCodes stores the keys of new codes.
func (s *Store) AddAccessCodes(ctx context.Context, surveyID string, keys []string) error {
	docs := make([]any, len(keys))
	for i, k := range keys {
		docs[i] = accessCodeDoc{ID: k, SurveyID: surveyID}
	}
	if _, err := s.db.Collection(colAccessCodes).InsertMany(ctx, docs, options.InsertMany().SetOrdered(false)); err != nil {
		return s.fail("add access codes", err)
	}
	return nil
}

// BurnAccessCode marks a code used by submission (a keyed hash). Burning it
// again for the same submission succeeds, so that a retry goes through; for
// another submission it is ErrCodeUsed.
func (s *Store) BurnAccessCode(ctx context.Context, surveyID, codeKey, submission string) error {
	coll := s.db.Collection(colAccessCodes)
	res, err := coll.UpdateOne(ctx,
		bson.D{{Key: "_id", Value: codeKey}, {Key: "survey_id", Value: surveyID}, {Key: "used", Value: false}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "used", Value: true}, {Key: "used_by", Value: submission}}}})
	if err != nil {
		return s.fail("burn access code", err)
	}
	if res.ModifiedCount == 1 {
		return nil
	}
	var d accessCodeDoc
	err = coll.FindOne(ctx, bson.D{{Key: "_id", Value: codeKey}, {Key: "survey_id", Value: surveyID}}).Decode(&d)
	switch {
	case errors.Is(err, mongo.ErrNoDocuments):
		return ErrCodeUnknown
	case err != nil:
		return s.fail("read access code", err)
	case d.UsedBy == submission:
		return nil // this submission's own retry
	}
	return ErrCodeUsed
}

// UnlinkAccessCodes forgets which submission used each code of a survey
// (done when it closes): afterwards nothing links a code to a response.
func (s *Store) UnlinkAccessCodes(ctx context.Context, surveyID string) error {
	_, err := s.db.Collection(colAccessCodes).UpdateMany(ctx,
		bson.D{{Key: "survey_id", Value: surveyID}, {Key: "used_by", Value: bson.D{{Key: "$exists", Value: true}}}},
		bson.D{{Key: "$unset", Value: bson.D{{Key: "used_by", Value: ""}}}})
	if err != nil {
		return s.fail("unlink access codes", err)
	}
	return nil
}

// AccessCodeCounts counts a survey's codes and how many are used.
func (s *Store) AccessCodeCounts(ctx context.Context, surveyID string) (total, used int64, err error) {
	coll := s.db.Collection(colAccessCodes)
	if total, err = coll.CountDocuments(ctx, bson.D{{Key: "survey_id", Value: surveyID}}); err != nil {
		return 0, 0, s.fail("count access codes", err)
	}
	if used, err = coll.CountDocuments(ctx, bson.D{{Key: "survey_id", Value: surveyID}, {Key: "used", Value: true}}); err != nil {
		return 0, 0, s.fail("count access codes", err)
	}
	return total, used, nil
}

// LinkedClosedSurveys lists surveys that are no longer open but whose
// access codes are still linked to submissions (a close interrupted
// before UnlinkAccessCodes), so that the closer can finish the job.
func (s *Store) LinkedClosedSurveys(ctx context.Context) ([]string, error) {
	var ids []string
	err := s.db.Collection(colAccessCodes).Distinct(ctx, "survey_id",
		bson.D{{Key: "used_by", Value: bson.D{{Key: "$exists", Value: true}}}}).Decode(&ids)
	if err != nil {
		return nil, s.fail("linked access codes", err)
	}
	var out []string
	for _, id := range ids {
		sv, err := s.PublicSurvey(ctx, id)
		if err != nil {
			continue
		}
		if sv.Status == surveys.Closed || sv.Status == surveys.Archived {
			out = append(out, id)
		}
	}
	return out, nil
}
