package endpoint

import (
	"runtime"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

func TestGoCollectorExportsTheLiveHeap(t *testing.T) {
	runtime.GC() // the live heap is known after a collection
	reg := prometheus.NewRegistry()
	reg.MustRegister(goCollector())
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]float64{}
	for _, mf := range mfs {
		if len(mf.GetMetric()) > 0 && mf.GetMetric()[0].GetGauge() != nil {
			names[mf.GetName()] = mf.GetMetric()[0].GetGauge().GetValue()
		}
	}
	if names["go_gc_heap_live_bytes"] <= 0 || names["go_memstats_heap_alloc_bytes"] <= 0 {
		t.Errorf("want go_gc_heap_live_bytes and the memstats gauges, got %v", names)
	}
}
