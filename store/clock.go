package store

import (
	"context"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// serverClock estimates the database server's clock. Processes on
// different machines compare times only through it (recovery leases), so
// that a machine whose clock is off cannot take over another's work early
// or hold it up: the offset between the server's clock and ours is read
// with the hello command at most once a minute.
type serverClock struct {
	mu       sync.Mutex
	offset   time.Duration
	measured time.Time // our clock, when offset was read; zero: never
}

// serverClockRefresh is how long a measured offset is used.
const serverClockRefresh = time.Minute

// serverNow is the database server's time now, as far as we know it:
// our clock plus the last measured offset. When the offset cannot be
// read (an old server, a failure), our own clock is used and logged by
// nothing: leases are minutes long, and a retry measures again.
func (s *Store) serverNow(ctx context.Context) time.Time {
	now := s.now()
	s.clock.mu.Lock()
	defer s.clock.mu.Unlock()
	if !s.clock.measured.IsZero() && now.Sub(s.clock.measured) < serverClockRefresh && now.After(s.clock.measured) {
		return now.Add(s.clock.offset)
	}
	var hello struct {
		LocalTime time.Time `bson:"localTime"`
	}
	start := s.now()
	err := s.db.RunCommand(ctx, bson.D{{Key: "hello", Value: 1}}).Decode(&hello)
	end := s.now()
	if err != nil || hello.LocalTime.IsZero() {
		return now.Add(s.clock.offset)
	}
	// The server read its clock about half-way through the round trip.
	mid := start.Add(end.Sub(start) / 2)
	s.clock.offset = hello.LocalTime.Sub(mid)
	s.clock.measured = end
	return end.Add(s.clock.offset)
}
