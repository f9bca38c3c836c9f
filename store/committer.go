package store

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/youthvoice/youthvoice/surveys"
)

// The committer: group commit of responses. Concurrent submissions are
// written together (a tally-queue document naming the batch, then one
// unordered insertMany), each caller learns its own outcome, and each
// stored batch is handed to the summarizer (summarizer.go).

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
// handed to sum, which adds it to the summaries (see summary_queue.go).
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
