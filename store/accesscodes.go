package store

import (
	"context"
	"errors"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/youthvoice/youthvoice/surveys"
)

// Access codes are stored only as keyed hashes. A code is a document
// whose _id is its key; using it inserts a second document, "used:" + key,
// which holds (while the survey is open) the keyed hash of the submission
// that used it, so that a retry of that submission neither burns a second
// code nor is refused; when the survey closes, that link is removed.
// Every step is a lookup or an insert by _id, the one filter the embedded
// FerretDB does not answer by scanning, and the unique _id makes burning
// atomic.
type accessCodeDoc struct {
	ID       string `bson:"_id"` // surveys.AccessCodeKey, or "used:" + that key
	SurveyID string `bson:"survey_id"`
	Used     bool   `bson:"used,omitempty"`
	UsedBy   string `bson:"used_by,omitempty"`
}

const usedPrefix = "used:"

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
	var code accessCodeDoc
	err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: codeKey}}).Decode(&code)
	switch {
	case errors.Is(err, mongo.ErrNoDocuments) || (err == nil && code.SurveyID != surveyID):
		return ErrCodeUnknown
	case err != nil:
		return s.fail("read access code", err)
	}
	_, err = coll.InsertOne(ctx, accessCodeDoc{ID: usedPrefix + codeKey, SurveyID: surveyID, Used: true, UsedBy: submission})
	if err == nil {
		return nil
	}
	if !mongo.IsDuplicateKeyError(err) {
		return s.fail("burn access code", err)
	}
	var used accessCodeDoc
	if err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: usedPrefix + codeKey}}).Decode(&used); err != nil {
		return s.fail("read access code", err)
	}
	if used.UsedBy == submission {
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
	all, err := coll.CountDocuments(ctx, bson.D{{Key: "survey_id", Value: surveyID}})
	if err != nil {
		return 0, 0, s.fail("count access codes", err)
	}
	if used, err = coll.CountDocuments(ctx, bson.D{{Key: "survey_id", Value: surveyID}, {Key: "used", Value: true}}); err != nil {
		return 0, 0, s.fail("count access codes", err)
	}
	return all - used, used, nil
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
