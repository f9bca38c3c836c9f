package store

import (
	"context"
	"errors"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/youthvoice/youthvoice/internal/testhooks"
	"github.com/youthvoice/youthvoice/surveys"
)

// The summarizer: the worker of a process that applies the batches its
// committer stored to the summaries (Pass, Run, Flush), takes over the
// batches that crashed processes left queued (Recover, claims), and
// upgrades summaries made before record keys at start-up.

// Summarizer keeps summaries up to date.
type Summarizer struct {
	st   *Store
	defs Definitions
	log  *slog.Logger

	mu      sync.Mutex // guards pending and pendingResponses
	pending []committedBatch
	// pendingResponses counts the responses in pending, which never holds
	// more than maxPending (see committed).
	pendingResponses int
	maxPending       int
	wake             chan struct{}
	// work is held by a pass or a recovery: one at a time, so that a batch
	// is never applied by both.
	work sync.Mutex
	// faults, when set, is called between the steps of applying a batch;
	// an error stops there, as a crash would. Only tests set it (through
	// export_test.go here, internal/testhooks from other packages).
	faults func(step string) error
	// Lease is how old a queued batch must be before recovery takes it
	// over from the process that wrote it.
	Lease time.Duration
}

type committedBatch struct {
	id        string
	responses []*surveys.Response
	failures  int // passes that failed with it
}

// maxPendingResponses bounds the responses a summarizer holds in memory
// for its next pass (about 40 MB of responses of the examples' size), and
// one batch more (see committed).
const maxPendingResponses = 20_000

// maxPassFailures is how many failed passes a batch stays in memory for;
// then it is left to recovery, so that one batch that cannot be applied
// does not hold up the others.
const maxPassFailures = 3

// NewSummarizer makes a summarizer; Run starts it.
func (s *Store) NewSummarizer(defs Definitions, log *slog.Logger) *Summarizer {
	// The lease outlasts any batch write (one operation timeout), twice.
	return &Summarizer{st: s, defs: defs, log: log, wake: make(chan struct{}, 1), Lease: max(queueLease, 2*s.timeout), maxPending: maxPendingResponses}
}

// Tests of other packages reach a summarizer's hooks through
// internal/testhooks (see there): its fault hook, and recovery with a
// lease of their choosing (the tests that play crashes).
func init() {
	testhooks.SetSummaryFaults = func(sm any, hook func(step string) error) { sm.(*Summarizer).faults = hook }
	testhooks.RecoverSummaries = func(ctx context.Context, sm any, lease time.Duration) {
		sm.(*Summarizer).recover(ctx, lease)
	}
}

// committed is called by the committer when a batch is stored. When the
// passes fall behind (a slow database, a burst) and maxPending responses
// already wait for the next one, the committer runs that pass itself
// before it takes the batch: it stops taking submissions meanwhile, so
// they wait (their requests are slower, never refused for it), memory
// stays bounded, and every acknowledged response is in this process's
// summaries by its next flush, as a close's frozen release and an export
// need. (Leaving such batches to recovery instead kept them out of a
// release frozen at the close.)
func (sm *Summarizer) committed(id string, responses []*surveys.Response) {
	sm.mu.Lock()
	behind := sm.pendingResponses > 0 && sm.pendingResponses+len(responses) > sm.maxPending
	sm.mu.Unlock()
	if behind {
		n := sm.st.forcedPasses.Add(1)
		if n == 1 || n%100 == 0 {
			sm.log.Warn("summaries are behind: the committer waits for a summary pass", "forced passes", n, "pending responses", sm.maxPending)
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		sm.Pass(ctx)
		cancel()
	}
	sm.mu.Lock()
	sm.pending = append(sm.pending, committedBatch{id: id, responses: responses})
	sm.pendingResponses += len(responses)
	sm.mu.Unlock()
	select {
	case sm.wake <- struct{}{}:
	default:
	}
}

// Run applies committed batches as they come (within a few hundred
// milliseconds), and every few seconds takes over batches left by a crash,
// until ctx ends.
func (sm *Summarizer) Run(ctx context.Context) {
	recovery := time.NewTicker(5 * time.Second)
	defer recovery.Stop()
	// The end of ctx stops the loop, never a pass half-way (a pass cut
	// short at shutdown would leave its batches to recovery at the next
	// start instead of to the final Flush); a pass gets a minute.
	work := func(f func(context.Context)) {
		wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		f(wctx)
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-sm.wake:
			time.Sleep(100 * time.Millisecond) // let a few batches gather
			work(sm.Pass)
		case <-recovery.C:
			work(sm.Recover)
		}
	}
}

// Pass applies the batches committed in this process so far.
func (sm *Summarizer) Pass(ctx context.Context) {
	sm.work.Lock()
	defer sm.work.Unlock()
	sm.mu.Lock()
	batches := sm.pending
	sm.pending, sm.pendingResponses = nil, 0
	sm.mu.Unlock()
	if len(batches) == 0 {
		return
	}
	err := sm.apply(ctx, batches)
	if err == nil {
		return
	}
	sm.log.Warn("applying batches to summaries", "batches", len(batches), "error", err.Error())
	var crash injectedCrash
	if errors.As(err, &crash) {
		return // a crash forgets them: recovery applies them from the queue
	}
	// The next pass (or the flush at shutdown) tries them again; applying
	// a batch again is harmless (see apply).
	var retry []committedBatch
	kept := 0
	for _, b := range batches {
		if b.failures++; b.failures < maxPassFailures {
			retry = append(retry, b)
			kept += len(b.responses)
		}
	}
	sm.mu.Lock()
	sm.pending = append(retry, sm.pending...)
	sm.pendingResponses += kept
	sm.mu.Unlock()
	if len(retry) > 0 {
		time.AfterFunc(time.Second, func() { // try again even if nothing new comes
			select {
			case sm.wake <- struct{}{}:
			default:
			}
		})
	}
}

// injectedCrash is an error of a test's fault hook (faults): it stands
// for the process dying at that step.
type injectedCrash struct{ error }

func (c injectedCrash) Unwrap() error { return c.error }

// Flush waits until every batch committed so far in this process is in
// the summaries.
func (sm *Summarizer) Flush(ctx context.Context) { sm.Pass(ctx) }

// RecoverAtStart applies, before the server answers, what a crash left
// queued: at once on the embedded store, which belongs to this process
// alone; on MongoDB, where other processes may be writing, only batches
// older than the lease.
func (sm *Summarizer) RecoverAtStart(ctx context.Context) {
	if err := sm.upgradeTallies(ctx); err != nil && ctx.Err() == nil {
		sm.log.Error("recounting summaries made before perturbation", "error", err.Error())
	}
	if sm.st.Embedded() {
		sm.recover(ctx, 0)
		return
	}
	sm.Recover(ctx)
}

// upgradeTallies recounts every summary whose tally was made before
// perturbation, without record keys (Tally.HasKeys), from the stored
// responses; its release is then made afresh. It runs before the server
// answers (every process of a database is stopped for an upgrade,
// docs/ARCHITECTURE.md), so no submission is in flight.
func (sm *Summarizer) upgradeTallies(ctx context.Context) error {
	sm.work.Lock()
	defer sm.work.Unlock()
	settings := sm.st.db.Collection(colSettings)
	err := settings.FindOne(ctx, bson.D{{Key: "_id", Value: recordKeysReady}}).Err()
	if err == nil {
		return nil // done at an earlier start: no summary to read again
	}
	if !errors.Is(err, mongo.ErrNoDocuments) {
		return sm.st.fail("read settings", err)
	}
	cur, err := sm.st.db.Collection(colSummaries).Find(ctx, bson.D{},
		options.Find().SetProjection(bson.D{{Key: "tally_z", Value: 1}, {Key: "tally", Value: 1}}))
	if err != nil {
		return sm.st.fail("read summaries", err)
	}
	var docs []summaryDoc
	if err := cur.All(ctx, &docs); err != nil {
		return sm.st.fail("read summaries", err)
	}
	for _, d := range docs {
		t, err := d.tally()
		if err != nil {
			return err
		}
		if t.HasKeys() {
			continue
		}
		sv, err := sm.st.PublicSurvey(ctx, d.ID)
		if errors.Is(err, surveys.ErrNotFound) {
			continue // deleted
		}
		if err != nil {
			return err
		}
		fresh, err := sm.st.Recount(ctx, d.ID, sm.defs)
		if err != nil {
			return err
		}
		if err := sm.st.ReplaceSummary(ctx, d.ID, fresh, sv.Draft.Threshold(), false); err != nil {
			return err
		}
		sm.log.Info("summary recounted with record keys", "survey", d.ID, "responses", fresh.Responses)
	}
	if _, err := settings.InsertOne(ctx, bson.D{{Key: "_id", Value: recordKeysReady}}); err != nil && !mongo.IsDuplicateKeyError(err) {
		return sm.st.fail("write settings", err)
	}
	return nil
}

// recordKeysReady is the settings document saying that every summary's
// tally carries record keys (upgradeTallies has run): later starts need
// not read every summary to find out.
const recordKeysReady = "summaries_record_keys"

// Recover applies batches whose queue documents are older than the lease:
// left by a process that died between the steps.
func (sm *Summarizer) Recover(ctx context.Context) { sm.recover(ctx, sm.Lease) }

func (sm *Summarizer) recover(ctx context.Context, lease time.Duration) {
	sm.work.Lock()
	defer sm.work.Unlock()
	filter := bson.D{} // lease 0: everything queued
	if lease > 0 {
		// Queue times are rounded down to a step (a minute) and come from the database
		// server's clock (never this machine's, which may be off): older
		// than the lease for sure.
		cutoff := sm.st.serverNow(ctx).UTC().Add(-lease - sm.st.queueStep)
		filter = bson.D{{Key: "created_at", Value: bson.D{{Key: "$lte", Value: cutoff}}}}
	}
	cur, err := sm.st.db.Collection(colQueue).Find(ctx, filter, options.Find().SetLimit(maxRecoveredBatches))
	if err != nil {
		if ctx.Err() == nil {
			sm.log.Warn("reading the tally queue", "error", err.Error())
		}
		return
	}
	var queued []queueDoc
	if err := cur.All(ctx, &queued); err != nil {
		return
	}
	// Batches this process holds in memory are applied by Pass, never here:
	// applying one twice would count it twice.
	sm.mu.Lock()
	var docs []queueDoc
	for _, q := range queued {
		if !slices.ContainsFunc(sm.pending, func(b committedBatch) bool { return b.id == q.ID }) {
			docs = append(docs, q)
		}
	}
	sm.mu.Unlock()
	if lease > 0 {
		docs = sm.st.claimBatches(ctx, docs)
	}
	if len(docs) == 0 {
		return
	}
	if err := sm.recoverBatches(ctx, docs); err != nil {
		if ctx.Err() == nil {
			sm.log.Warn("recovering batches", "error", err.Error())
		}
		return
	}
	sm.log.Warn("recovered batches left by a crash", "batches", len(docs))
}

// maxRecoveredBatches bounds one recovery's work; the next takes the rest.
const maxRecoveredBatches = 100

// recoverBatches reads queued batches' responses back by key (one query a
// batch on MongoDB) and applies them.
func (sm *Summarizer) recoverBatches(ctx context.Context, docs []queueDoc) error {
	var batches []committedBatch
	for _, q := range docs {
		b := committedBatch{id: q.ID}
		if len(q.Keys) > 0 {
			found, err := findByIDs[responseDoc](ctx, sm.st, colResponses, q.Keys, nil)
			if err != nil {
				return sm.st.fail("read responses", err)
			}
			// Keys never inserted are simply not found.
			for _, d := range found {
				if d.Batch != batchTag(q.ID, d.ID) {
					continue // a retry of a response stored by an earlier batch
				}
				r, err := responseFromDoc(d)
				if err != nil {
					return err
				}
				b.responses = append(b.responses, r)
			}
		}
		batches = append(batches, b)
	}
	// One at a time, so that a batch that cannot be applied does not hold
	// up the others (recovery is rare; the extra writes do not matter).
	var errs []error
	for _, b := range batches {
		if err := sm.apply(ctx, []committedBatch{b}); err != nil {
			var crash injectedCrash
			if errors.As(err, &crash) {
				return err // a crash stops everything
			}
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (sm *Summarizer) fault(step string) error {
	if sm.faults == nil {
		return nil
	}
	if err := sm.faults(step); err != nil {
		return injectedCrash{err}
	}
	return nil
}

// apply tallies batches per survey and batch, applies each survey's
// deltas, then deletes the queue documents.
func (sm *Summarizer) apply(ctx context.Context, batches []committedBatch) error {
	type work struct {
		deltas map[string]*surveys.Tally // batch id -> its delta
		k      int
	}
	if err := sm.fault("tallying"); err != nil {
		return err
	}
	perSurvey := map[string]*work{}
	var ids []string
	for _, b := range batches {
		ids = append(ids, b.id)
		for _, r := range b.responses {
			def, k, err := sm.defs(ctx, r.SurveyID, r.Revision)
			if err != nil {
				return err
			}
			w := perSurvey[r.SurveyID]
			if w == nil {
				w = &work{deltas: map[string]*surveys.Tally{}, k: k}
				perSurvey[r.SurveyID] = w
			}
			if w.deltas[b.id] == nil {
				w.deltas[b.id] = surveys.NewTally()
			}
			w.deltas[b.id].Add(def, r)
		}
	}
	// The batches' pages first: a page written for a batch that a crash
	// then leaves untallied is written again, and ignored, when recovery
	// tallies the batch.
	if err := sm.st.writePages(ctx, batches); err != nil {
		return err
	}
	if err := sm.fault("paged"); err != nil {
		return err
	}
	for _, id := range slices.Sorted(maps.Keys(perSurvey)) {
		w := perSurvey[id]
		if err := sm.st.applyDeltas(ctx, id, w.deltas, w.k); err != nil {
			return err
		}
		if err := sm.fault("applied"); err != nil {
			return err
		}
	}
	if _, err := sm.st.col(colQueue).DeleteMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}}); err != nil {
		return sm.st.fail("delete queue", err)
	}
	sm.st.applied.Add(int64(len(batches)))
	return sm.fault("dequeued")
}
