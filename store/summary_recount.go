package store

import (
	"context"
	"fmt"
	"sync"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/youthvoice/youthvoice/surveys"
)

// Tallying a survey's stored responses afresh: the definition of each
// revision they answered (Definitions), a recount (Recount) and the scan
// of the responses collection it reads (EachStoredResponse).

// Definitions finds the definition of each revision a survey's responses
// answered.
type Definitions func(ctx context.Context, surveyID string, revision int) (*surveys.Definition, int, error)

// StoreDefinitions reads revisions from the store, once each (published
// revisions never change). The threshold k is the revision's.
func (s *Store) StoreDefinitions() Definitions {
	var mu sync.Mutex
	cache := map[string]*surveys.Definition{}
	return func(ctx context.Context, surveyID string, revision int) (*surveys.Definition, int, error) {
		key := fmt.Sprint(surveyID, "/", revision)
		mu.Lock()
		def, ok := cache[key]
		mu.Unlock()
		if !ok {
			sv, err := s.PublicSurvey(ctx, surveyID)
			if err != nil {
				return nil, 0, err
			}
			rev, err := s.Revision(ctx, sv, revision)
			if err != nil {
				return nil, 0, err
			}
			def = &rev.Definition
			mu.Lock()
			if len(cache) > 10000 {
				clear(cache)
			}
			cache[key] = def
			mu.Unlock()
		}
		return def, def.Threshold(), nil
	}
}

// Recount tallies every stored response of a survey afresh.
func (s *Store) Recount(ctx context.Context, surveyID string, defs Definitions) (*surveys.Tally, error) {
	t := surveys.NewTally()
	err := s.EachStoredResponse(ctx, surveyID, func(r *surveys.Response) error {
		def, _, err := defs(ctx, surveyID, r.Revision)
		if err != nil {
			return err
		}
		t.Add(def, r)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

// EachStoredResponse calls fn with every response of a survey in the
// responses collection (the source of truth; Responses reads the pages),
// stopping at fn's first error.
func (s *Store) EachStoredResponse(ctx context.Context, surveyID string, fn func(*surveys.Response) error) error {
	cur, err := s.db.Collection(colResponses).Find(ctx, bson.D{{Key: "survey_id", Value: surveyID}}, options.Find().SetBatchSize(1000))
	if err != nil {
		return s.fail("read responses", err)
	}
	defer cur.Close(ctx)
	for cur.Next(ctx) {
		var d responseDoc
		if err := cur.Decode(&d); err != nil {
			return s.fail("read responses", err)
		}
		r, err := responseFromDoc(d)
		if err != nil {
			return err
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	if err := cur.Err(); err != nil {
		return s.fail("read responses", err)
	}
	return nil
}
