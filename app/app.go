// Package app holds YouthVoice's workflows: submitting a response,
// closing surveys, making a release of a survey's summary and exporting
// it, recounting a summary, and the background workers that keep
// summaries up to date and close surveys on time. The HTTP API (package
// api), the command line (cmd/youthvoice) and the console call these, so
// each workflow is written once.
//
// It holds what the workflows need: the store, the clock, the secret of
// the keyed hashes, and the committer and summarizer of this process. It
// knows nothing of HTTP: a workflow's failures are domain errors (errors.go)
// or store failures (store.Unavailable), and the callers map them.
package app

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/youthvoice/youthvoice/store"
)

// Options configure an App.
type Options struct {
	Store *store.Store
	// Now is the clock; tests inject one.
	Now func() time.Time
	// HashKey is the secret for keyed hashes of submission ids and access
	// codes (store.SecretKey).
	HashKey []byte
	Logger  *slog.Logger
	// CommitBatch and CommitWait tune group commit of responses.
	CommitBatch int
	CommitWait  time.Duration
	// Metrics, when set, count the workflows' events (metrics.go).
	Metrics *Metrics
}

// App runs the workflows of one process.
type App struct {
	store      *store.Store
	now        func() time.Time
	hashKey    []byte
	log        *slog.Logger
	faults     func(step string) error // a test's hook (testhooks.go)
	defs       store.Definitions
	summarizer *store.Summarizer
	committer  *store.Committer
	metrics    *Metrics // nil: none
	// unlinksRecorded: the closer has recorded, once, the closes cut
	// short before they were recorded (store.RecordInterruptedUnlinks).
	unlinksRecorded atomic.Bool
}

// New makes an App and starts its committer; Shutdown stops it.
func New(opts Options) *App {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.CommitWait <= 0 {
		opts.CommitWait = 2 * time.Millisecond
	}
	a := &App{store: opts.Store, now: opts.Now, hashKey: opts.HashKey, log: opts.Logger}
	a.defs = opts.Store.StoreDefinitions()
	a.summarizer = opts.Store.NewSummarizer(a.defs, opts.Logger)
	a.committer = opts.Store.NewCommitter(opts.CommitBatch, opts.CommitWait, a.summarizer)
	a.metrics = opts.Metrics
	a.metrics.watch(opts.Store)
	return a
}

// Store is the App's store, for what is not a workflow (reads, lists).
func (a *App) Store() *store.Store { return a.store }

// HashKey is the secret of the keyed hashes.
func (a *App) HashKey() []byte { return a.hashKey }

// Definitions finds the definition of each revision (cached).
func (a *App) Definitions() store.Definitions { return a.defs }

// Shutdown writes the responses still queued for group commit and applies
// every batch to the summaries. Submissions after it fail.
func (a *App) Shutdown(ctx context.Context) {
	a.committer.Close()
	a.summarizer.Flush(context.WithoutCancel(ctx))
}
