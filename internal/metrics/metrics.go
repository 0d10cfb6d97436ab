// Package metrics holds the product's Prometheus metrics (prometheus/client_golang): one
// registry per process, the counters and histograms the API and the workers feed, the queue
// gauges read by a bounded probe at most once per interval, and the /metrics handler served
// on its own address (METRICS_ADDR). A nil *Metrics records nothing, so code and tests that
// run without metrics need no checks.
package metrics

import (
	"context"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

const ns = "microlearn"

// Metrics is one process's registry and the metrics in it.
type Metrics struct {
	reg *prometheus.Registry

	httpRequests  *prometheus.CounterVec
	httpDuration  *prometheus.HistogramVec
	dbCommands    *prometheus.HistogramVec
	loginFailures prometheus.Counter
	throttled     *prometheus.CounterVec
	events        *prometheus.CounterVec
	eventLag      prometheus.Histogram
	sends         *prometheus.CounterVec
	deadLetters   *prometheus.CounterVec
}

// New returns a registry holding every metric of the product, the Go runtime's and the
// process's. process names the binary ("api", "gamification") in a constant label.
func New(process string) *Metrics {
	reg := prometheus.NewRegistry()
	f := factory{reg: reg, labels: prometheus.Labels{"process": process}}
	m := &Metrics{reg: reg}
	m.httpRequests = f.counterVec("http_requests_total", "HTTP requests answered, by route template, method and status.", "route", "method", "status")
	m.httpDuration = f.histogramVec("http_request_duration_seconds", "Time to answer an HTTP request, by route template and method.",
		[]float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 20}, "route", "method")
	m.dbCommands = f.histogramVec("http_request_db_commands", "Database commands issued by one HTTP request, by route template.",
		[]float64{0, 1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 64}, "route")
	m.loginFailures = f.counter("login_failures_total", "Sign-ins refused for a wrong email or password.")
	m.throttled = f.counterVec("throttled_total", "Requests refused with 429 by a limit: login_backoff (failed sign-ins) or rate_limit (requests per IP).", "limit")
	m.events = f.counterVec("learning_events_settled_total", "Learning events the gamification worker settled: done, retry or parked.", "result")
	m.eventLag = f.histogram("learning_event_lag_seconds", "From a learning event's publication to the gamification worker finishing it.",
		[]float64{.05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600})
	m.sends = f.counterVec("outbox_sends_total", "Outbox items settled, by outbox (notify, mail, xapi) and result.", "outbox", "result")
	m.deadLetters = f.counterVec("outbox_dead_letters_total", "Outbox items given up on, by outbox.", "outbox")
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// factory makes metrics in the product's namespace with the process label, registered.
type factory struct {
	reg    *prometheus.Registry
	labels prometheus.Labels
}

func (f factory) counter(name, help string) prometheus.Counter {
	c := prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Name: name, Help: help, ConstLabels: f.labels})
	f.reg.MustRegister(c)
	return c
}

func (f factory) counterVec(name, help string, labels ...string) *prometheus.CounterVec {
	c := prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: name, Help: help, ConstLabels: f.labels}, labels)
	f.reg.MustRegister(c)
	return c
}

func (f factory) histogram(name, help string, buckets []float64) prometheus.Histogram {
	h := prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: ns, Name: name, Help: help, ConstLabels: f.labels, Buckets: buckets})
	f.reg.MustRegister(h)
	return h
}

func (f factory) histogramVec(name, help string, buckets []float64, labels ...string) *prometheus.HistogramVec {
	h := prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: ns, Name: name, Help: help, ConstLabels: f.labels, Buckets: buckets}, labels)
	f.reg.MustRegister(h)
	return h
}

// Request records one answered HTTP request: its route template (never the raw path, so
// the label set stays as small as the route table), method, status, duration and the
// database commands it issued.
func (m *Metrics) Request(route, method string, status int, d time.Duration, dbCommands int64) {
	if m == nil {
		return
	}
	m.httpRequests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
	m.httpDuration.WithLabelValues(route, method).Observe(d.Seconds())
	m.dbCommands.WithLabelValues(route).Observe(float64(dbCommands))
}

// LoginFailed counts a sign-in refused for wrong credentials.
func (m *Metrics) LoginFailed() {
	if m != nil {
		m.loginFailures.Inc()
	}
}

// Throttled counts a request refused by a limit ("login_backoff", "rate_limit").
func (m *Metrics) Throttled(limit string) {
	if m != nil {
		m.throttled.WithLabelValues(limit).Inc()
	}
}

// EventSettled counts a learning event the worker settled ("done", "retry", "parked"); for
// a done event, lag is the time from its publication.
func (m *Metrics) EventSettled(result string, lag time.Duration) {
	if m == nil {
		return
	}
	m.events.WithLabelValues(result).Inc()
	if result == "done" {
		m.eventLag.Observe(max(lag, 0).Seconds())
	}
}

// Sent counts an outbox item settled with result (for notify: sent, no_device, push_off,
// suppressed, expired, retry, dead; for mail: sent, retry, failed).
func (m *Metrics) Sent(outbox, result string) {
	if m != nil {
		m.sends.WithLabelValues(outbox, result).Inc()
	}
}

// DeadLettered counts an outbox item given up on.
func (m *Metrics) DeadLettered(outbox string) {
	if m != nil {
		m.deadLetters.WithLabelValues(outbox).Inc()
	}
}

// Registry is the registry, for collectors registered elsewhere (queue gauges, tests).
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// Serve serves /metrics on ln until ctx ends.
func (m *Metrics) Serve(ctx context.Context, ln net.Listener) error {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, WriteTimeout: 30 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
		<-errc
		return nil
	}
}
