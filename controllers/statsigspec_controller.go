package controllers

import (
	"context"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"

	flagsv1alpha1 "github.com/statsig-operator/statsig-operator/api/v1alpha1"
	"github.com/statsig-operator/statsig-operator/snapshot"
	"github.com/statsig-operator/statsig-operator/speclog"
)

// StatsigSpecReconciler syncs each StatsigSpec's config specs into a cluster snapshot:
// resolve the key, fetch, validate with the evaluator, store the chunks, then flip
// status.revision. It runs on the elected leader only.
type StatsigSpecReconciler struct {
	client.Client
	APIReader client.Reader
	Store     *snapshot.Store
	Refs      *snapshot.Refs
	Recorder  events.EventRecorder
	Opts      Options

	mu     sync.Mutex
	states map[string]*specState
	// streams follow the specs' network_grpc_websocket adapters (nil: none, as in unit tests).
	streams *specStreams
}

// +kubebuilder:rbac:groups=flags.statsig-operator.io,resources=statsigspecs,verbs=get;list;watch
// +kubebuilder:rbac:groups=flags.statsig-operator.io,resources=statsigspecs/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=flags.statsig-operator.io,resources=statsigspecs/finalizers,verbs=update
// +kubebuilder:rbac:groups="",namespace=system,resources=secrets,verbs=get;list;watch;create;update;delete
// +kubebuilder:rbac:groups="",namespace=system,resources=configmaps,verbs=get;list;watch
// +kubebuilder:rbac:groups="events.k8s.io",resources=events,verbs=create;patch

// Reconcile runs one level-based sync of a StatsigSpec. It polls the source only when the
// spec or a referenced object changed or the poll interval has elapsed, and writes to the
// apiserver only when the outcome changed.
func (r *StatsigSpecReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	log := logf.FromContext(ctx)
	var spec flagsv1alpha1.StatsigSpec
	if err := r.Get(ctx, req.NamespacedName, &spec); err != nil {
		if apierrors.IsNotFound(err) {
			// Chunks carry owner references, so the garbage collector removes them.
			r.forget(req.Name)
			return ctrl.Result{}, nil
		}
		return ctrl.Result{}, err
	}
	if !spec.DeletionTimestamp.IsZero() {
		return ctrl.Result{}, nil
	}
	// Every line of this sync, here and down the context, at the spec's outputLogLevel.
	log = speclog.Filter(log, string(spec.Spec.OutputLogLevel))
	ctx = logf.IntoContext(ctx, log)
	st := r.state(spec.Name)
	orig := spec.DeepCopy()
	run := &syncRun{r: r, spec: &spec, state: st, before: &orig.Status}

	specsWait, err := run.reconcileSpecs(ctx)
	if err != nil {
		return ctrl.Result{}, err
	}
	idWait := run.reconcileIDLists(ctx)
	if err := r.writeStatus(ctx, &spec, orig); err != nil {
		return ctrl.Result{}, err
	}
	// After the flip: the served and previous revisions stay, anything else goes.
	if err := run.gc(ctx); err != nil {
		log.Error(err, "Failed to delete old snapshot revisions", labelSpec, spec.Name)
	}
	return ctrl.Result{RequeueAfter: minPositive(specsWait, idWait)}, nil
}

// writeStatus persists the status only when it differs from what was read, as a merge
// patch (no resourceVersion conflicts with the spec being edited), and records one Event
// per transition.
func (r *StatsigSpecReconciler) writeStatus(ctx context.Context, spec, orig *flagsv1alpha1.StatsigSpec) error {
	spec.Status.ObservedGeneration = spec.Generation
	if equality.Semantic.DeepEqual(&orig.Status, &spec.Status) {
		return nil
	}
	patch := client.MergeFrom(orig)
	if data, err := patch.Data(spec); err == nil {
		bytesWritten.WithLabelValues(spec.Name, "status").Add(float64(len(data)))
	}
	if err := r.Status().Patch(ctx, spec, patch); err != nil {
		return err
	}
	if typ, reason, msg, ok := transitionEvent(&orig.Status, &spec.Status); ok && r.Recorder != nil {
		r.Recorder.Eventf(spec, nil, typ, reason, "Sync", "%s", msg)
	}
	if msg, ok := skippedEvent(&orig.Status, &spec.Status); ok && r.Recorder != nil {
		r.Recorder.Eventf(spec, nil, corev1.EventTypeWarning, flagsv1alpha1.ConditionSpecsSkipped, "Sync", "%s", msg)
	}
	return nil
}

func (r *StatsigSpecReconciler) state(name string) *specState {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.states == nil {
		r.states = map[string]*specState{}
	}
	s, ok := r.states[name]
	if !ok {
		s = &specState{}
		r.states[name] = s
	}
	return s
}

func (r *StatsigSpecReconciler) forget(name string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if s, ok := r.states[name]; ok {
		s.release()
		delete(r.states, name)
	}
	forgetMetrics(name)
	r.Opts.Handoff.Forget(name)
	if r.streams != nil {
		r.streams.stop(name)
	}
}

// interval returns a spec's poll period, never under the CRD minimum.
func interval(ms int64, def int64) time.Duration {
	if ms <= 0 {
		ms = def
	}
	if ms < flagsv1alpha1.MinimumSyncIntervalMs {
		ms = flagsv1alpha1.MinimumSyncIntervalMs
	}
	return time.Duration(ms) * time.Millisecond
}
