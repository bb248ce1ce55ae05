package controllers

import (
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
)

// labelSpec is the metric label, and the log key, that carries a StatsigSpec's name.
const labelSpec = "statsigspec"

// Metric labels never carry the secret key: only StatsigSpec names, reasons and kinds.
var (
	syncDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "statsig_operator_sync_duration_seconds",
		Help:    "Duration of config-spec syncs (download, validate, store), by StatsigSpec and result.",
		Buckets: []float64{0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60},
	}, []string{labelSpec, "result"})
	syncFailures = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "statsig_operator_sync_failures_total",
		Help: "Failed syncs by StatsigSpec and condition reason.",
	}, []string{labelSpec, "reason"})
	payloadBytes = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "statsig_operator_payload_bytes",
		Help: "Size of the served payload by StatsigSpec, kind (specs, idlists) and encoding (raw, compressed).",
	}, []string{labelSpec, "kind", "encoding"})
	lastSuccess = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "statsig_operator_last_successful_sync_timestamp_seconds",
		Help: "Unix time of the last successful sync (changed or unchanged payload), by StatsigSpec.",
	}, []string{labelSpec})
	lastPoll = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "statsig_operator_last_poll_timestamp_seconds",
		Help: "Unix time of the last poll of the source, successful or not, by StatsigSpec.",
	}, []string{labelSpec})
	bytesWritten = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "statsig_operator_apiserver_bytes_written_total",
		Help: "Bytes the controller wrote to the apiserver (snapshot chunks and status), " +
			"by StatsigSpec and kind (specs, idlists, status).",
	}, []string{labelSpec, "kind"})
	specsSkipped = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "statsig_operator_specs_skipped",
		Help: "Specs of the served revision left out because they failed to decode, by StatsigSpec.",
	}, []string{labelSpec})
	revisionAge = newRevisionAgeCollector()
	// The network_grpc_websocket adapter's stream (controllers/streams.go).
	streamConnected = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "statsig_operator_upstream_stream_connected",
		Help: "1 while the StatsigSpec's config-spec stream (network_grpc_websocket adapter) is receiving, else 0.",
	}, []string{labelSpec})
	streamMessages = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "statsig_operator_upstream_stream_payloads_total",
		Help: "Payloads pushed by the StatsigSpec's config-spec stream.",
	}, []string{labelSpec})
	streamErrors = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "statsig_operator_upstream_stream_reconnects_total",
		Help: "Times the StatsigSpec's config-spec stream ended and was retried.",
	}, []string{labelSpec})
)

func init() {
	metrics.Registry.MustRegister(syncDuration, syncFailures, payloadBytes, lastSuccess, lastPoll, bytesWritten,
		specsSkipped, revisionAge, streamConnected, streamMessages, streamErrors)
}

// revisionAgeCollector reports, at scrape time, how long each StatsigSpec's served revision
// has been in place.
type revisionAgeCollector struct {
	desc  *prometheus.Desc
	mu    sync.Mutex
	since map[string]time.Time
}

func newRevisionAgeCollector() *revisionAgeCollector {
	return &revisionAgeCollector{
		desc: prometheus.NewDesc("statsig_operator_revision_age_seconds",
			"Seconds since the served revision of a StatsigSpec was stored (or since this controller first saw it).",
			[]string{labelSpec}, nil),
		since: map[string]time.Time{},
	}
}

func (c *revisionAgeCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *revisionAgeCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := time.Now()
	for name, t := range c.since {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, now.Sub(t).Seconds(), name)
	}
}

// set records when the revision of name was stored; keepIfSet leaves an existing entry alone.
func (c *revisionAgeCollector) set(name string, t time.Time, keepIfSet bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.since[name]; ok && keepIfSet {
		return
	}
	c.since[name] = t
}

func (c *revisionAgeCollector) forget(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.since, name)
}

// forgetMetrics removes a deleted StatsigSpec's series.
func forgetMetrics(name string) {
	for _, v := range []*prometheus.GaugeVec{payloadBytes, lastSuccess, lastPoll, specsSkipped, streamConnected} {
		v.DeletePartialMatch(prometheus.Labels{labelSpec: name})
	}
	syncFailures.DeletePartialMatch(prometheus.Labels{labelSpec: name})
	bytesWritten.DeletePartialMatch(prometheus.Labels{labelSpec: name})
	streamMessages.DeletePartialMatch(prometheus.Labels{labelSpec: name})
	streamErrors.DeletePartialMatch(prometheus.Labels{labelSpec: name})
	syncDuration.DeletePartialMatch(prometheus.Labels{labelSpec: name})
	revisionAge.forget(name)
}
