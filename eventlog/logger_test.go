package eventlog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/statsig-operator/statsig-operator/evaluator"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/statsig-operator/statsig-operator/statsig"
	"github.com/statsig-operator/statsig-operator/test/standin"
)

// receiver is the Statsig stand-in's log_event endpoint (the project's only test double).
type receiver struct{ si *standin.Server }

func newReceiver(t *testing.T) *receiver {
	si := standin.New(standin.Options{Keys: []string{"secret-test-key"}})
	if err := si.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(si.Close)
	return &receiver{si: si}
}

func (r *receiver) url() string { return r.si.LogEventURL() }
func (r *receiver) count() int  { return r.si.EventCount() }
func (r *receiver) requests() []standin.Request {
	return r.si.RequestsTo(standin.RouteLogEvent)
}

// failNext answers the next n log_event requests with status.
func (r *receiver) failNext(t *testing.T, status, n int) {
	t.Helper()
	f := standin.Fault{Kind: standin.StatusCode, Status: status, Times: n}
	if err := r.si.InjectFault(standin.RouteLogEvent, f); err != nil {
		t.Fatal(err)
	}
}

func newLogger(t *testing.T, r *receiver, mod func(*Options)) *Logger {
	t.Helper()
	o := Options{URL: r.url(), APIKey: "secret-test-key", FlushInterval: time.Hour,
		MaxQueueSize: 10, InitialBackoff: 10 * time.Millisecond, MaxBackoff: 40 * time.Millisecond,
		Registerer: prometheus.NewRegistry()}
	if mod != nil {
		mod(&o)
	}
	l, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func custom(i int) Event {
	return Event{EventName: "purchase", Value: i, User: json.RawMessage(fmt.Sprintf(`{"userID":"u%d"}`, i)), Time: 1}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestDelivery(t *testing.T) {
	tests := []struct {
		name string
		n    int
		mod  func(*Options)
		prep func(*testing.T, *receiver)
	}{
		{name: "flush by size", n: 30},
		{name: "flush by interval", n: 3, mod: func(o *Options) { o.FlushInterval = 50 * time.Millisecond }},
		{name: "retry after 500s", n: 20, prep: func(t *testing.T, r *receiver) { r.failNext(t, 500, 3) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newReceiver(t)
			if tt.prep != nil {
				tt.prep(t, r)
			}
			l := newLogger(t, r, tt.mod)
			for i := 0; i < tt.n; i++ {
				l.Enqueue(custom(i))
			}
			waitFor(t, "delivery", func() bool { return r.count() == tt.n })
			if err := l.Shutdown(context.Background()); err != nil {
				t.Fatal(err)
			}
			if got := r.count(); got != tt.n {
				t.Fatalf("delivered %d events, want exactly %d", got, tt.n)
			}
		})
	}
}

func TestShutdownDrainsEverything(t *testing.T) {
	r := newReceiver(t)
	l := newLogger(t, r, func(o *Options) { o.MaxQueueSize = 2000 })
	for i := range 1234 {
		l.Enqueue(custom(i))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := l.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if got := r.count(); got != 1234 {
		t.Fatalf("delivered %d, want 1234", got)
	}
	l.Enqueue(custom(1)) // after shutdown: dropped and counted, never a panic
}

func TestNonRetryableIsDroppedAndCounted(t *testing.T) {
	r := newReceiver(t)
	r.failNext(t, 400, 1)
	reg := prometheus.NewRegistry()
	l := newLogger(t, r, func(o *Options) { o.Registerer = reg })
	for i := range 10 {
		l.Enqueue(custom(i))
	}
	waitFor(t, "drop", func() bool { return testutil.ToFloat64(l.m.dropped.WithLabelValues("non_retryable")) == 10 })
	for i := range 10 {
		l.Enqueue(custom(i))
	}
	_ = l.Shutdown(context.Background())
	if r.count() != 10 {
		t.Fatalf("delivered %d, want the 10 sent after the rejected batch", r.count())
	}
}

func TestFloodIsBounded(t *testing.T) {
	r := newReceiver(t)
	r.failNext(t, 503, 1<<30)
	l := newLogger(t, r, func(o *Options) {
		o.MaxPendingBatches = 3
		o.InitialBackoff = time.Hour
		o.MaxBackoff = time.Hour
	})
	for i := range 10000 {
		l.Enqueue(custom(i))
	}
	if p := l.Pending(); p > 10*3+10 {
		t.Fatalf("%d events held in memory, want at most %d", p, 40)
	}
	if d := testutil.ToFloat64(l.m.dropped.WithLabelValues("queue_full")); d < 9900 {
		t.Fatalf("dropped %v, want the flood counted", d)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := l.Shutdown(ctx); err == nil {
		t.Fatal("shutdown with an unreachable Statsig must report undelivered events")
	}
}

func TestDisableAllLoggingSendsNothing(t *testing.T) {
	r := newReceiver(t)
	l := newLogger(t, r, func(o *Options) { o.DisableAllLogging = true })
	for i := range 50 {
		l.Enqueue(custom(i))
		l.EnqueueExposure(custom(i), "k")
	}
	_ = l.Flush(context.Background())
	_ = l.Shutdown(context.Background())
	if n := len(r.requests()); n != 0 {
		t.Fatalf("%d requests with logging disabled", n)
	}
}

func TestExposureDedupe(t *testing.T) {
	r := newReceiver(t)
	l := newLogger(t, r, func(o *Options) { o.DedupeTTL = 50 * time.Millisecond })
	for range 5 {
		l.EnqueueExposure(Event{EventName: "statsig::gate_exposure", User: json.RawMessage(`{"userID":"a"}`)}, "gate|a")
	}
	l.EnqueueExposure(Event{EventName: "statsig::gate_exposure", User: json.RawMessage(`{"userID":"b"}`)}, "gate|b")
	time.Sleep(60 * time.Millisecond)
	l.EnqueueExposure(Event{EventName: "statsig::gate_exposure", User: json.RawMessage(`{"userID":"a"}`)}, "gate|a")
	if err := l.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if r.count() != 3 {
		t.Fatalf("delivered %d exposures, want 3 (one per key, again after the TTL)", r.count())
	}
	for _, ev := range r.si.Events() {
		if ev.StatsigMetadata == nil {
			t.Fatalf("exposure without statsigMetadata {}: %+v", ev)
		}
	}
}

// AdmitExposure shares EnqueueExposure's de-duplication set: a key admitted by one is a
// duplicate for the other, and a duplicate is refused without allocating.
func TestAdmitExposure(t *testing.T) {
	r := newReceiver(t)
	l := newLogger(t, r, nil)
	if ok, _ := l.AdmitExposure([]byte("gate|a"), nil); !ok {
		t.Fatal("a new key was not admitted")
	}
	l.EnqueueAdmitted(Event{EventName: "statsig::gate_exposure", User: json.RawMessage(`{"userID":"a"}`)}, nil)
	l.EnqueueExposure(Event{EventName: "statsig::gate_exposure", User: json.RawMessage(`{"userID":"a"}`)}, "gate|a")
	l.EnqueueExposure(Event{EventName: "statsig::gate_exposure", User: json.RawMessage(`{"userID":"b"}`)}, "gate|b")
	key := []byte("gate|b")
	if n := testing.AllocsPerRun(100, func() {
		if ok, _ := l.AdmitExposure(key, nil); ok {
			t.Fatal("a duplicate was admitted")
		}
	}); n != 0 {
		t.Errorf("a duplicate costs %v allocations", n)
	}
	if err := l.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if r.count() != 2 {
		t.Fatalf("delivered %d exposures, want 2", r.count())
	}
	for _, ev := range r.si.Events() {
		if ev.StatsigMetadata == nil {
			t.Fatalf("exposure without statsigMetadata {}: %+v", ev)
		}
	}
}

// De-duplication outlives a flush: an exposure already delivered is not sent again within the
// TTL (Server Core keeps its set across flushes and resets it on the TTL only).
func TestExposureDedupeAcrossFlushes(t *testing.T) {
	r := newReceiver(t)
	l := newLogger(t, r, func(o *Options) { o.DedupeTTL = time.Hour })
	exposure := func(user string) Event {
		return Event{EventName: "statsig::gate_exposure", User: json.RawMessage(`{"userID":"` + user + `"}`)}
	}
	for round := range 3 {
		l.EnqueueExposure(exposure("a"), "gate|a")
		l.EnqueueExposure(exposure(fmt.Sprint("new-", round)), fmt.Sprint("gate|new-", round))
		if err := l.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if r.count() != 4 {
		t.Fatalf("delivered %d exposures over 3 flushes, want 4 (a once, and one new user per flush)", r.count())
	}
}

// The payload's sdk_configs.exposure_dedupe_ttl_ms, carried by the exposure, sets the window.
func TestExposureDedupeWindowFromPayload(t *testing.T) {
	r := newReceiver(t)
	l := newLogger(t, r, func(o *Options) { o.DedupeTTL = time.Hour })
	smp := &evaluator.Sampling{Config: evaluator.SamplingConfig{DedupeTTL: 30 * time.Millisecond, HasDedupeTTL: true}}
	ev := Event{EventName: "statsig::gate_exposure", User: json.RawMessage(`{"userID":"a"}`), Sampling: smp}
	l.EnqueueExposure(ev, "gate|a")
	l.EnqueueExposure(ev, "gate|a")
	time.Sleep(40 * time.Millisecond)
	l.EnqueueExposure(ev, "gate|a")
	if err := l.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if r.count() != 2 {
		t.Fatalf("delivered %d exposures, want 2 (the payload's 30 ms window, not the logger's hour)", r.count())
	}
}

func TestHeadersAndNoKeyInErrors(t *testing.T) {
	r := newReceiver(t)
	l := newLogger(t, r, nil)
	l.Enqueue(custom(1))
	if err := l.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	h := r.requests()[0].Header
	for _, k := range []string{"Statsig-Api-Key", "Statsig-Sdk-Type", "Statsig-Event-Count", "Content-Encoding"} {
		if h.Get(k) == "" {
			t.Errorf("missing header %s", k)
		}
	}
	if h.Get("Content-Encoding") != "gzip" || h.Get("Statsig-Event-Count") != "1" {
		t.Errorf("headers %v", h)
	}
	r.failNext(t, 500, 1)
	l.Enqueue(custom(2))
	err := l.Flush(context.Background())
	if err == nil || strings.Contains(err.Error(), "secret-test-key") {
		t.Fatalf("error %v must exist and not contain the key", err)
	}
	var se *statsig.StatusError
	if !errors.As(err, &se) || se.Code != 500 {
		t.Fatalf("error %v is not a 500 StatusError", err)
	}
	_ = l.Shutdown(context.Background())
}

func BenchmarkEnqueue(b *testing.B) {
	l, _ := New(Options{Sender: discard{}, Registerer: prometheus.NewRegistry(), FlushInterval: time.Hour})
	ev := custom(1)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		l.Enqueue(ev)
	}
	_ = l.Shutdown(context.Background())
}

type discard struct{}

func (discard) Send(context.Context, []byte, string, int, int) error { return nil }

// Loggers on one registry share its collectors (no package-level state decides that).
func TestLoggersShareRegistryMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	a, b := registerMetrics(reg), registerMetrics(reg)
	if a.sent != b.sent || a.dropped != b.dropped || a.queued != b.queued {
		t.Fatal("a second logger on the same registry got its own collectors")
	}
	a.sent.Add(2)
	b.sent.Add(3)
	if got := testutil.ToFloat64(a.sent); got != 5 {
		t.Fatalf("events_sent_total = %v, want 5", got)
	}
	if other := registerMetrics(prometheus.NewRegistry()); other.sent == a.sent {
		t.Fatal("another registry shares collectors")
	}
}

// A background delivery that hangs on Statsig does not hold Shutdown past its deadline: the
// batch is abandoned, counted as shutdown_timeout and reported.
func TestShutdownHonoursDeadlineWhileUpstreamHangs(t *testing.T) {
	r := newReceiver(t)
	if err := r.si.InjectFault(standin.RouteLogEvent, standin.Fault{Kind: standin.Timeout, Times: 100}); err != nil {
		t.Fatal(err)
	}
	l := newLogger(t, r, func(o *Options) { o.FlushInterval = 20 * time.Millisecond })
	for i := range 25 {
		l.Enqueue(custom(i))
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(r.requests()) == 0 && time.Now().Before(deadline) { // a background send is in flight
		time.Sleep(5 * time.Millisecond)
	}
	if len(r.requests()) == 0 {
		t.Fatal("no background delivery started")
	}
	const budget = 300 * time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), budget)
	defer cancel()
	start := time.Now()
	err := l.Shutdown(ctx)
	took := time.Since(start)
	if err == nil {
		t.Fatal("Shutdown reported no undelivered events")
	}
	if took > budget+time.Second {
		t.Fatalf("Shutdown took %v with a %v budget", took, budget)
	}
	if lost := testutil.ToFloat64(l.m.dropped.WithLabelValues("shutdown_timeout")); lost != 25 {
		t.Fatalf("shutdown_timeout dropped %v events, want all 25 counted", lost)
	}
}
