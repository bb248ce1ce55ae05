package eventlog

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr/funcr"
	"github.com/prometheus/client_golang/prometheus"
)

// TestSetLoggersFollowOutputLogLevel: a StatsigSpec's event logger writes its lines (here: a
// rejected batch, an Error line) at the spec's outputLogLevel.
func TestSetLoggersFollowOutputLogLevel(t *testing.T) {
	tests := []struct {
		level string
		want  bool
	}{{"none", false}, {"error", true}, {"warn", true}, {"", true}}
	for _, tt := range tests {
		t.Run(tt.level, func(t *testing.T) {
			r := newReceiver(t)
			r.failNext(t, 400, 1)
			var mu sync.Mutex
			var lines []string
			base := funcr.New(func(_, args string) {
				mu.Lock()
				defer mu.Unlock()
				lines = append(lines, args)
			}, funcr.Options{})
			set := NewSet(prometheus.NewRegistry(), base)
			l, err := set.For("spec-"+tt.level, Options{URL: r.url(), APIKey: "secret-test-key",
				FlushInterval: time.Hour, LogLevel: tt.level})
			if err != nil {
				t.Fatal(err)
			}
			l.Enqueue(custom(1))
			_ = l.Shutdown(context.Background())
			mu.Lock()
			defer mu.Unlock()
			got := strings.Contains(strings.Join(lines, "\n"), "Dropped a batch of events")
			if got != tt.want {
				t.Errorf("rejected batch logged %v, want %v: %q", got, tt.want, lines)
			}
		})
	}
}

// TestSetReplacesLoggerOnLevelChange: a new outputLogLevel takes effect (a new logger).
func TestSetReplacesLoggerOnLevelChange(t *testing.T) {
	r := newReceiver(t)
	set := NewSet(prometheus.NewRegistry(), funcr.New(func(string, string) {}, funcr.Options{}))
	opts := Options{URL: r.url(), APIKey: "secret-test-key", FlushInterval: time.Hour, LogLevel: "warn"}
	a, err := set.For("s", opts)
	if err != nil {
		t.Fatal(err)
	}
	opts.LogLevel = "error"
	b, err := set.For("s", opts)
	if err != nil {
		t.Fatal(err)
	}
	if a == b {
		t.Error("the logger was kept after outputLogLevel changed")
	}
	_ = b.Shutdown(context.Background())
}
