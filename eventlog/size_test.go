package eventlog

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/statsig-operator/statsig-operator/test/standin"
)

// The estimate stays within a small constant of the real JSON size, so the byte bound means
// what it says.
func TestApproxBytesTracksJSONSize(t *testing.T) {
	big := strings.Repeat("x", 100_000)
	for _, tc := range []struct {
		name string
		ev   Event
	}{
		{"exposure", Event{EventName: "statsig::gate_exposure", User: json.RawMessage(`{"userID":"u1"}`),
			Metadata: map[string]string{"gate": "g", "gateValue": "true", "ruleID": "r"}, StatsigMetadata: map[string]any{},
			SecondaryExposures: []SecondaryExposure{{Gate: "a", GateValue: "false", RuleID: "default"}}}},
		{"big user", Event{EventName: "statsig::config_exposure", User: json.RawMessage(`{"userID":"` + big + `"}`)}},
		{"big metadata", Event{EventName: "purchase", Metadata: map[string]string{"note": big}}},
		{"big value", Event{EventName: "purchase", Value: map[string]any{"items": []any{big, 1.5, true, nil}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			raw, err := json.Marshal(tc.ev)
			if err != nil {
				t.Fatal(err)
			}
			got, want := tc.ev.approxBytes(), int64(len(raw))
			if got < want-200 || got > want+300 {
				t.Fatalf("approxBytes %d, JSON %d", got, want)
			}
		})
	}
}

// Large custom events with Statsig unreachable: what the logger holds stays under
// MaxQueueBytes, the oldest events are dropped and counted.
func TestQueueBoundedInBytes(t *testing.T) {
	r := newReceiver(t)
	if err := r.si.InjectFault(standin.RouteLogEvent, standin.Fault{Kind: standin.Timeout, Times: 1000}); err != nil {
		t.Fatal(err)
	}
	const limit = 8 << 20
	l := newLogger(t, r, func(o *Options) { o.MaxQueueBytes = limit; o.MaxQueueSize = 2000 })
	payload := strings.Repeat("y", 1<<20)
	for i := range 300 {
		l.Enqueue(Event{EventName: "upload", Metadata: map[string]string{"i": string(rune('a' + i%26)), "blob": payload}})
	}
	l.mu.Lock()
	held := l.queueBytes + l.pendingB
	l.mu.Unlock()
	if held > limit {
		t.Fatalf("holding %d bytes, limit %d", held, limit)
	}
	dropped := testutil.ToFloat64(l.m.dropped.WithLabelValues("queue_bytes"))
	if dropped < 290 || int(dropped)+l.Pending() != 300 {
		t.Fatalf("dropped %v and pending %d, want 300 in all with most dropped", dropped, l.Pending())
	}
	if g := testutil.ToFloat64(l.m.queuedBytes); g <= 0 || g > limit {
		t.Fatalf("queue_bytes gauge %v", g)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_ = l.Shutdown(ctx)
}
