package workload

import (
	"context"
	"maps"
	"slices"

	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/client-go/util/workqueue"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	flagsv1alpha1 "github.com/statsig-operator/statsig-operator/api/v1alpha1"
	"github.com/statsig-operator/statsig-operator/inject"
)

// RestrictCache makes the manager cache (and so watch) Deployments, StatefulSets and
// DaemonSets of the given namespaces only: watch-namespaces mode, which needs get, list,
// watch and patch on those kinds in these namespaces only (Roles instead of a ClusterRole).
// No namespaces leaves the cache cluster-wide. Call it on the manager's cache options in main
// and pass the same namespaces as Options.Namespaces.
func RestrictCache(opts *cache.Options, namespaces []string) {
	if len(namespaces) == 0 {
		return
	}
	if opts.ByObject == nil {
		opts.ByObject = map[client.Object]cache.ByObject{}
	}
	for _, k := range kinds {
		byNS := map[string]cache.Config{}
		for _, ns := range namespaces {
			byNS[ns] = cache.Config{}
		}
		opts.ByObject[k.newObj()] = cache.ByObject{Namespaces: byNS}
	}
}

// watched reports whether the controller manages workloads of namespace ns.
func (o *Options) watched(ns string) bool {
	return len(o.Namespaces) == 0 || slices.Contains(o.Namespaces, ns)
}

// labelsChanged passes Namespace label updates only: creation is covered by the workloads'
// own watch, and a deleted namespace takes its workloads with it.
var labelsChanged = predicate.Funcs{
	CreateFunc:  func(event.CreateEvent) bool { return false },
	DeleteFunc:  func(event.DeleteEvent) bool { return false },
	GenericFunc: func(event.GenericEvent) bool { return false },
	UpdateFunc: func(e event.UpdateEvent) bool {
		return !maps.Equal(e.ObjectOld.GetLabels(), e.ObjectNew.GetLabels())
	},
}

// selectorChanged passes StatsigSpec updates that change spec.namespaceSelector: other
// changes reach workloads as new revisions, through the revision watcher.
var selectorChanged = predicate.Funcs{
	CreateFunc:  func(event.CreateEvent) bool { return false },
	DeleteFunc:  func(event.DeleteEvent) bool { return false },
	GenericFunc: func(event.GenericEvent) bool { return false },
	UpdateFunc: func(e event.UpdateEvent) bool {
		oldSpec, okOld := e.ObjectOld.(*flagsv1alpha1.StatsigSpec)
		newSpec, okNew := e.ObjectNew.(*flagsv1alpha1.StatsigSpec)
		return okOld && okNew &&
			!equality.Semantic.DeepEqual(oldSpec.Spec.NamespaceSelector, newSpec.Spec.NamespaceSelector)
	},
}

// metered enqueues the workloads fn maps an update to through the rate limiter: a namespace
// that becomes allowed may roll many workloads, and that spends the same update budget as a
// new revision.
func metered(fn func(context.Context, client.Object) []reconcile.Request) handler.EventHandler {
	return handler.Funcs{
		UpdateFunc: func(
			ctx context.Context, e event.UpdateEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request],
		) {
			for _, r := range fn(ctx, e.ObjectNew) {
				q.AddRateLimited(r)
			}
		},
	}
}

// inNamespace maps a Namespace whose labels changed to its workloads of kind k that use a
// StatsigSpec: whether they may use it may have changed.
func inNamespace(reader client.Reader, k kind, o *Options) handler.EventHandler {
	return metered(func(ctx context.Context, ns client.Object) []reconcile.Request {
		if !o.watched(ns.GetName()) {
			return nil
		}
		return relevantRequests(ctx, reader, k, func(client.Object) bool { return true },
			client.InNamespace(ns.GetName()))
	})
}

// usingSpec maps a StatsigSpec whose namespaceSelector changed to the workloads of kind k
// that name it, or name none (and so use the only one served).
func usingSpec(reader client.Reader, k kind) handler.EventHandler {
	return metered(func(ctx context.Context, ssp client.Object) []reconcile.Request {
		return relevantRequests(ctx, reader, k, func(obj client.Object) bool {
			name := obj.GetAnnotations()[inject.AnnSpec]
			return name == "" || name == ssp.GetName()
		})
	})
}

func relevantRequests(
	ctx context.Context,
	reader client.Reader,
	k kind,
	match func(client.Object) bool,
	opts ...client.ListOption,
) []reconcile.Request {
	list := k.newList()
	if err := reader.List(ctx, list, opts...); err != nil {
		return nil
	}
	var out []reconcile.Request
	for _, obj := range k.items(list) {
		if relevant(obj, k) && match(obj) {
			out = append(out, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(obj)})
		}
	}
	return out
}
