package grpcproxy

import (
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the push series shared with the endpoint's OFREP event streams (kind="sse").
type metrics struct {
	streams    prometheus.Gauge
	messages   prometheus.Counter
	heartbeats prometheus.Counter
	rejected   prometheus.Counter
	latency    prometheus.Observer
}

func newMetrics(reg prometheus.Registerer) *metrics {
	kind := prometheus.Labels{"kind": "grpc"}
	streams := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "statsig_operator_push_streams",
		Help: "Open push streams on this replica (grpc: StreamConfigSpec, sse: OFREP event streams).",
	}, []string{"kind"})
	messages := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "statsig_operator_push_messages_total",
		Help: "New revisions (grpc) or change notifications (sse) written to a stream.",
	}, []string{"kind"})
	heartbeats := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "statsig_operator_push_heartbeats_total",
		Help: "Heartbeats written to streams that had nothing new.",
	}, []string{"kind"})
	rejected := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "statsig_operator_push_streams_rejected_total",
		Help: "Streams refused because the replica holds its maximum.",
	}, []string{"kind"})
	latency := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "statsig_operator_push_latency_seconds",
		Help:    "From this replica swapping in a revision to a stream having it written.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
	}, []string{"kind"})
	if reg != nil {
		streams, messages, heartbeats = register(reg, streams), register(reg, messages), register(reg, heartbeats)
		rejected, latency = register(reg, rejected), register(reg, latency)
	}
	return &metrics{
		streams: streams.With(kind), messages: messages.With(kind), heartbeats: heartbeats.With(kind),
		rejected: rejected.With(kind), latency: latency.With(kind),
	}
}

func (m *metrics) pushed(d time.Duration) {
	m.messages.Inc()
	m.latency.Observe(d.Seconds())
}

// register registers c, or returns the collector already registered under its name: the
// endpoint registers the same vectors for its event streams (kind="sse").
func register[T prometheus.Collector](reg prometheus.Registerer, c T) T {
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(T); ok {
				return existing
			}
		}
	}
	return c
}
