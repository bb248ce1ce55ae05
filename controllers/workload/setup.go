package workload

import (
	"context"
	"errors"
	"time"

	"golang.org/x/time/rate"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/util/workqueue"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/source"

	flagsv1alpha1 "github.com/statsig-operator/statsig-operator/api/v1alpha1"
	"github.com/statsig-operator/statsig-operator/inject"
	"github.com/statsig-operator/statsig-operator/serving"
	"github.com/statsig-operator/statsig-operator/tenancy"
)

// +kubebuilder:rbac:groups=apps,resources=deployments;statefulsets;daemonsets,verbs=get;list;watch;patch
// +kubebuilder:rbac:groups="events.k8s.io",resources=events,verbs=create;patch
// +kubebuilder:rbac:groups="",resources=namespaces,verbs=get;list;watch
// +kubebuilder:rbac:groups=flags.statsig-operator.io,resources=statsigspecs,verbs=get;list;watch

// Options configure Setup.
type Options struct {
	// Registry is what workloads are evaluated against.
	Registry *serving.Registry
	// Namespace is the operator's, for OFREP_ENDPOINT (required; main passes --namespace).
	Namespace string
	// EndpointService names the endpoint Service (default statsig-operator-endpoint);
	// EndpointTLS says it serves HTTPS, so OFREP_ENDPOINT is an https URL.
	EndpointService string
	EndpointTLS     bool
	// MaxUpdatesPerSecond bounds how fast revision changes roll workloads (default 5), with
	// Burst updates at once (default 10).
	MaxUpdatesPerSecond float64
	Burst               int
	// MaxConcurrentReconciles per kind (default 2).
	MaxConcurrentReconciles int
	// Namespaces, when set, are the only namespaces whose workloads are managed
	// (watch-namespaces mode); main also passes them to RestrictCache. Empty: every namespace.
	Namespaces []string
}

// Setup registers one controller per workload kind and the revision watcher with mgr.
func Setup(mgr ctrl.Manager, o Options) error {
	if o.Registry == nil {
		return errors.New("workload: Options.Registry is required")
	}
	if o.Namespace == "" {
		return errors.New("workload: Options.Namespace is required")
	}
	if o.EndpointService == "" {
		o.EndpointService = inject.DefaultEndpointService
	}
	if o.MaxUpdatesPerSecond <= 0 {
		o.MaxUpdatesPerSecond = 5
	}
	if o.Burst <= 0 {
		o.Burst = 10
	}
	if o.MaxConcurrentReconciles <= 0 {
		o.MaxConcurrentReconciles = 2
	}
	guard, err := tenancy.New(context.Background(), mgr.GetCache())
	if err != nil {
		return err
	}
	rec := mgr.GetEventRecorder("statsig-operator-workload")
	var rs []*reconciler
	var sinks []chan event.GenericEvent
	for _, k := range kinds {
		r := &reconciler{
			client:   mgr.GetClient(),
			kind:     k,
			registry: o.Registry,
			ofrep:    inject.OFREPEndpoint(o.EndpointService, o.Namespace, o.EndpointTLS),
			events:   rec,
			tenancy:  guard,
			watched:  o.watched,
		}
		sink := make(chan event.GenericEvent, 1024)
		// Revision-driven work goes through AddRateLimited: the bucket meters updates.
		limiter := workqueue.NewTypedMaxOfRateLimiter(
			workqueue.NewTypedItemExponentialFailureRateLimiter[reconcile.Request](50*time.Millisecond, 5*time.Minute),
			&workqueue.TypedBucketRateLimiter[reconcile.Request]{
				Limiter: rate.NewLimiter(rate.Limit(o.MaxUpdatesPerSecond), o.Burst),
			},
		)
		err = ctrl.NewControllerManagedBy(mgr).
			Named("workload-"+k.name).
			For(k.newObj(), builder.WithPredicates(
				predicate.NewPredicateFuncs(func(obj client.Object) bool {
					return o.watched(obj.GetNamespace()) && relevant(obj, k)
				}),
				predicate.Or(predicate.GenerationChangedPredicate{}, predicate.AnnotationChangedPredicate{}),
			)).
			// Whether a namespace may use a StatsigSpec changes with the namespace's labels (a
			// metadata-only watch) and with the StatsigSpec's namespaceSelector.
			Watches(&corev1.Namespace{}, inNamespace(mgr.GetClient(), k, &o),
				builder.OnlyMetadata, builder.WithPredicates(labelsChanged)).
			Watches(&flagsv1alpha1.StatsigSpec{}, usingSpec(mgr.GetClient(), k),
				builder.WithPredicates(selectorChanged)).
			WatchesRawSource(source.Channel(sink, handler.Funcs{
				GenericFunc: func(
					_ context.Context, e event.GenericEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request],
				) {
					q.AddRateLimited(reconcile.Request{NamespacedName: client.ObjectKeyFromObject(e.Object)})
				},
			})).
			WithOptions(controller.Options{RateLimiter: limiter, MaxConcurrentReconciles: o.MaxConcurrentReconciles}).
			Complete(r)
		if err != nil {
			return err
		}
		rs = append(rs, r)
		sinks = append(sinks, sink)
	}
	return mgr.Add(newRevisionWatcher(mgr.GetClient(), o.Registry, rs, sinks))
}

// relevant: the workload asks for results, or still carries results to remove.
func relevant(obj client.Object, k kind) bool {
	if inject.Requested(obj.GetAnnotations()) || obj.GetAnnotations()[inject.AnnDryRunResults] != "" {
		return true
	}
	return k.template(obj).Annotations[inject.AnnResultsHash] != ""
}
