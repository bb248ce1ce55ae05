// Package eventlog batches exposures and custom events, compresses them and delivers them to
// Statsig's log_event API, with bounded memory, retries and a draining shutdown.
package eventlog

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/go-logr/logr"
	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/statsig-operator/statsig-operator/evaluator"
	"github.com/statsig-operator/statsig-operator/statsig"
)

// SecondaryExposure is a nested gate an exposure depended on.
type SecondaryExposure = evaluator.SecondaryExposure

// Event is one event as Statsig's log_event API takes it (docs/semantics.md §4.1). Exposures carry
// "statsigMetadata": {} and "value": null; custom events "statsigMetadata": null and
// "secondaryExposures": null.
type Event struct {
	EventName          string              `json:"eventName"`
	Value              any                 `json:"value"`
	Metadata           map[string]string   `json:"metadata"`
	StatsigMetadata    map[string]any      `json:"statsigMetadata"`
	User               json.RawMessage     `json:"user"`
	Time               int64               `json:"time"`
	SecondaryExposures []SecondaryExposure `json:"secondaryExposures"`

	// Raw, when set, is the whole event as it is sent (a custom event from /v1/log_event,
	// validated and normalised by the caller, unknown fields kept); the other fields but
	// EventName are then unused.
	Raw json.RawMessage `json:"-"`

	// Sampling, on an exposure, is what exposure sampling decides by (nil: log it).
	Sampling *evaluator.Sampling `json:"-"`
}

// MarshalJSON writes Raw as it is, else the fields.
func (ev Event) MarshalJSON() ([]byte, error) {
	if ev.Raw != nil {
		return ev.Raw, nil
	}
	type fields Event // without this method
	return json.Marshal(fields(ev))
}

// DefaultMaxQueueBytes bounds the events a Logger holds (queued and waiting to be sent).
const DefaultMaxQueueBytes = 32 << 20

// Sender delivers one compressed batch.
type Sender interface {
	Send(ctx context.Context, body []byte, encoding string, eventCount, retryCount int) error
}

// Options configure a Logger. Zero values take Statsig's defaults.
type Options struct {
	// URL of log_event (statsig.DefaultLogEventURL when empty); used when Sender is nil.
	URL string
	// APIKey is the server secret key sent with every batch; used when Sender is nil.
	APIKey string
	// Sender overrides the HTTP delivery.
	Sender Sender
	// DisableAllLogging drops every event at enqueue: nothing is ever sent.
	DisableAllLogging bool
	// FlushInterval is the longest an event waits before its batch is sent (60 s).
	FlushInterval time.Duration
	// MaxQueueSize is the batch size (2000; 10–2000).
	MaxQueueSize int
	// MaxPendingBatches bounds memory: beyond MaxQueueSize×MaxPendingBatches queued events the
	// oldest are dropped and counted (100).
	MaxPendingBatches int
	// MaxQueueBytes bounds memory in bytes too (DefaultMaxQueueBytes): beyond it the oldest
	// events are dropped and counted (reason queue_bytes). Sizes are estimated from the
	// events' fields, close to their JSON encoding.
	MaxQueueBytes int64
	// DedupeTTL clears the exposure de-duplication set this often (60 s).
	DedupeTTL time.Duration
	// DedupeMaxKeys caps the de-duplication set (100 000).
	DedupeMaxKeys int
	// InitialBackoff after a failed send (1 s), doubling up to MaxBackoff (60 s), halving on success.
	InitialBackoff, MaxBackoff time.Duration
	// MaxRetries before a batch is dropped (5).
	MaxRetries int
	// Registerer receives the logger's metrics (prometheus.DefaultRegisterer when nil).
	Registerer prometheus.Registerer
	// Logger reports delivery failures; it never sees the key.
	Logger logr.Logger
	// LogLevel filters Set's loggers' lines (the StatsigSpec's outputLogLevel; see speclog).
	LogLevel string
}

func (o *Options) defaults() {
	if o.FlushInterval <= 0 {
		o.FlushInterval = 60 * time.Second
	}
	if o.MaxQueueSize < 10 || o.MaxQueueSize > 2000 {
		o.MaxQueueSize = 2000
	}
	if o.MaxPendingBatches <= 0 {
		o.MaxPendingBatches = 100
	}
	if o.MaxQueueBytes <= 0 {
		o.MaxQueueBytes = DefaultMaxQueueBytes
	}
	if o.DedupeTTL <= 0 {
		o.DedupeTTL = 60 * time.Second
	}
	if o.DedupeMaxKeys <= 0 {
		o.DedupeMaxKeys = 100000
	}
	if o.InitialBackoff <= 0 {
		o.InitialBackoff = time.Second
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = 60 * time.Second
	}
	if o.MaxRetries <= 0 {
		o.MaxRetries = 5
	}
}

type batch struct {
	events  []Event
	bytes   int64  // estimated size of events
	body    []byte // the encoded request body, once built (retries send it again)
	retries int
	flush   string
}

// Logger queues events and delivers them in the background. Enqueue never blocks on the
// network and is safe for concurrent use.
type Logger struct {
	opts      Options
	sender    Sender
	sessionID string
	m         *metrics

	mu          sync.Mutex
	queue       []Event
	oldest      time.Time
	pending     []*batch
	pendingN    int
	queueBytes  int64 // estimated size of queue
	pendingB    int64 // estimated size of pending, the batch being sent included
	dedupe      map[string]struct{}
	dedupeReset time.Time
	sampling    sampler
	backoff     time.Duration
	nextTry     time.Time
	closed      bool

	sendMu sync.Mutex // one delivery at a time keeps batches in order
	// bg bounds the background deliveries; Shutdown cancels it when its own deadline ends
	// while a background send still waits on Statsig.
	bg       context.Context
	cancelBG context.CancelFunc
	wake     chan struct{}
	stop     chan struct{}
	done     chan struct{}
}

// New starts a Logger.
func New(opts Options) (*Logger, error) {
	opts.defaults()
	l := &Logger{
		opts: opts, sessionID: uuid.NewString(), m: registerMetrics(opts.Registerer),
		dedupe: map[string]struct{}{}, dedupeReset: time.Now(), sampling: newSampler(time.Now()),
		backoff: opts.InitialBackoff,
		wake:    make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{}),
	}
	l.bg, l.cancelBG = context.WithCancel(context.Background())
	l.sender = opts.Sender
	if l.sender == nil && !opts.DisableAllLogging {
		c, err := statsig.New(statsig.Options{LogEventURL: opts.URL, SessionID: l.sessionID})
		if err != nil {
			return nil, err
		}
		l.sender = &clientSender{c: c, key: opts.APIKey}
	}
	go l.loop()
	return l, nil
}

// clientSender posts batches with the statsig client (headers per docs/semantics.md §4.1).
type clientSender struct {
	c   *statsig.Client
	key string
}

func (s *clientSender) Send(ctx context.Context, body []byte, enc string, n, retry int) error {
	return s.c.PostLogEvent(ctx, s.key, body, enc, n, retry)
}

// Enqueue queues an event (custom events are never de-duplicated).
func (l *Logger) Enqueue(ev Event) {
	if l.opts.DisableAllLogging {
		l.m.dropped.WithLabelValues("disabled").Inc()
		return
	}
	kind := "custom"
	if len(ev.EventName) > 9 && ev.EventName[:9] == "statsig::" {
		kind = "exposure"
	}
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		l.m.dropped.WithLabelValues("shutdown").Inc()
		return
	}
	if len(l.queue) == 0 {
		l.oldest = time.Now()
	}
	l.queue = append(l.queue, ev)
	l.queueBytes += ev.approxBytes()
	full := len(l.queue) >= l.opts.MaxQueueSize
	if full || l.queueBytes+l.pendingB > l.opts.MaxQueueBytes {
		l.cutLocked("scheduled:full_batch")
	}
	l.m.queued.Set(float64(len(l.queue) + l.pendingN))
	l.m.queuedBytes.Set(float64(l.queueBytes + l.pendingB))
	l.mu.Unlock()
	l.m.enqueued.WithLabelValues(kind).Inc()
	if full {
		l.signal()
	}
}

// EnqueueExposure queues an exposure unless an identical one (same dedupeKey) was queued
// within DedupeTTL, or exposure sampling (ev.Sampling) leaves it out; a sampled exposure
// carries the sampling statsigMetadata.
func (l *Logger) EnqueueExposure(ev Event, dedupeKey string) {
	if admitted, meta := l.admit(ev.Sampling, dedupeKey, nil); admitted {
		l.EnqueueAdmitted(ev, meta)
	}
}

// AdmitExposure is EnqueueExposure's decision alone, for a caller that builds the exposure
// only when it is to be logged (a duplicate then costs no allocation): false for a duplicate
// of dedupeKey (recorded as seen when not), an exposure sampled out, or logging disabled,
// counted as EnqueueExposure counts them. When true, the caller passes the event and meta to
// EnqueueAdmitted.
func (l *Logger) AdmitExposure(dedupeKey []byte, smp *evaluator.Sampling) (bool, map[string]any) {
	return l.admit(smp, "", dedupeKey)
}

// admit de-duplicates by key or keyBytes (neither: no de-duplication) and samples an
// exposure. keyBytes is only copied when recorded.
func (l *Logger) admit(smp *evaluator.Sampling, key string, keyBytes []byte) (bool, map[string]any) {
	if l.opts.DisableAllLogging {
		l.m.dropped.WithLabelValues("disabled").Inc()
		return false, nil
	}
	l.mu.Lock()
	if key != "" || len(keyBytes) > 0 {
		ttl := l.opts.DedupeTTL
		if smp != nil && smp.Config.HasDedupeTTL {
			ttl = smp.Config.DedupeTTL // the payload's sdk_configs.exposure_dedupe_ttl_ms
		}
		if time.Since(l.dedupeReset) >= ttl || len(l.dedupe) >= l.opts.DedupeMaxKeys {
			clear(l.dedupe)
			l.dedupeReset = time.Now()
		}
		var seen bool
		if key == "" {
			_, seen = l.dedupe[string(keyBytes)] // looked up without a copy
		} else {
			_, seen = l.dedupe[key]
		}
		switch {
		case !seen && key == "":
			l.dedupe[string(keyBytes)] = struct{}{}
		case !seen:
			l.dedupe[key] = struct{}{}
		}
		if seen {
			l.mu.Unlock()
			l.m.deduped.Inc()
			return false, nil
		}
	}
	// Sampling comes after de-duplication, as in Server Core.
	keep, meta := l.sampling.decide(smp, time.Now())
	l.mu.Unlock()
	if !keep {
		l.m.sampledOut.Inc()
		return false, nil
	}
	return true, meta
}

// EnqueueAdmitted queues an exposure AdmitExposure admitted, with the metadata it returned.
func (l *Logger) EnqueueAdmitted(ev Event, meta map[string]any) {
	if meta != nil {
		ev.StatsigMetadata = meta
	}
	if ev.StatsigMetadata == nil {
		ev.StatsigMetadata = map[string]any{}
	}
	l.Enqueue(ev) // SecondaryExposures as given: nil is null, as Server Core sends some layers'
}

// cutLocked moves the queue into a pending batch and enforces the memory bound by dropping
// the oldest events.
func (l *Logger) cutLocked(flushType string) {
	if len(l.queue) == 0 {
		return
	}
	l.pending = append(l.pending, &batch{events: l.queue, bytes: l.queueBytes, flush: flushType})
	l.pendingN += len(l.queue)
	l.pendingB += l.queueBytes
	l.queue, l.queueBytes = nil, 0
	limit := l.opts.MaxQueueSize * l.opts.MaxPendingBatches
	for l.pendingN > limit && len(l.pending) > 0 {
		l.dropOldestLocked(l.pendingN-limit, "queue_full")
	}
	for l.pendingB > l.opts.MaxQueueBytes && len(l.pending) > 0 {
		l.dropOldestLocked(1, "queue_bytes")
	}
}

// dropOldestLocked drops up to n of the oldest pending events (at most one batch), counting
// them under reason.
func (l *Logger) dropOldestLocked(n int, reason string) {
	b := l.pending[0]
	if n >= len(b.events) {
		l.pending = l.pending[1:]
		l.pendingN -= len(b.events)
		l.pendingB -= b.bytes
		l.m.dropped.WithLabelValues(reason).Add(float64(len(b.events)))
		return
	}
	var gone int64
	for i := range n {
		gone += b.events[i].approxBytes()
	}
	b.events, b.body = b.events[n:], nil
	b.bytes -= gone
	l.pendingN -= n
	l.pendingB -= gone
	l.m.dropped.WithLabelValues(reason).Add(float64(n))
}

func (l *Logger) signal() {
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

func (l *Logger) loop() {
	defer close(l.done)
	tick := time.NewTicker(l.tickInterval())
	defer tick.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-tick.C:
		case <-l.wake:
		}
		l.mu.Lock()
		if len(l.queue) > 0 && time.Since(l.oldest) >= l.opts.FlushInterval {
			l.cutLocked("scheduled:max_time")
		}
		ready := len(l.pending) > 0 && !time.Now().Before(l.nextTry)
		l.mu.Unlock()
		if ready {
			// A failed batch is already rescheduled (or dropped, counted and logged) by deliver;
			// the next tick retries it.
			_ = l.deliver(l.bg, false)
		}
	}
}

func (l *Logger) tickInterval() time.Duration {
	return max(min(l.opts.FlushInterval/4, time.Second), 10*time.Millisecond)
}

// deliver sends pending batches in order. With force (flush, shutdown) it ignores the backoff
// and stops at the first failure; otherwise it stops at the first failure and backs off.
func (l *Logger) deliver(ctx context.Context, force bool) error {
	l.sendMu.Lock()
	defer l.sendMu.Unlock()
	for {
		l.mu.Lock()
		if len(l.pending) == 0 || (!force && time.Now().Before(l.nextTry)) {
			l.mu.Unlock()
			return nil
		}
		b := l.pending[0]
		l.pending = l.pending[1:]
		l.pendingN -= len(b.events)
		l.mu.Unlock()

		// The batch stays in pendingB while it is sent: with Statsig slow to answer, the
		// byte bound still covers it, so new events cannot fill a second bound's worth.
		err := l.send(ctx, b)
		l.mu.Lock()
		if err != nil && ctx.Err() != nil {
			// Abandoned (shutdown deadline), not failed: the batch stays first in line, and
			// Shutdown counts what is still undelivered.
			l.pending = append([]*batch{b}, l.pending...)
			l.pendingN += len(b.events)
			l.mu.Unlock()
			return err
		}
		if err == nil {
			l.pendingB -= b.bytes
			l.backoff = max(l.backoff/2, l.opts.InitialBackoff)
			l.nextTry = time.Time{}
			l.m.queued.Set(float64(len(l.queue) + l.pendingN))
			l.m.queuedBytes.Set(float64(l.queueBytes + l.pendingB))
			l.mu.Unlock()
			continue
		}
		reason := ""
		switch {
		case !statsig.IsRetryable(err):
			reason = "non_retryable"
		case b.retries >= l.opts.MaxRetries:
			reason = "retries_exhausted"
		}
		if reason != "" {
			l.pendingB -= b.bytes
			l.m.dropped.WithLabelValues(reason).Add(float64(len(b.events)))
			l.opts.Logger.Error(err, "Dropped a batch of events", "events", len(b.events), "reason", reason)
		} else {
			b.retries++
			l.pending = append([]*batch{b}, l.pending...)
			l.pendingN += len(b.events)
		}
		l.nextTry = time.Now().Add(l.backoff)
		l.backoff = min(l.backoff*2, l.opts.MaxBackoff)
		l.mu.Unlock()
		return err
	}
}

func (l *Logger) send(ctx context.Context, b *batch) error {
	body, err := l.encode(b)
	if err != nil {
		return err
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	sendCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := l.sender.Send(sendCtx, body, "gzip", len(b.events), b.retries); err != nil {
		l.m.batches.WithLabelValues("failed").Inc()
		return err
	}
	l.m.batches.WithLabelValues("sent").Inc()
	l.m.sent.Add(float64(len(b.events)))
	l.m.bytes.Add(float64(len(body)))
	return nil
}

// encode renders the docs/semantics.md §4.1 body, gzip-compressed.
// The body is written event by event into the gzip stream, so a large batch never exists
// uncompressed in memory, and kept with the batch for its retries.
func (l *Logger) encode(b *batch) ([]byte, error) {
	if b.body != nil {
		return b.body, nil
	}
	md, err := json.Marshal(map[string]any{
		"sdkType": statsig.DefaultSDKType, "sdkVersion": statsig.SDKVersion, "sessionID": l.sessionID,
		"flushType": b.flush, "batchSize": l.opts.MaxQueueSize,
		"flushingIntervalMs": l.opts.FlushInterval.Milliseconds(), "maxPendingBatches": l.opts.MaxPendingBatches,
	})
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.DefaultCompression)
	_, _ = zw.Write([]byte(`{"events":[`))
	for i, ev := range b.events {
		if i > 0 {
			_, _ = zw.Write([]byte{','})
		}
		raw, err := ev.MarshalJSON()
		if err != nil {
			return nil, fmt.Errorf("encode events: %w", err)
		}
		_, _ = zw.Write(raw)
	}
	_, _ = zw.Write([]byte(`],"statsigMetadata":`))
	_, _ = zw.Write(md)
	_, _ = zw.Write([]byte("}\n"))
	if err := zw.Close(); err != nil { // a bytes.Buffer never fails a write, so this is the one error
		return nil, err
	}
	b.body = buf.Bytes()
	return b.body, nil
}

// Flush sends everything queued now.
func (l *Logger) Flush(ctx context.Context) error {
	l.mu.Lock()
	l.cutLocked("manual")
	l.mu.Unlock()
	return l.deliver(ctx, true)
}

// Shutdown stops accepting events and delivers everything queued, retrying failed batches
// until ctx ends; what is still undelivered then is dropped, counted
// (events_dropped_total{reason="shutdown_timeout"}) and reported in the error. It returns
// soon after ctx ends even while Statsig does not answer: a background send in flight is
// abandoned, not waited for.
func (l *Logger) Shutdown(ctx context.Context) error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	l.cutLocked("shutdown")
	l.mu.Unlock()
	close(l.stop)
	defer l.cancelBG()
	select {
	case <-l.done:
	case <-ctx.Done():
		l.cancelBG()
		<-l.done
	}
	for {
		err := l.deliver(ctx, true)
		l.mu.Lock()
		left := l.pendingN
		l.mu.Unlock()
		if left == 0 {
			return err
		}
		select {
		case <-ctx.Done():
			l.mu.Lock()
			l.m.dropped.WithLabelValues("shutdown_timeout").Add(float64(l.pendingN))
			l.pending, l.pendingN, l.pendingB = nil, 0, 0
			l.mu.Unlock()
			return fmt.Errorf("shutdown: %d events undelivered: %w", left, ctx.Err())
		case <-time.After(min(l.opts.InitialBackoff, 200*time.Millisecond)):
		}
	}
}

// Pending is the number of events queued or waiting to be sent.
func (l *Logger) Pending() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.queue) + l.pendingN
}
