package workload

import (
	"context"

	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	logf "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/statsig-operator/statsig-operator/serving"
)

// revisionWatcher turns new snapshot revisions into work: it re-evaluates every annotated
// workload from the cache (in memory, no writes) and enqueues only those whose results
// changed, so the update rate limit is spent on real updates.
type revisionWatcher struct {
	reader      client.Reader
	reconcilers []*reconciler
	sinks       []chan event.GenericEvent
	signal      chan struct{}
}

func newRevisionWatcher(
	reader client.Reader,
	registry *serving.Registry,
	rs []*reconciler,
	sinks []chan event.GenericEvent,
) *revisionWatcher {
	w := &revisionWatcher{reader: reader, reconcilers: rs, sinks: sinks, signal: make(chan struct{}, 1)}
	registry.Subscribe(func(string, string) {
		// Coalesce: the registry's writer must not wait, and one pass covers every revision.
		select {
		case w.signal <- struct{}{}:
		default:
		}
	})
	return w
}

func (w *revisionWatcher) NeedLeaderElection() bool { return true }

func (w *revisionWatcher) Start(ctx context.Context) error {
	log := logf.FromContext(ctx).WithName("workload-revisions")
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-w.signal:
		}
		changed, total := 0, 0
		for i, r := range w.reconcilers {
			list := r.kind.newList()
			if err := w.reader.List(ctx, list); err != nil {
				log.Error(err, "Failed to list workloads", "kind", r.kind.name)
				continue
			}
			for _, obj := range r.kind.items(list) {
				e := r.evaluate(ctx, obj)
				if !e.managed || e.req.Paused || e.denied != "" || len(e.problems) > 0 {
					continue
				}
				total++
				if r.current(obj, e) {
					staleWorkloads.WithLabelValues("false").Inc()
					continue
				}
				staleWorkloads.WithLabelValues("true").Inc()
				changed++
				select {
				case w.sinks[i] <- event.GenericEvent{Object: obj}:
				case <-ctx.Done():
					return nil
				}
			}
		}
		log.Info("Re-evaluated workloads for a new revision", "workloads", total, "changed", changed)
	}
}
