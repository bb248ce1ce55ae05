package eventlog

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

type metrics struct {
	enqueued   *prometheus.CounterVec
	deduped    prometheus.Counter
	sampledOut prometheus.Counter
	dropped    *prometheus.CounterVec
	sent       prometheus.Counter
	batches    *prometheus.CounterVec
	bytes      prometheus.Counter
	queued     prometheus.Gauge

	queuedBytes prometheus.Gauge
}

// registerMetrics returns the logger metrics registered on reg. Every Logger that uses the
// same registerer (one per StatsigSpec in the manager) shares the collectors already
// registered there: the registry itself is the shared state, no package variable is.
func registerMetrics(reg prometheus.Registerer) *metrics {
	if reg == nil {
		reg = prometheus.DefaultRegisterer
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
		sampledOut: prometheus.NewCounter(
			prometheus.CounterOpts{
				Name: ns + "exposures_sampled_out_total",
				Help: "Exposures not queued because exposure sampling (sdk_configs sampling_mode on) left them out.",
			},
		),
		dropped: prometheus.NewCounterVec(
			prometheus.CounterOpts{
				Name: ns + "events_dropped_total",
				Help: "Events dropped, by reason " +
					"(queue_full, queue_bytes, retries_exhausted, non_retryable, shutdown_timeout, shutdown, disabled).",
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
	m.enqueued = register(reg, m.enqueued)
	m.deduped = register(reg, m.deduped)
	m.sampledOut = register(reg, m.sampledOut)
	m.dropped = register(reg, m.dropped)
	m.sent = register(reg, m.sent)
	m.batches = register(reg, m.batches)
	m.bytes = register(reg, m.bytes)
	m.queued = register(reg, m.queued)
	m.queuedBytes = register(reg, prometheus.NewGauge(prometheus.GaugeOpts{
		Name: ns + "queue_bytes", Help: "Estimated bytes of the events waiting to be sent (last changed logger).",
	}))
	return m
}

// register registers c on reg and returns it, or the collector of the same kind already
// registered under its name. Any other registration error leaves c working but unexported; it
// must not stop event logging.
func register[C prometheus.Collector](reg prometheus.Registerer, c C) C {
	if are, ok := errors.AsType[prometheus.AlreadyRegisteredError](reg.Register(c)); ok {
		if existing, ok := are.ExistingCollector.(C); ok {
			return existing
		}
	}
	return c
}
