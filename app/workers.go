package app

import (
	"context"
	"time"
)

// The background workers of a process: the summarizer applies committed
// batches to the summaries (and recovers what crashes left), the closer
// closes surveys at their closes_at. serve runs both until it stops.

// RecoverAtStart applies what a crash left in the tally queue; serve calls
// it before it starts listening.
func (a *App) RecoverAtStart(ctx context.Context) { a.summarizer.RecoverAtStart(ctx) }

// RunSummarizer keeps summaries up to date until ctx ends.
func (a *App) RunSummarizer(ctx context.Context) { a.summarizer.Run(ctx) }

// Flush applies every batch this process committed so far.
func (a *App) Flush(ctx context.Context) { a.summarizer.Flush(ctx) }

// closeInterval is how often overdue surveys are closed.
const closeInterval = 30 * time.Second

// RunCloser closes open surveys at their closes_at until ctx ends, calling
// closed with each survey it closed. (Reads treat an overdue survey as
// closed at once; this records it.)
func (a *App) RunCloser(ctx context.Context, closed func(surveyID string)) {
	t := time.NewTicker(closeInterval)
	defer t.Stop()
	for {
		for _, id := range a.CloseOverdue(ctx) {
			closed(id)
		}
		a.sweepSessionsNow(ctx) // the console's ended sessions (sessions.go)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Recover applies the queued batches older than the lease: those a
// process that died left (a command catching up before it reads).
func (a *App) Recover(ctx context.Context) { a.summarizer.Recover(ctx) }
