package store

import (
	"context"
	"time"

	"github.com/google/uuid"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// The tally queue: the documents that name each committed batch (and
// the keys of its responses) until the summaries count it, and the
// protocol that keeps summaries exact without transactions.

// Summaries are kept incrementally, exactly, without transactions:
//
//  1. Before a batch of responses is inserted, a queue document names the
//     batch and the keys of its responses (tally_queue).
//  2. The responses are inserted carrying the batch id.
//  3. The summarizer tallies the batch (from memory in the process that
//     wrote it; after a crash, any process reads the batch's responses
//     back by key) and applies the delta to each survey's summary document
//     in one conditional update that also records the batch id in the
//     summary, so that it is never applied twice.
//     Just before, the summarizer writes the batch's response page (see
//     pages.go).
//  4. The queue document is deleted. (The summary keeps a batch id only
//     while the batch is still queued, so its list stays short.)
//
// A crash between any two steps leaves a state the next pass completes:
// a queue document whose responses were never inserted applies as an
// empty delta; one whose batch the summary already records is only
// deleted. A queue document is taken over by recovery once it is older
// than queueLease, longer than any insert may take.
const (
	colQueue   = "tally_queue"
	queueLease = 60 * time.Second
)

type queueDoc struct {
	ID        string    `bson:"_id"`
	Keys      []string  `bson:"keys"`
	CreatedAt time.Time `bson:"created_at"`
}

// claimBatches takes over queued batches for this process's recovery, so
// that the processes of one database do not all recover the same batch
// (counting it twice is prevented anyway; the work is not). A claim moves
// the batch's queue time to now, in an update conditional on the time
// read: of several processes, one wins, and the others see the batch as
// young again for a lease. The batches won are returned.
func (s *Store) claimBatches(ctx context.Context, docs []queueDoc) []queueDoc {
	now := s.serverNow(ctx).UTC().Truncate(s.queueStep)
	var won []queueDoc
	for _, q := range docs {
		res, err := s.col(colQueue).UpdateOne(ctx, bson.D{{Key: "_id", Value: q.ID}, {Key: "created_at", Value: q.CreatedAt}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "created_at", Value: now}}}})
		if err == nil && res.MatchedCount == 1 {
			won = append(won, q)
		}
	}
	return won
}

// queuedBatches lists the ids of the batches in the tally queue (a small
// collection: batches leave it once applied).
//
// A plain find: decoding the result of distinct failed now and then on the
// embedded store ("error decoding key arr: unexpected EOF").
func (s *Store) queuedBatches(ctx context.Context) ([]string, error) {
	cur, err := s.db.Collection(colQueue).Find(ctx, bson.D{}, options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, s.fail("read queue", err)
	}
	var docs []struct {
		ID string `bson:"_id"`
	}
	if err := cur.All(ctx, &docs); err != nil {
		return nil, s.fail("read queue", err)
	}
	ids := make([]string, len(docs))
	for i, d := range docs {
		ids[i] = d.ID
	}
	return ids, nil
}

// queuedAmong returns those of ids that are still in the tally queue: one
// query by _id on MongoDB, a lookup each on the embedded store.
func (s *Store) queuedAmong(ctx context.Context, ids []string) ([]string, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	docs, err := findByIDs[struct {
		ID string `bson:"_id"`
	}](ctx, s, colQueue, ids, bson.D{{Key: "_id", Value: 1}})
	if err != nil {
		return nil, s.fail("read queue", err)
	}
	out := make([]string, len(docs))
	for i, d := range docs {
		out[i] = d.ID
	}
	return out, nil
}

// newBatchID names a batch.
func newBatchID() string { return uuid.NewString() }

// QueueLength is how many batches wait in the tally queue: a few while
// submissions arrive; more means summaries lag (a process died, or the
// database refuses the summarizer's writes).
func (s *Store) QueueLength(ctx context.Context) (int64, error) {
	n, err := s.db.Collection(colQueue).CountDocuments(ctx, bson.D{})
	if err != nil {
		return 0, s.fail("count queue", err)
	}
	return n, nil
}
