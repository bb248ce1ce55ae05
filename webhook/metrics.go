package webhook

import (
	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
)

var (
	admissions = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "statsig_operator_pod_admissions_total",
		Help: "Pod admission requests by outcome (mutated, unchanged, warned, denied).",
	}, []string{"outcome"})
	droppedEvents = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "statsig_operator_webhook_events_dropped_total",
		Help: "Admission events dropped because the event queue was full.",
	})
)

func init() { metrics.Registry.MustRegister(admissions, droppedEvents) }
