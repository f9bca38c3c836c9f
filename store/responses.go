package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/youthvoice/youthvoice/surveys"
)

// ErrDuplicate: a response with this key is stored already.
var ErrDuplicate = errors.New("store: duplicate response")

// responseDoc is a stored response. It holds exactly what
// surveys.Response holds: no address, agent, header, device, time of day
// or access code.
//
// The answers are one JSON string rather than nested documents: the
// embedded FerretDB spends most of an insert converting fields (measured:
// 500 responses of 20 answers took 1.1 s nested, 67 ms as a string), and
// nothing queries inside answers in the database: tallies and exports
// decode them in Go.
type responseDoc struct {
	ID       string `bson:"_id"` // keyed hash of the submission id
	SurveyID string `bson:"survey_id"`
	Revision int    `bson:"revision"`
	Lang     string `bson:"lang"`
	Day      string `bson:"day"`
	Answers  string `bson:"answers"` // JSON: question id -> answerDoc
	Digest   string `bson:"digest"`
	// Batch ties the response to the group commit that wrote it, for
	// tallying it exactly once after a crash: a hash of the batch id and
	// the response's own key, so that responses of one batch share no
	// value once the batch id is forgotten (when the batch is tallied).
	Batch string `bson:"batch"`
}

// batchTag is what a response of batch id stores as its Batch.
func batchTag(id, key string) string {
	sum := sha256.Sum256([]byte(id + "\x00" + key))
	return base64.RawURLEncoding.EncodeToString(sum[:16])
}

type answerDoc struct {
	Choice   string         `json:"choice,omitempty"`
	Choices  []string       `json:"choices,omitempty"`
	Other    string         `json:"other,omitempty"`
	Point    int            `json:"point,omitempty"`
	DontKnow bool           `json:"dont_know,omitempty"`
	Number   *float64       `json:"number,omitempty"`
	Text     string         `json:"text,omitempty"`
	Order    []string       `json:"order,omitempty"`
	Rows     map[string]int `json:"rows,omitempty"`
	Removed  int            `json:"removed,omitempty"`
}

func responseToDoc(r *surveys.Response, def *surveys.Definition) responseDoc {
	answers := make(map[string]answerDoc, len(r.Answers))
	for id, a := range r.Answers {
		ad := answerDoc{Choice: a.Choice, Choices: a.Choices, Other: a.Other, Point: a.Point, DontKnow: a.DontKnow,
			Text: a.Text, Order: a.Order, Rows: a.Rows, Removed: a.Removed}
		if q := def.Question(id); q != nil && q.Type == surveys.Number {
			n := a.Number
			ad.Number = &n
		}
		answers[id] = ad
	}
	j, _ := json.Marshal(answers) // plain strings, numbers and maps: cannot fail
	return responseDoc{ID: r.Key, SurveyID: r.SurveyID, Revision: r.Revision, Lang: r.Lang, Day: r.Day, Digest: r.Digest, Answers: string(j)}
}

func responseFromDoc(d responseDoc) (*surveys.Response, error) {
	var answers map[string]answerDoc
	if err := json.Unmarshal([]byte(d.Answers), &answers); err != nil {
		return nil, fmt.Errorf("store: response %s: %w", d.ID, err)
	}
	r := &surveys.Response{Key: d.ID, SurveyID: d.SurveyID, Revision: d.Revision, Lang: d.Lang, Day: d.Day, Digest: d.Digest,
		Answers: make(surveys.Answers, len(answers))}
	for id, a := range answers {
		sa := surveys.Answer{Choice: a.Choice, Choices: a.Choices, Other: a.Other, Point: a.Point, DontKnow: a.DontKnow,
			Text: a.Text, Order: a.Order, Rows: a.Rows, Removed: a.Removed}
		if a.Number != nil {
			sa.Number = *a.Number
		}
		r.Answers[id] = sa
	}
	return r, nil
}

// Response reads a stored response by its key.
func (s *Store) Response(ctx context.Context, key string) (*surveys.Response, error) {
	var d responseDoc
	err := s.db.Collection(colResponses).FindOne(ctx, bson.D{{Key: "_id", Value: key}}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, surveys.ErrNotFound
	}
	if err != nil {
		return nil, s.fail("read response", err)
	}
	return responseFromDoc(d)
}

// CountResponses counts the stored responses of a survey.
func (s *Store) CountResponses(ctx context.Context, surveyID string) (int64, error) {
	n, err := s.db.Collection(colResponses).CountDocuments(ctx, bson.D{{Key: "survey_id", Value: surveyID}})
	if err != nil {
		return 0, s.fail("count responses", err)
	}
	return n, nil
}

// InsertResponse stores one response with one insertOne. The server uses
// the Committer instead; this is the baseline the load program compares
// it with.
func (s *Store) InsertResponse(ctx context.Context, r *surveys.Response, def *surveys.Definition) error {
	_, err := s.db.Collection(colResponses).InsertOne(ctx, responseToDoc(r, def))
	if mongo.IsDuplicateKeyError(err) {
		return ErrDuplicate
	}
	if err != nil {
		return s.fail("insert response", err)
	}
	return nil
}

// SecretKey returns the server's secret for keyed hashes (submission ids,
// access codes), creating it once. Several processes agree on it: the
// first insert wins and the others read it.
func (s *Store) SecretKey(ctx context.Context) ([]byte, error) {
	coll := s.db.Collection(colSettings)
	var doc struct {
		Key []byte `bson:"key"`
	}
	err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: "hash_key"}}).Decode(&doc)
	if err == nil {
		return doc.Key, nil
	}
	if !errors.Is(err, mongo.ErrNoDocuments) {
		return nil, s.fail("read hash key", err)
	}
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	_, err = coll.InsertOne(ctx, bson.D{{Key: "_id", Value: "hash_key"}, {Key: "key", Value: key}})
	if err != nil && !mongo.IsDuplicateKeyError(err) {
		return nil, s.fail("create hash key", err)
	}
	if err != nil {
		return s.SecretKey(ctx)
	}
	return key, nil
}
