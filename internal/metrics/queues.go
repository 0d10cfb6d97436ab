package metrics

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// QueueStat is what a probe read of one queue (an outbox, the learning queue, a dead-letter
// collection).
type QueueStat struct {
	Queue string
	// Depth is how many items wait in it.
	Depth int64
	// OldestAge is how long the item due first has been due (0 when none is due yet or the
	// queue is empty); negative when the queue has no due order (a dead-letter collection).
	OldestAge time.Duration
}

// Probe reads the queues. It must be cheap: each queue is read with bounded commands (an
// estimated count from collection metadata and one indexed read of the first due item), and
// the collector calls it at most once per interval however often Prometheus scrapes.
type Probe func(ctx context.Context) ([]QueueStat, error)

// WatchQueues registers the gauges microlearn_queue_depth and
// microlearn_queue_oldest_age_seconds (label queue), filled from probe. A scrape within
// every of the last probe answers from its result; a probe gets timeout to answer, and
// when it fails the last result is served with microlearn_queue_probe_errors_total counting.
func (m *Metrics) WatchQueues(probe Probe, every, timeout time.Duration, log *slog.Logger) {
	if m == nil {
		return
	}
	c := &queueCollector{probe: probe, every: every, timeout: timeout, log: log,
		depth: prometheus.NewDesc(ns+"_queue_depth", "Items waiting in a queue or outbox (estimated count from collection metadata).", []string{"queue"}, nil),
		age:   prometheus.NewDesc(ns+"_queue_oldest_age_seconds", "How long the item due first in a queue has been due.", []string{"queue"}, nil),
		errors: prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Name: "queue_probe_errors_total",
			Help: "Queue probes that failed (the gauges then show the last good probe)."}),
		probes: prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Name: "queue_probes_total",
			Help: "Queue probes run (at most one per interval, whatever the scrape rate)."}),
	}
	m.reg.MustRegister(c)
}

type queueCollector struct {
	probe          Probe
	every, timeout time.Duration
	log            *slog.Logger
	depth, age     *prometheus.Desc
	errors, probes prometheus.Counter

	mu   sync.Mutex
	at   time.Time
	last []QueueStat
}

func (c *queueCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.depth
	ch <- c.age
	c.errors.Describe(ch)
	c.probes.Describe(ch)
}

func (c *queueCollector) Collect(ch chan<- prometheus.Metric) {
	for _, s := range c.stats() {
		ch <- prometheus.MustNewConstMetric(c.depth, prometheus.GaugeValue, float64(s.Depth), s.Queue)
		if s.OldestAge >= 0 {
			ch <- prometheus.MustNewConstMetric(c.age, prometheus.GaugeValue, s.OldestAge.Seconds(), s.Queue)
		}
	}
	c.errors.Collect(ch)
	c.probes.Collect(ch)
}

// stats returns the last probe's result, probing again when it is older than every.
func (c *queueCollector) stats() []QueueStat {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.at.IsZero() && time.Since(c.at) < c.every {
		return c.last
	}
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	c.probes.Inc()
	stats, err := c.probe(ctx)
	c.at = time.Now()
	if err != nil {
		c.errors.Inc()
		if c.log != nil {
			c.log.Warn("queue metrics probe failed", "error", err.Error())
		}
		return c.last
	}
	c.last = stats
	return stats
}
