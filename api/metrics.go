package api

import (
	"net/http"
	"runtime"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/youthvoice/youthvoice/app"
)

// Metrics are the server's Prometheus metrics, in a registry of its own.
type Metrics struct {
	registry    *prometheus.Registry
	requests    *prometheus.CounterVec
	latency     *prometheus.HistogramVec
	storeErrors *prometheus.CounterVec
	series      sync.Map // seriesKey -> requestSeries
	// workflows are the submission, summary, release and export series
	// (app.Metrics), in the same registry.
	workflows *app.Metrics
}

// NewMetrics makes the metrics in a registry of their own.
func NewMetrics(version string) *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "youthvoice_http_requests_total",
			Help: "HTTP requests by route pattern, method and status.",
		}, []string{"route", "method", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "youthvoice_http_request_duration_seconds",
			Help:    "HTTP request latency by route pattern and method.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route", "method"}),
		storeErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "youthvoice_store_errors_total",
			Help: "Database operations that failed, by operation.",
		}, []string{"op"}),
	}
	build := prometheus.NewGauge(prometheus.GaugeOpts{
		Name:        "youthvoice_build_info",
		Help:        "Build information; always 1.",
		ConstLabels: prometheus.Labels{"version": version, "goversion": runtime.Version()},
	})
	build.Set(1)
	m.registry.MustRegister(m.requests, m.latency, m.storeErrors, build,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.workflows = app.NewMetrics(m.registry)
	return m
}

// Workflows are the metrics the server's App counts (nil for nil Metrics).
func (m *Metrics) Workflows() *app.Metrics {
	if m == nil {
		return nil
	}
	return m.workflows
}

// refused counts a submission that the API refuses before the App sees
// it (the App counts its own refusals).
func (s *Server) refused(reason app.Refusal) { s.workflows.Metrics().Refused(reason) }

// requestSeries are one route, method and status's counter and histogram,
// looked up once rather than hashed from their labels on every request.
type requestSeries struct {
	count   prometheus.Counter
	latency prometheus.Observer
}

type seriesKey struct {
	route, method string
	status        int
}

// observe counts a finished request.
func (m *Metrics) observe(route, method string, status int, elapsed time.Duration) {
	key := seriesKey{route, method, status}
	v, ok := m.series.Load(key)
	if !ok {
		v, _ = m.series.LoadOrStore(key, requestSeries{
			count:   m.requests.WithLabelValues(route, method, strconv.Itoa(status)),
			latency: m.latency.WithLabelValues(route, method),
		})
	}
	rs := v.(requestSeries)
	rs.count.Inc()
	rs.latency.Observe(elapsed.Seconds())
}

// CountStoreError counts a failed database operation; the store calls it.
func (m *Metrics) CountStoreError(op string) { m.storeErrors.WithLabelValues(op).Inc() }

// Handler serves the metrics in Prometheus' text format. They are
// server-wide (every organisation's requests), so the command serves them
// only on the admin address, never on the public one.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}
