package workload

import (
	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
)

var (
	updates = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "statsig_operator_workload_updates_total",
		Help: "Workload pod templates updated with new Statsig results, by kind and mode (apply, dry-run, release).",
	}, []string{"kind", "mode"})
	staleWorkloads = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "statsig_operator_workload_reevaluations_total",
		Help: "Workloads re-evaluated after a new snapshot revision, by whether their results changed.",
	}, []string{"changed"})
)

func init() { metrics.Registry.MustRegister(updates, staleWorkloads) }
