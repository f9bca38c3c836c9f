package app

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/youthvoice/youthvoice/store"
	"github.com/youthvoice/youthvoice/surveys"
)

// Metrics are what an operator of a consultation watches, beyond HTTP:
// submissions stored, answered as retries and refused (by reason), how far
// the summaries lag, how many open surveys hold responses back from their
// published figures, and how long exports take. One is made per process,
// in the process's own registry (api.NewMetrics), and given to its App.
//
// No series has a survey, organisation or respondent label. Survey ids
// are unbounded over a deployment's life (every series lives as long as
// the process), and a per-survey counter scraped every few seconds would
// tell when each of a small survey's responses arrived: the exact, timed
// count that the published figures round away (surveys.ReleaseStatus).
// Every label takes values from a fixed set, listed here.
//
// A nil *Metrics counts nothing (the command line's App has none).
type Metrics struct {
	submissions    *prometheus.CounterVec
	refused        *prometheus.CounterVec
	exports        *prometheus.HistogramVec
	exportFailures *prometheus.CounterVec
	reg            prometheus.Registerer
	watched        sync.Once
}

// Outcomes of a submission that was taken (youthvoice_submissions_total).
const (
	outcomeAccepted  = "accepted"  // stored now
	outcomeDuplicate = "duplicate" // a retry of a stored submission: its receipt again, nothing stored
)

// Refusal is why a submission was refused: a label of
// youthvoice_submissions_refused_total, from the fixed set below.
type Refusal string

// Reasons a submission is refused. The app decides most; the API those
// it decides before the app sees the submission (rate limit, body size,
// a body that is not a submission, an unknown survey).
const (
	RefusedSurveyNotFound    Refusal = "survey_not_found"    // no such survey, or a draft
	RefusedSurveyNotOpen     Refusal = "survey_not_open"     // not yet open, or closed
	RefusedInvalid           Refusal = "invalid"             // the body or the answers fail validation
	RefusedAccessCodeUnknown Refusal = "access_code_unknown" // a code the survey never issued
	RefusedAccessCodeUsed    Refusal = "access_code_used"    // a code another submission used
	RefusedConflict          Refusal = "conflict"            // the submission id was stored with other answers
	RefusedBodyTooLarge      Refusal = "body_too_large"      // over the submission's size limit
	RefusedRateLimited       Refusal = "rate_limited"        // over the per-client rate limit
	RefusedUnavailable       Refusal = "unavailable"         // the database failed: the app sends it again later
)

// refusals are every Refusal, so that each series exists (at 0) from the
// start: a rate over a series that appears only with its first event
// misses that event.
var refusals = []Refusal{RefusedSurveyNotFound, RefusedSurveyNotOpen, RefusedInvalid, RefusedAccessCodeUnknown,
	RefusedAccessCodeUsed, RefusedConflict, RefusedBodyTooLarge, RefusedRateLimited, RefusedUnavailable}

// Kinds and formats of exports: the labels of the export series.
var (
	exportKinds   = []string{"summary", "responses", "participation", "comparison"}
	exportFormats = []string{"csv", "xlsx", "pdf", "json"}
)

// NewMetrics makes the metrics and registers them in reg. The series read
// from the store (summary lag, releases held back) are registered when an
// App is made with them (New).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		reg: reg,
		submissions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "youthvoice_submissions_total",
			Help: "Submissions taken, by outcome: accepted (stored now) or duplicate (a retry answered with the stored receipt).",
		}, []string{"outcome"}),
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "youthvoice_submissions_refused_total",
			Help: "Submissions refused, by reason.",
		}, []string{"reason"}),
		exports: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "youthvoice_export_duration_seconds",
			Help: "Exports completed, by kind (summary, responses, participation: a consultation's participation report, comparison: two waves side by side) and format: a summary's or report's time to build, a response export's until its last row is sent.",
			// Summaries take milliseconds to a second or two (PDF);
			// response exports stream for minutes on a slow link.
			Buckets: []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300},
		}, []string{"kind", "format"}),
		exportFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "youthvoice_exports_failed_total",
			Help: "Exports that failed once begun, by kind and format (a response export cut off half-way still answered 200).",
		}, []string{"kind", "format"}),
	}
	for _, o := range []string{outcomeAccepted, outcomeDuplicate} {
		m.submissions.WithLabelValues(o)
	}
	for _, r := range refusals {
		m.refused.WithLabelValues(string(r))
	}
	for _, f := range exportFormats {
		m.exportFailures.WithLabelValues("summary", f)
	}
	for _, f := range []string{"csv", "xlsx"} {
		m.exportFailures.WithLabelValues("responses", f)
	}
	for _, f := range []string{"pdf", "xlsx"} {
		m.exportFailures.WithLabelValues("participation", f)
	}
	for _, f := range []string{"csv", "xlsx"} {
		m.exportFailures.WithLabelValues("comparison", f)
	}
	reg.MustRegister(m.submissions, m.refused, m.exports, m.exportFailures)
	return m
}

// submission counts a submission's outcome (Submit).
func (m *Metrics) submission(done Submitted, err error) {
	if m == nil {
		return
	}
	if err != nil {
		m.Refused(refusalOf(err))
		return
	}
	outcome := outcomeAccepted
	if !done.Created {
		outcome = outcomeDuplicate
	}
	m.submissions.WithLabelValues(outcome).Inc()
}

// refusalOf is the reason a submission's error stands for.
func refusalOf(err error) Refusal {
	var ve *surveys.ValidationError
	switch {
	case errors.As(err, &ve):
		if slices.ContainsFunc(ve.Errors, func(e surveys.FieldError) bool { return e.Code == surveys.CodeAccessCodeUnknown }) {
			return RefusedAccessCodeUnknown
		}
		return RefusedInvalid
	case errors.Is(err, surveys.ErrNotFound):
		return RefusedSurveyNotFound
	case errors.Is(err, ErrSurveyNotOpen):
		return RefusedSurveyNotOpen
	case errors.Is(err, ErrCodeUsed):
		return RefusedAccessCodeUsed
	case errors.Is(err, ErrSubmissionConflict):
		return RefusedConflict
	}
	return RefusedUnavailable // the database failed (or a test's injected crash)
}

// Refused counts a submission refused for reason; the API calls it for the
// refusals it decides itself.
func (m *Metrics) Refused(reason Refusal) {
	if m == nil {
		return
	}
	m.refused.WithLabelValues(string(reason)).Inc()
}

// Exported counts an export of kind ("summary", "responses",
// "participation", "comparison") in format,
// begun at start: its duration if it completed (err nil), else a failure.
// A kind or format outside the known set is not counted (the API refuses
// those before exporting anything).
func (m *Metrics) Exported(kind, format string, start time.Time, err error) {
	if m == nil || !slices.Contains(exportKinds, kind) || !slices.Contains(exportFormats, format) {
		return
	}
	if err != nil {
		m.exportFailures.WithLabelValues(kind, format).Inc()
		return
	}
	m.exports.WithLabelValues(kind, format).Observe(time.Since(start).Seconds())
}

// Metrics are the App's metrics (nil: none).
func (a *App) Metrics() *Metrics { return a.metrics }

// watch registers the series read from st, once per Metrics: a process
// has one App, and a second App given the same Metrics (tests) leaves the
// first one's store watched.
func (m *Metrics) watch(st *store.Store) {
	if m == nil {
		return
	}
	m.watched.Do(func() { m.reg.MustRegister(newStoreCollector(st)) })
}

// storeCollector reads the summary lag and the release backlog from the
// store when metrics are scraped. The queue is small and read by index;
// the backlog reads a few numbers per open survey, so it is read again
// only after backlogEvery, however often the scrapes come. A read that
// fails leaves its series out of that scrape (the failure is counted in
// youthvoice_store_errors_total); it never fails the scrape.
type storeCollector struct {
	st *store.Store

	mu          sync.Mutex // one scrape's reads at a time
	backlog     store.ReleaseBacklog
	backlogRead time.Time // zero: never read (or the last read failed)

	queued, oldest, applied, forced, conflicts, open, heldBack *prometheus.Desc
}

// backlogEvery is how long a read of the release backlog is reused.
const backlogEvery = 30 * time.Second

// scrapeTimeout bounds the store reads of one scrape.
const scrapeTimeout = 5 * time.Second

func newStoreCollector(st *store.Store) *storeCollector {
	return &storeCollector{st: st,
		queued: prometheus.NewDesc("youthvoice_summary_queue_batches",
			"Batches of stored responses waiting in the tally queue to be applied to the summaries (the database's, all processes).", nil, nil),
		oldest: prometheus.NewDesc("youthvoice_summary_queue_oldest_seconds",
			"How long the oldest batch in the tally queue has waited (0: none waits); minute resolution.", nil, nil),
		applied: prometheus.NewDesc("youthvoice_summary_batches_applied_total",
			"Batches this process applied to the summaries (passes and recovery).", nil, nil),
		forced: prometheus.NewDesc("youthvoice_summary_passes_forced_total",
			"Summary passes this process's committer ran itself because 20,000 stored responses waited for one: submissions waited meanwhile.", nil, nil),
		conflicts: prometheus.NewDesc("youthvoice_summary_conflicts_total",
			"Summary updates of this process that another writer came first to, and that were tried again.", nil, nil),
		open: prometheus.NewDesc("youthvoice_surveys_open",
			"Surveys open for submissions.", nil, nil),
		heldBack: prometheus.NewDesc("youthvoice_releases_held_back_surveys",
			"Open surveys whose published figures leave out responses, by state: unreleased (fewer than k responses: nothing published yet), behind (fewer than k since the last release).", []string{"state"}, nil),
	}
}

func (c *storeCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.queued, c.oldest, c.applied, c.forced, c.conflicts, c.open, c.heldBack} {
		ch <- d
	}
}

func (c *storeCollector) Collect(ch chan<- prometheus.Metric) {
	ch <- prometheus.MustNewConstMetric(c.applied, prometheus.CounterValue, float64(c.st.SummaryBatchesApplied()))
	ch <- prometheus.MustNewConstMetric(c.forced, prometheus.CounterValue, float64(c.st.SummaryPassesForced()))
	ch <- prometheus.MustNewConstMetric(c.conflicts, prometheus.CounterValue, float64(c.st.SummaryConflicts()))
	c.mu.Lock()
	defer c.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	if n, err := c.st.QueueLength(ctx); err == nil {
		ch <- prometheus.MustNewConstMetric(c.queued, prometheus.GaugeValue, float64(n))
	}
	if age, err := c.st.OldestQueued(ctx); err == nil {
		ch <- prometheus.MustNewConstMetric(c.oldest, prometheus.GaugeValue, age.Seconds())
	}
	now := time.Now()
	if c.backlogRead.IsZero() || now.Sub(c.backlogRead) >= backlogEvery || now.Before(c.backlogRead) {
		b, err := c.st.ReleaseBacklog(ctx)
		if err != nil {
			c.backlogRead = time.Time{}
			return
		}
		c.backlog, c.backlogRead = b, now
	}
	ch <- prometheus.MustNewConstMetric(c.open, prometheus.GaugeValue, float64(c.backlog.Open))
	ch <- prometheus.MustNewConstMetric(c.heldBack, prometheus.GaugeValue, float64(c.backlog.Unreleased), "unreleased")
	ch <- prometheus.MustNewConstMetric(c.heldBack, prometheus.GaugeValue, float64(c.backlog.Behind), "behind")
}
