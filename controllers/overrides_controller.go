package controllers

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	flagsv1alpha1 "github.com/statsig-operator/statsig-operator/api/v1alpha1"
	"github.com/statsig-operator/statsig-operator/evaluator"
	"github.com/statsig-operator/statsig-operator/overrideset"
	"github.com/statsig-operator/statsig-operator/serving"
	"github.com/statsig-operator/statsig-operator/tenancy"
)

// +kubebuilder:rbac:groups=flags.statsig-operator.io,resources=statsigoverrides,verbs=get;list;watch
// +kubebuilder:rbac:groups=flags.statsig-operator.io,resources=statsigoverrides/status,verbs=get;update;patch

// Reasons of the StatsigOverride conditions and the StatsigSpec Event.
const (
	reasonOverrideValid       = "Valid"
	reasonOverrideInvalid     = "Invalid"
	reasonSpecNotFound        = "StatsigSpecNotFound"
	reasonNamespaceDenied     = "NamespaceNotSelected"
	reasonEntityFound         = "InRevision"
	reasonEntityMissing       = "NotInRevision"
	reasonNoRevision          = "NoRevisionServed"
	reasonNotExpired          = "NotExpired"
	reasonPastExpiry          = "PastExpiresAt"
	reasonOverridesChanged    = "OverridesChanged"
	overridesControllerName   = "statsigoverride-status"
	overrideStatusEventAction = "Override"
)

// OverrideStatusReconciler keeps each StatsigOverride's status (Accepted, EntityFound, Expired)
// and each StatsigSpec's status.activeOverrides current, and records an Event on the
// StatsigSpec when its active overrides change. It reconciles per StatsigSpec name (existing
// or not), so deletions and namespace relabels are counted too. Leader-elected; every replica
// applies overrides itself (serving/consumer), whatever this status says.
type OverrideStatusReconciler struct {
	client.Client
	Registry *serving.Registry
	Guard    *tenancy.Guard
	Recorder events.EventRecorder
	Now      func() time.Time

	mu     sync.Mutex
	active map[string][]string // the active set last reported per StatsigSpec
}

// SetupOverrideStatusReconciler registers the reconciler (overrideset.Index must be
// registered with the manager).
func SetupOverrideStatusReconciler(mgr ctrl.Manager, registry *serving.Registry) error {
	guard, err := tenancy.New(context.Background(), mgr.GetCache())
	if err != nil {
		return err
	}
	r := &OverrideStatusReconciler{
		Client: mgr.GetClient(), Registry: registry, Guard: guard,
		Recorder: mgr.GetEventRecorder("statsig-operator"), Now: time.Now, active: map[string][]string{},
	}
	toSpec := handler.EnqueueRequestsFromMapFunc(func(_ context.Context, o client.Object) []reconcile.Request {
		ov, ok := o.(*flagsv1alpha1.StatsigOverride)
		if !ok || ov.Spec.StatsigSpecName == "" {
			return nil
		}
		return []reconcile.Request{{NamespacedName: types.NamespacedName{Name: ov.Spec.StatsigSpecName}}}
	})
	nsToSpecs := handler.EnqueueRequestsFromMapFunc(func(ctx context.Context, o client.Object) []reconcile.Request {
		var list flagsv1alpha1.StatsigOverrideList
		if err := mgr.GetClient().List(ctx, &list, client.InNamespace(o.GetName())); err != nil {
			return nil
		}
		var out []reconcile.Request
		for _, ov := range list.Items {
			out = append(out, reconcile.Request{NamespacedName: types.NamespacedName{Name: ov.Spec.StatsigSpecName}})
		}
		return out
	})
	return ctrl.NewControllerManagedBy(mgr).
		Named(overridesControllerName).
		// Every StatsigSpec change (its served revision above all) may change EntityFound.
		For(&flagsv1alpha1.StatsigSpec{}).
		Watches(&flagsv1alpha1.StatsigOverride{}, toSpec).
		WatchesMetadata(tenancy.NamespaceMeta(), nsToSpecs).
		Complete(r)
}

// Reconcile updates the overrides of StatsigSpec req.Name.
func (r *OverrideStatusReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	var spec flagsv1alpha1.StatsigSpec
	specFound := true
	if err := r.Get(ctx, req.NamespacedName, &spec); err != nil {
		if !apierrors.IsNotFound(err) {
			return ctrl.Result{}, err
		}
		specFound = false
	}
	var list flagsv1alpha1.StatsigOverrideList
	if err := r.List(ctx, &list, client.MatchingFields{overrideset.SpecIndex: req.Name}); err != nil {
		return ctrl.Result{}, err
	}
	now := r.Now()
	var specs *evaluator.Specs
	revision := ""
	if p := r.Registry.Get(req.Name); p != nil && p.Evaluator != nil {
		specs, revision = p.Evaluator.Specs(), p.Revision
	}
	var next time.Time
	for i := range list.Items {
		ov := &list.Items[i]
		if ov.DeletionTimestamp != nil {
			continue
		}
		updated := ov.DeepCopy()
		r.observe(ctx, updated, specFound, specs, revision, now)
		if !equality.Semantic.DeepEqual(ov.Status, updated.Status) {
			if err := r.Status().Patch(ctx, updated, client.MergeFrom(ov)); err != nil && !apierrors.IsNotFound(err) {
				return ctrl.Result{}, err
			}
		}
		if e := ov.Spec.ExpiresAt; e != nil && e.After(now) && (next.IsZero() || e.Before(&metav1.Time{Time: next})) {
			next = e.Time
		}
	}
	active := overrideset.Build(list.Items, req.Name, now, func(ns string) string {
		return r.Guard.Denied(ctx, req.Name, ns)
	}).Active
	if specFound {
		if err := r.report(ctx, &spec, active); err != nil {
			return ctrl.Result{}, err
		}
	}
	if next.IsZero() {
		return ctrl.Result{}, nil
	}
	return ctrl.Result{RequeueAfter: next.Sub(now) + 10*time.Millisecond}, nil
}

// observe sets ov's status conditions.
func (r *OverrideStatusReconciler) observe(ctx context.Context, ov *flagsv1alpha1.StatsigOverride, specFound bool,
	specs *evaluator.Specs, revision string, now time.Time,
) {
	st := &ov.Status
	gen := ov.Generation
	st.ObservedGeneration = gen
	st.Kind, st.Entity = overrideset.Describe(ov)
	set := func(typ string, ok bool, reason, msg string) {
		status := metav1.ConditionFalse
		if ok {
			status = metav1.ConditionTrue
		}
		meta.SetStatusCondition(&st.Conditions, metav1.Condition{
			Type: typ, Status: status, Reason: reason, Message: msg, ObservedGeneration: gen,
		})
	}
	evOv, err := overrideset.Convert(ov)
	switch {
	case err != nil:
		set(flagsv1alpha1.OverrideAccepted, false, reasonOverrideInvalid, err.Error())
	case !specFound:
		set(flagsv1alpha1.OverrideAccepted, false, reasonSpecNotFound,
			fmt.Sprintf("StatsigSpec %q does not exist", ov.Spec.StatsigSpecName))
	default:
		if msg := r.Guard.Denied(ctx, ov.Spec.StatsigSpecName, ov.Namespace); msg != "" {
			set(flagsv1alpha1.OverrideAccepted, false, reasonNamespaceDenied, msg)
		} else {
			set(flagsv1alpha1.OverrideAccepted, true, reasonOverrideValid, "applied on every evaluation path of the StatsigSpec")
		}
	}
	switch {
	case specs == nil:
		set(flagsv1alpha1.OverrideEntityFound, false, reasonNoRevision, "the StatsigSpec serves no revision yet")
		st.Revision = ""
	case err == nil && specs.HasOverridable(evOv.Kind, evOv.Name):
		set(flagsv1alpha1.OverrideEntityFound, true, reasonEntityFound,
			fmt.Sprintf("%s %q is in revision %s", st.Kind, st.Entity, revision))
		st.Revision = revision
	default:
		set(flagsv1alpha1.OverrideEntityFound, false, reasonEntityMissing,
			fmt.Sprintf("%s %q is not in revision %s: the override still answers for that name", st.Kind, st.Entity, revision))
		st.Revision = revision
	}
	if overrideset.Expired(ov, now) {
		set(flagsv1alpha1.OverrideExpired, true, reasonPastExpiry,
			fmt.Sprintf("expired at %s: no longer applied", ov.Spec.ExpiresAt.UTC().Format(time.RFC3339)))
	} else {
		set(flagsv1alpha1.OverrideExpired, false, reasonNotExpired, "")
	}
}

// report sets the StatsigSpec's activeOverrides and records an Event when the set changed.
func (r *OverrideStatusReconciler) report(ctx context.Context, spec *flagsv1alpha1.StatsigSpec, active []string) error {
	if n := int32(len(active)); spec.Status.ActiveOverrides != n {
		orig := spec.DeepCopy()
		spec.Status.ActiveOverrides = n
		if err := r.Status().Patch(ctx, spec, client.MergeFrom(orig)); err != nil && !apierrors.IsNotFound(err) {
			return err
		}
	}
	sorted := slices.Sorted(slices.Values(active))
	r.mu.Lock()
	prev, known := r.active[spec.Name]
	r.active[spec.Name] = sorted
	r.mu.Unlock()
	if !known && len(sorted) == 0 || slices.Equal(prev, sorted) {
		return nil
	}
	var added, removed []string
	for _, a := range sorted {
		if !slices.Contains(prev, a) {
			added = append(added, a)
		}
	}
	for _, p := range prev {
		if !slices.Contains(sorted, p) {
			removed = append(removed, p)
		}
	}
	msg := fmt.Sprintf("%d active overrides", len(sorted))
	if len(added) > 0 {
		msg += "; applied: " + strings.Join(added, ", ")
	}
	if len(removed) > 0 {
		msg += "; no longer applied: " + strings.Join(removed, ", ")
	}
	if r.Recorder != nil {
		r.Recorder.Eventf(spec, nil, corev1.EventTypeNormal, reasonOverridesChanged, overrideStatusEventAction, "%s", msg)
	}
	logf.FromContext(ctx).Info("Overrides changed", "statsigspec", spec.Name, "active", len(sorted))
	return nil
}
