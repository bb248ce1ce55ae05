package eventlog

import (
	"sync"

	"github.com/prometheus/client_golang/prometheus"
)

type metrics struct {
	enqueued *prometheus.CounterVec
	deduped  prometheus.Counter
	dropped  *prometheus.CounterVec
	sent     prometheus.Counter
	batches  *prometheus.CounterVec
	bytes    prometheus.Counter
	queued   prometheus.Gauge
}

var (
	metricsMu   sync.Mutex
	metricsByRg = map[prometheus.Registerer]*metrics{}
)

// registerMetrics returns the logger metrics registered on reg, shared by every Logger that
// uses the same registerer (one per StatsigSpec in the manager).
func registerMetrics(reg prometheus.Registerer) *metrics {
	if reg == nil {
		reg = prometheus.DefaultRegisterer
	}
	metricsMu.Lock()
	defer metricsMu.Unlock()
	if m, ok := metricsByRg[reg]; ok {
		return m
	}
	ns := "statsig_operator_eventlog_"
	m := &metrics{
		enqueued: prometheus.NewCounterVec(
			prometheus.CounterOpts{Name: ns + "events_enqueued_total", Help: "Events queued, by type (exposure, custom)."},
			[]string{"type"},
		),
		deduped: prometheus.NewCounter(
			prometheus.CounterOpts{
				Name: ns + "exposures_deduped_total",
				Help: "Exposures not queued because an identical one was queued recently.",
			},
		),
		dropped: prometheus.NewCounterVec(
			prometheus.CounterOpts{
				Name: ns + "events_dropped_total",
				Help: "Events dropped, by reason " +
					"(queue_full, retries_exhausted, non_retryable, shutdown_timeout, shutdown, disabled).",
			},
			[]string{"reason"},
		),
		sent: prometheus.NewCounter(
			prometheus.CounterOpts{Name: ns + "events_sent_total", Help: "Events delivered to Statsig."},
		),
		batches: prometheus.NewCounterVec(
			prometheus.CounterOpts{Name: ns + "batches_total", Help: "log_event requests, by result (sent, failed)."},
			[]string{"result"},
		),
		bytes: prometheus.NewCounter(
			prometheus.CounterOpts{Name: ns + "bytes_sent_total", Help: "Compressed bytes delivered."},
		),
		queued: prometheus.NewGauge(
			prometheus.GaugeOpts{Name: ns + "queue_depth", Help: "Events waiting to be sent (last changed logger)."},
		),
	}
	for _, c := range []prometheus.Collector{m.enqueued, m.deduped, m.dropped, m.sent, m.batches, m.bytes, m.queued} {
		// A registration error (the names already taken on reg by another component) leaves the
		// counters working but unexported; it must not stop event logging. (The check that used to
		// be here told AlreadyRegisteredError apart and then ignored every error alike.)
		_ = reg.Register(c)
	}
	metricsByRg[reg] = m
	return m
}
