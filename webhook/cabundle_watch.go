package webhook

import (
	"context"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/statsig-operator/statsig-operator/webhook/certs"
)

// WatchCABundles re-runs the rotator as soon as one of the operator's webhook configurations
// changes (for example reinstalled by Helm or a GitOps tool with an empty caBundle), instead of
// waiting for the next periodic check. Ensure only patches what differs, so its own patches
// settle after one round. It runs in every replica, like the rotator.
func WatchCABundles(mgr ctrl.Manager, r *certs.Rotator) error {
	ours := predicate.NewPredicateFuncs(func(o client.Object) bool {
		return o.GetName() == MutatingConfigName || o.GetName() == ValidatingConfigName
	})
	one := handler.EnqueueRequestsFromMapFunc(func(context.Context, client.Object) []reconcile.Request {
		return []reconcile.Request{{NamespacedName: client.ObjectKey{Name: "cabundle"}}}
	})
	return ctrl.NewControllerManagedBy(mgr).
		Named("webhook-cabundle").
		WithOptions(controller.Options{NeedLeaderElection: new(false)}).
		Watches(&admissionregistrationv1.MutatingWebhookConfiguration{}, one, builder.WithPredicates(ours)).
		Watches(&admissionregistrationv1.ValidatingWebhookConfiguration{}, one, builder.WithPredicates(ours)).
		Complete(reconcile.Func(func(ctx context.Context, _ reconcile.Request) (reconcile.Result, error) {
			return reconcile.Result{}, r.Ensure(ctx)
		}))
}
