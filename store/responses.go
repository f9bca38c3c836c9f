package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

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

// Committer writes responses with group commit: concurrent inserts are
// coalesced into one unordered insertMany. Each caller returns only when
// its own document is durable (or failed); a duplicate key fails only that
// document (ErrDuplicate), and a failed batch fails only its callers.
type Committer struct {
	st       *Store
	in       chan *pendingInsert
	maxBatch int
	maxWait  time.Duration
	done     chan struct{}
	closing  sync.Once
	mu       sync.RWMutex
	closed   bool
	sum      *Summarizer
}

type pendingInsert struct {
	resp *surveys.Response
	doc  responseDoc
	errc chan error
}

// ErrClosed: the committer is shut down.
var ErrClosed = errors.New("store: committer closed")

// NewCommitter starts a committer. maxWait is how long the first insert of
// a batch waits for company; maxBatch caps a batch.
//
// Each batch is first named in the tally queue, and once stored it is
// handed to sum, which adds it to the summaries (see summaries.go).
func (s *Store) NewCommitter(maxBatch int, maxWait time.Duration, sum *Summarizer) *Committer {
	if maxBatch <= 0 {
		maxBatch = 500
	}
	c := &Committer{st: s, in: make(chan *pendingInsert, maxBatch*4), maxBatch: maxBatch, maxWait: maxWait, done: make(chan struct{}), sum: sum}
	go c.loop()
	return c
}

// Insert stores a response; it returns ErrDuplicate if its key exists.
func (c *Committer) Insert(ctx context.Context, r *surveys.Response, def *surveys.Definition) error {
	p := &pendingInsert{resp: r, doc: responseToDoc(r, def), errc: make(chan error, 1)}
	c.mu.RLock()
	if c.closed {
		c.mu.RUnlock()
		return ErrClosed
	}
	select {
	case c.in <- p:
		c.mu.RUnlock()
	case <-ctx.Done():
		c.mu.RUnlock()
		return ctx.Err()
	}
	// Once queued, the write happens; wait for it even if the client has
	// gone, so the answer is never half-known.
	return <-p.errc
}

// Close writes everything queued and stops.
func (c *Committer) Close() {
	c.closing.Do(func() {
		c.mu.Lock()
		c.closed = true
		close(c.in)
		c.mu.Unlock()
	})
	<-c.done
}

func (c *Committer) loop() {
	defer close(c.done)
	for first := range c.in {
		batch := []*pendingInsert{first}
		// Take what queued up while the previous batch was written...
	drain:
		for len(batch) < c.maxBatch {
			select {
			case p, ok := <-c.in:
				if !ok {
					break drain
				}
				batch = append(batch, p)
			default:
				break drain
			}
		}
		// ...and wait a moment for company only if that is little.
		if c.maxWait <= 0 || len(batch) >= c.maxBatch/4 {
			c.write(batch)
			continue
		}
		timer := time.NewTimer(c.maxWait)
	collect:
		for len(batch) < c.maxBatch {
			select {
			case p, ok := <-c.in:
				if !ok {
					break collect
				}
				batch = append(batch, p)
			case <-timer.C:
				break collect
			}
		}
		timer.Stop()
		c.write(batch)
	}
}

// write inserts one batch and tells each caller its own outcome.
func (c *Committer) write(batch []*pendingInsert) {
	// One deadline for the whole batch (queue, insert), the store's
	// operation timeout: recovery's lease is longer (NewSummarizer), so a
	// batch is never taken over while its insert may still land.
	ctx, cancel := context.WithTimeout(context.Background(), c.st.timeout)
	defer cancel()
	id := newBatchID()
	// The queue holds the keys of responses for a moment; its time is kept
	// to the minute only (enough for the recovery lease), never to the
	// second, and read from the database server's clock, which every
	// process's recovery compares it with.
	q := queueDoc{ID: id, CreatedAt: c.st.serverNow(ctx).UTC().Truncate(c.st.queueStep)}
	docs := make([]any, len(batch))
	for i, p := range batch {
		p.doc.Batch = batchTag(id, p.doc.ID)
		docs[i] = p.doc
		q.Keys = append(q.Keys, p.doc.ID)
	}
	errs := make([]error, len(batch))
	if _, err := c.st.db.Collection(colQueue).InsertOne(ctx, q); err != nil {
		err = c.st.fail("queue batch", err)
		for i, p := range batch {
			errs[i] = err
			p.errc <- errs[i]
		}
		return
	}
	_, err := c.st.db.Collection(colResponses).InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
	var bwe mongo.BulkWriteException
	switch {
	case err == nil:
	case errors.As(err, &bwe) && bwe.WriteConcernError == nil:
		for _, we := range bwe.WriteErrors {
			if we.Index < 0 || we.Index >= len(batch) {
				continue
			}
			if mongo.IsDuplicateKeyError(we) {
				errs[we.Index] = ErrDuplicate
			} else {
				errs[we.Index] = c.st.fail("insert responses", we)
			}
		}
	default:
		err = c.st.fail("insert responses", err)
		for i := range errs {
			errs[i] = err
		}
	}
	var stored []*surveys.Response
	for i, p := range batch {
		if errs[i] == nil {
			stored = append(stored, p.resp)
		}
	}
	switch {
	case c.sum != nil && len(stored) > 0:
		c.sum.committed(id, stored)
	case !slices.ContainsFunc(errs, func(err error) bool { return err != ErrDuplicate }):
		// Only retries of stored responses: nothing to tally, and nothing
		// for recovery to wait a lease for. (After any other failure the
		// queue document stays: some responses may have been stored.) If
		// this delete fails, recovery deletes it after the lease.
		_, _ = c.st.col(colQueue).DeleteOne(ctx, bson.D{{Key: "_id", Value: id}})
	}
	for i, p := range batch {
		p.errc <- errs[i]
	}
}
