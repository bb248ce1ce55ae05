package controllers

import (
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// rssBytes reads this process's resident set size from /proc (0 where unavailable).
func rssBytes() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// steadyHeap collects garbage and returns the live heap.
func steadyHeap() int64 {
	runtime.GC()
	return heapLive()
}

// heapLive is the Go heap still live after the last GC.
func heapLive() int64 {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	return int64(s[0].Value.Uint64())
}

// peakRSS samples the RSS every 10 ms until stop is called, which returns the peak RSS and
// the peak live heap.
func peakRSS() (stop func() (rss, heap int64)) {
	var peak, peakHeap atomic.Int64
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			if r := rssBytes(); r > peak.Load() {
				peak.Store(r)
			}
			if h := heapLive(); h > peakHeap.Load() {
				peakHeap.Store(h)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() (int64, int64) { close(done); return peak.Load(), peakHeap.Load() }
}

// histogramSum is the total time recorded by statsig_operator_sync_duration_seconds for a spec.
func histogramSum(spec string) float64 {
	var m dto.Metric
	total := 0.0
	for _, result := range []string{"success", "failure"} {
		h, err := syncDuration.GetMetricWithLabelValues(spec, result)
		if err != nil {
			continue
		}
		if err := h.(prometheus.Histogram).Write(&m); err == nil {
			total += m.GetHistogram().GetSampleSum()
		}
	}
	return total
}
