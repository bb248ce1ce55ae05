package consumer

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	flagsv1alpha1 "github.com/statsig-operator/statsig-operator/api/v1alpha1"
	"github.com/statsig-operator/statsig-operator/overrideset"
)

// overrideToSpec requeues the StatsigSpec an override names (old and new, on an edit).
func overrideToSpec() handler.EventHandler {
	return handler.EnqueueRequestsFromMapFunc(func(_ context.Context, o client.Object) []reconcile.Request {
		ov, ok := o.(*flagsv1alpha1.StatsigOverride)
		if !ok || ov.Spec.StatsigSpecName == "" {
			return nil
		}
		return []reconcile.Request{{NamespacedName: types.NamespacedName{Name: ov.Spec.StatsigSpecName}}}
	})
}

// namespaceToSpecs requeues the StatsigSpecs a namespace's overrides name: its labels decide
// whether a StatsigSpec's namespaceSelector accepts them.
func namespaceToSpecs(reader client.Reader) handler.EventHandler {
	return handler.EnqueueRequestsFromMapFunc(func(ctx context.Context, o client.Object) []reconcile.Request {
		var list flagsv1alpha1.StatsigOverrideList
		if err := reader.List(ctx, &list, client.InNamespace(o.GetName())); err != nil {
			return nil
		}
		seen := map[string]bool{}
		var out []reconcile.Request
		for _, ov := range list.Items {
			if n := ov.Spec.StatsigSpecName; n != "" && !seen[n] {
				seen[n] = true
				out = append(out, reconcile.Request{NamespacedName: types.NamespacedName{Name: n}})
			}
		}
		return out
	})
}

// listFailed is the fingerprint of a set that could not be listed: the applied one stays.
const listFailed = "\x00list failed"

// overrideSet is spec's overrides now, as every replica computes them from its cache.
func (c *Consumer) overrideSet(ctx context.Context, spec *flagsv1alpha1.StatsigSpec) overrideset.Set {
	if c.guard == nil {
		return overrideset.Set{}
	}
	var list flagsv1alpha1.StatsigOverrideList
	if err := c.reader.List(ctx, &list, client.MatchingFields{overrideset.SpecIndex: spec.Name}); err != nil {
		logf.FromContext(ctx).Error(err, "Failed to list StatsigOverrides; keeping the ones applied",
			"statsigspec", spec.Name)
		return overrideset.Set{Fingerprint: listFailed}
	}
	return overrideset.Build(list.Items, spec.Name, time.Now(), func(ns string) string {
		return c.guard.Denied(ctx, spec.Name, ns)
	})
}

// hitsFor is the override-answer counter of spec (kept across revisions).
func (c *Consumer) hitsFor(name string) *atomic.Uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	h := c.hits[name]
	if h == nil {
		h = new(atomic.Uint64)
		c.hits[name] = h
	}
	return h
}

// untilExpiry is when to look again: just after the next override expires (0: never).
func untilExpiry(set overrideset.Set) time.Duration {
	if set.NextExpiry.IsZero() {
		return 0
	}
	return time.Until(set.NextExpiry) + 10*time.Millisecond
}

var hitsDesc = prometheus.NewDesc("statsig_operator_override_evaluations_total",
	"Evaluations a StatsigOverride answered (top-level results, a nested gate's override included).",
	[]string{"statsigspec"}, nil)

// hitsCollector exports the per-StatsigSpec override counters, which outlive revisions.
type hitsCollector struct{ c *Consumer }

func (h hitsCollector) Describe(ch chan<- *prometheus.Desc) { ch <- hitsDesc }

func (h hitsCollector) Collect(ch chan<- prometheus.Metric) {
	h.c.mu.Lock()
	defer h.c.mu.Unlock()
	for name, n := range h.c.hits {
		ch <- prometheus.MustNewConstMetric(hitsDesc, prometheus.CounterValue, float64(n.Load()), name)
	}
}
