package endpoint

import (
	"errors"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

const metricsPrefix = "statsig_operator_endpoint_"

// metrics are the endpoint's Prometheus series. Exposure queue series come from eventlog.
type metrics struct {
	requests    *prometheus.CounterVec
	latency     *prometheus.HistogramVec
	evaluations *prometheus.CounterVec
	proxyBytes  *prometheus.CounterVec
	shed        prometheus.Counter
	// Push series, shared by name with the gRPC streams (label kind); this package's are
	// kind="sse".
	pushStreams    prometheus.Gauge
	pushMessages   prometheus.Counter
	pushHeartbeats prometheus.Counter
	pushRejected   prometheus.Counter
	pushLatency    prometheus.Observer
}

// pushKind is the kind label (pushKindLabel) of this package's push series.
const (
	pushKind      = "sse"
	pushKindLabel = "kind"
)

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: metricsPrefix + "requests_total",
			Help: "HTTP requests served, by route and status code.",
		}, []string{routeLabel, "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    metricsPrefix + "request_duration_seconds",
			Help:    "Time to serve a request, by route.",
			Buckets: []float64{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1},
		}, []string{routeLabel}),
		evaluations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: metricsPrefix + "evaluations_total",
			Help: "Entities evaluated, by entity type (gate, dynamic_config, experiment, layer).",
		}, []string{"type"}),
		proxyBytes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: metricsPrefix + "proxy_bytes_total",
			Help: "Config-spec payload bytes sent by the forward proxy, by content encoding.",
		}, []string{"encoding"}),
		shed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: metricsPrefix + "requests_shed_total",
			Help: "Requests answered 503 because the endpoint was at its limit of concurrent requests, " +
				"body bytes or event streams.",
		}),
	}
	// The push series are registered by the gRPC forward proxy too (kind="grpc"): names, help
	// strings, labels and buckets must stay identical to grpcproxy's, or one registration
	// fails and its series are not exported.
	streams := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "statsig_operator_push_streams",
		Help: "Open push streams on this replica (grpc: StreamConfigSpec, sse: OFREP event streams).",
	}, []string{pushKindLabel})
	messages := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "statsig_operator_push_messages_total",
		Help: "New revisions (grpc) or change notifications (sse) written to a stream.",
	}, []string{pushKindLabel})
	heartbeats := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "statsig_operator_push_heartbeats_total",
		Help: "Heartbeats written to streams that had nothing new.",
	}, []string{pushKindLabel})
	rejected := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "statsig_operator_push_streams_rejected_total",
		Help: "Streams refused because the replica holds its maximum.",
	}, []string{pushKindLabel})
	latency := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "statsig_operator_push_latency_seconds",
		Help:    "From this replica swapping in a revision to a stream having it written.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
	}, []string{pushKindLabel})
	if reg != nil {
		m.requests = register(reg, m.requests)
		m.latency = register(reg, m.latency)
		m.evaluations = register(reg, m.evaluations)
		m.proxyBytes = register(reg, m.proxyBytes)
		m.shed = register(reg, m.shed)
		streams = register(reg, streams)
		messages = register(reg, messages)
		heartbeats = register(reg, heartbeats)
		rejected = register(reg, rejected)
		latency = register(reg, latency)
	}
	m.pushStreams = streams.WithLabelValues(pushKind)
	m.pushMessages = messages.WithLabelValues(pushKind)
	m.pushHeartbeats = heartbeats.WithLabelValues(pushKind)
	m.pushRejected = rejected.WithLabelValues(pushKind)
	m.pushLatency = latency.WithLabelValues(pushKind)
	return m
}

// register adds c to reg, reusing an identical collector registered by an earlier server
// (tests and restarts create several servers on one registry).
func register[C prometheus.Collector](reg prometheus.Registerer, c C) C {
	if err := reg.Register(c); err != nil {
		if are, ok := errors.AsType[prometheus.AlreadyRegisteredError](err); ok {
			if existing, ok := are.ExistingCollector.(C); ok {
				return existing
			}
		}
	}
	return c
}

// statusWriter records the status code for the request metrics.
type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// statusWriters are reused: every request would otherwise allocate one.
var statusWriters = sync.Pool{New: func() any { return new(statusWriter) }}

// instrument counts and times every request of one route. A panic is answered with a JSON
// 500 and reported to onPanic, so one bad request cannot take every replica down.
func (m *metrics) instrument(route string, h http.HandlerFunc, onPanic func(route string, v any)) http.Handler {
	obs := m.latency.WithLabelValues(route)
	ok := m.requests.WithLabelValues(route, "200")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := statusWriters.Get().(*statusWriter)
		*sw = statusWriter{ResponseWriter: w}
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v) // sw is not reused: the handler may still hold it
				}
				onPanic(route, v)
				if sw.code == 0 {
					writeJSON(sw, http.StatusInternalServerError, errorBody{Message: "internal error while serving the request"})
				}
			}
			obs.Observe(time.Since(start).Seconds())
			if sw.code == 0 || sw.code == http.StatusOK {
				ok.Inc()
			} else {
				m.requests.WithLabelValues(route, strconv.Itoa(sw.code)).Inc()
			}
			*sw = statusWriter{}
			statusWriters.Put(sw)
		}()
		h(sw, r)
	})
}
