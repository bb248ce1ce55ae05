package controllers

import (
	"context"
	"errors"
	"time"

	corev1 "k8s.io/api/core/v1"
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
	"github.com/statsig-operator/statsig-operator/serving"
	"github.com/statsig-operator/statsig-operator/snapshot"
)

// Options configure the StatsigSpec controller.
type Options struct {
	// Namespace is the operator's namespace: where snapshot chunks are stored and where
	// references without a namespace point. Required.
	Namespace string
	// ChunkSize and MaxChunks bound the stored snapshots; zero means snapshot.DefaultChunkSize
	// and snapshot.DefaultMaxChunks.
	ChunkSize int
	MaxChunks int
	// MaxConcurrentReconciles is how many StatsigSpecs sync at once; zero means 2.
	MaxConcurrentReconciles int
	// PollTimeout caps background downloads (the first one uses spec.initTimeoutMs); zero
	// means 10 s.
	PollTimeout time.Duration
	// TempDir is where large downloads are spooled; empty means os.TempDir().
	TempDir string
	// Refs reads the Secrets and ConfigMaps StatsigSpecs reference (a cache of the operator
	// namespace that main shares with the consumer). Required.
	Refs *snapshot.Refs
	// Handoff, when set, receives the specs of every stored payload for the consumer of this
	// process, so it does not decode them again.
	Handoff *serving.Handoff
}

// SetupStatsigSpecReconciler registers the leader-elected StatsigSpec controller with mgr. It
// watches StatsigSpecs, their snapshot chunks and the Secrets and ConfigMaps they reference
// (through opts.Refs, a cache of the operator namespace shared with the consumer).
// Call snapshot.RestrictSecretCache on the manager's cache options so the manager caches only
// chunk Secrets.
func SetupStatsigSpecReconciler(mgr ctrl.Manager, opts Options) error {
	_, err := setup(mgr, opts)
	return err
}

// controllerName names the StatsigSpec controller in controller-runtime's logs and metrics.
const controllerName = "statsigspec"

func setup(mgr ctrl.Manager, opts Options) (*StatsigSpecReconciler, error) {
	if opts.Namespace == "" {
		return nil, errors.New("controllers: Options.Namespace is required")
	}
	if opts.Refs == nil {
		return nil, errors.New("controllers: Options.Refs is required")
	}
	refs := opts.Refs
	if err := indexRefs(context.Background(), mgr, opts.Namespace); err != nil {
		return nil, err
	}
	chunkREST, err := snapshot.NewSecretsREST(mgr.GetConfig(), mgr.GetHTTPClient(), mgr.GetScheme())
	if err != nil {
		return nil, err
	}
	r := &StatsigSpecReconciler{
		Client:    mgr.GetClient(),
		APIReader: mgr.GetAPIReader(),
		Store: &snapshot.Store{
			Client: mgr.GetClient(), Reader: mgr.GetClient(), APIReader: mgr.GetAPIReader(), Scheme: mgr.GetScheme(),
			Namespace: opts.Namespace, ChunkSize: opts.ChunkSize, MaxChunks: opts.MaxChunks, REST: chunkREST,
		},
		Refs:     refs,
		Recorder: mgr.GetEventRecorder("statsig-operator"),
		Opts:     opts,
		streams:  newSpecStreams(mgr.GetLogger().WithName("spec-streams")),
	}
	if err := mgr.Add(r.streams); err != nil {
		return nil, err
	}
	workers := opts.MaxConcurrentReconciles
	if workers <= 0 {
		workers = 2
	}
	mapSecret := handler.TypedEnqueueRequestsFromMapFunc(func(ctx context.Context, s *corev1.Secret) []reconcile.Request {
		return specsReferencing(ctx, mgr.GetClient(), "Secret", s)
	})
	mapConfigMap := handler.TypedEnqueueRequestsFromMapFunc(
		func(ctx context.Context, cm *corev1.ConfigMap) []reconcile.Request {
			return specsReferencing(ctx, mgr.GetClient(), "ConfigMap", cm)
		},
	)
	err = ctrl.NewControllerManagedBy(mgr).
		Named(controllerName).
		For(&flagsv1alpha1.StatsigSpec{}, builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		// A deleted or edited chunk of the served revision is repaired on the next reconcile.
		// Metadata only: the chunks' data is never cached (snapshot.RestrictSecretCache).
		Owns(&corev1.Secret{}, builder.OnlyMetadata, builder.WithPredicates(chunkPredicate())).
		WatchesRawSource(source.Kind(refs.Cache, &corev1.Secret{}, mapSecret)).
		WatchesRawSource(source.Kind(refs.Cache, &corev1.ConfigMap{}, mapConfigMap)).
		// A payload pushed by a spec's network_grpc_websocket stream (streams.go).
		WatchesRawSource(source.Channel(r.streams.events, &handler.EnqueueRequestForObject{})).
		WithOptions(controller.Options{MaxConcurrentReconciles: workers}).
		Complete(r)
	if err != nil {
		return nil, err
	}
	return r, nil
}

// chunkPredicate passes deletions and updates of chunk Secrets only: creations are the
// controller's own writes.
func chunkPredicate() predicate.Predicate {
	return predicate.Funcs{
		CreateFunc:  func(event.CreateEvent) bool { return false },
		DeleteFunc:  func(event.DeleteEvent) bool { return true },
		UpdateFunc:  func(event.UpdateEvent) bool { return true },
		GenericFunc: func(event.GenericEvent) bool { return false },
	}
}

// indexRefs registers the field index mapping referenced objects to StatsigSpecs.
func indexRefs(ctx context.Context, mgr ctrl.Manager, namespace string) error {
	return mgr.GetFieldIndexer().IndexField(ctx, &flagsv1alpha1.StatsigSpec{}, refsIndex, func(o client.Object) []string {
		return referencedObjects(o.(*flagsv1alpha1.StatsigSpec), namespace)
	})
}
