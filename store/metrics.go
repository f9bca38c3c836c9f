package store

import (
	"context"
	"errors"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/youthvoice/youthvoice/surveys"
)

// What an operator's metrics read from the store (app/metrics.go): reads
// only, of counts and times, never of a response.

// SummaryBatchesApplied counts the batches this process's summarizer
// applied to the summaries (its passes and its recoveries): with the
// queue's length, whether summaries keep up.
func (s *Store) SummaryBatchesApplied() int64 { return s.applied.Load() }

// SummaryPassesForced counts the summary passes this process's committer
// ran itself, because its summarizer was behind (Summarizer.committed):
// submissions waited for them.
func (s *Store) SummaryPassesForced() int64 { return s.forcedPasses.Load() }

// OldestQueued is how long the oldest batch in the tally queue has waited
// (0: the queue is empty), by the database server's clock. Queue times
// are rounded down to a step (a minute, Options.QueueTimeStep), so the
// age is over by up to that step: a lag to alert on is minutes long.
func (s *Store) OldestQueued(ctx context.Context) (time.Duration, error) {
	var oldest queueDoc
	// The range that includes every time lets the created_at index serve
	// the sort (a sort alone is a scan to the query check).
	all := bson.D{{Key: "created_at", Value: bson.D{{Key: "$gte", Value: time.Time{}}}}}
	err := s.db.Collection(colQueue).FindOne(ctx, all,
		options.FindOne().SetSort(bson.D{{Key: "created_at", Value: 1}}).SetProjection(bson.D{{Key: "created_at", Value: 1}})).Decode(&oldest)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return 0, nil
	}
	if err != nil {
		return 0, s.fail("read queue", err)
	}
	return max(s.serverNow(ctx).Sub(oldest.CreatedAt), 0), nil
}

// ReleaseBacklog is how the releases of the open surveys stand: how many
// surveys hold responses back from their published figures. It counts
// surveys, never responses.
type ReleaseBacklog struct {
	// Open is how many surveys are open.
	Open int
	// Unreleased: open surveys with responses and no release yet (fewer
	// than k so far): nothing of them is published.
	Unreleased int
	// Behind: open surveys whose release leaves out responses counted
	// since (fewer than k, unless the summarizer lags).
	Behind int
}

// maxBacklogSurveys bounds the open surveys one ReleaseBacklog reads; the
// rest are left out (Open still counts them). A national deployment has
// hundreds open at once.
const maxBacklogSurveys = 10_000

// backlogChunk is how many surveys' summaries one query reads.
const backlogChunk = 500

// ReleaseBacklog reads the counts of the open surveys' summaries (a few
// numbers each: the head's and its parts', as releaseDue does), not their
// tallies.
func (s *Store) ReleaseBacklog(ctx context.Context) (ReleaseBacklog, error) {
	cur, err := s.db.Collection(colSurveys).Find(ctx, bson.D{{Key: "status", Value: string(surveys.Open)}},
		options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return ReleaseBacklog{}, s.fail("list surveys", err)
	}
	var open []struct {
		ID string `bson:"_id"`
	}
	if err := cur.All(ctx, &open); err != nil {
		return ReleaseBacklog{}, s.fail("list surveys", err)
	}
	out := ReleaseBacklog{Open: len(open)}
	ids := make([]string, 0, min(len(open), maxBacklogSurveys))
	for _, o := range open[:min(len(open), maxBacklogSurveys)] {
		ids = append(ids, o.ID)
	}
	for chunk := range slices.Chunk(ids, backlogChunk) {
		if err := s.countBacklog(ctx, chunk, &out); err != nil {
			return ReleaseBacklog{}, err
		}
	}
	return out, nil
}

// countBacklog adds to out the surveys of ids (at most backlogChunk) whose
// release holds responses back. A survey has a head once it had a release
// (or a recount); before, only its parts count its responses.
func (s *Store) countBacklog(ctx context.Context, ids []string, out *ReleaseBacklog) error {
	heads, err := findByIDs[summaryDoc](ctx, s, colSummaries, ids, bson.D{{Key: "n", Value: 1}, {Key: "release_n", Value: 1},
		{Key: "frozen", Value: 1}, {Key: "generation", Value: 1}})
	if err != nil {
		return s.fail("read summaries", err)
	}
	headOf := make(map[string]summaryDoc, len(heads))
	for _, h := range heads {
		headOf[h.ID] = h
	}
	var partIDs []string
	for _, id := range ids {
		partIDs = append(partIDs, s.partIDs(id)...)
	}
	parts, err := findByIDs[partDoc](ctx, s, colParts, partIDs, bson.D{{Key: "n", Value: 1}, {Key: "generation", Value: 1}})
	if err != nil {
		return s.fail("read summaries", err)
	}
	partOf := make(map[string]partDoc, len(parts))
	for _, p := range parts {
		partOf[p.ID] = p
	}
	for _, id := range ids {
		h, exists := headOf[id]
		if h.Frozen || (exists && h.BaseN == nil) {
			continue // closed meanwhile; or stored before counts were kept (converted at its next update)
		}
		n := 0
		if exists {
			n = *h.BaseN
		}
		for _, pid := range s.partIDs(id) {
			if p, ok := partOf[pid]; ok && p.Generation == h.Generation {
				n += p.N
			}
		}
		switch {
		case n > 0 && h.ReleaseN == 0:
			out.Unreleased++
		case n > h.ReleaseN:
			out.Behind++
		}
	}
	return nil
}
