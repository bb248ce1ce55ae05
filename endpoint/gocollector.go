package endpoint

import (
	"regexp"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// goCollector is Prometheus's Go runtime collector plus go_gc_heap_live_bytes, the heap
// still live after the last GC: what a replica's memory is sized by (docs/operations.md),
// which go_memstats_heap_alloc_bytes overstates by the garbage since that GC. For `serve`'s
// own registry; the operator's (controller-runtime's) exports every runtime metric already.
func goCollector() prometheus.Collector {
	return collectors.NewGoCollector(collectors.WithGoCollectorRuntimeMetrics(
		collectors.GoRuntimeMetricsRule{Matcher: regexp.MustCompile(`^/gc/heap/live:bytes$`)},
	))
}
