package store

import (
	"context"
	"time"
)

// QueueBatchAt writes a tally queue document for an empty batch queued at
// the given time, as a process that died long ago leaves one (tests of the
// lag metrics).
func QueueBatchAt(ctx context.Context, s *Store, id string, at time.Time) error {
	_, err := s.db.Collection(colQueue).InsertOne(ctx, queueDoc{ID: id, Keys: []string{}, CreatedAt: at.UTC()})
	return err
}
