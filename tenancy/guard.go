package tenancy

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	flagsv1alpha1 "github.com/statsig-operator/statsig-operator/api/v1alpha1"
)

// Guard answers whether a namespace may use a StatsigSpec. It reads StatsigSpecs and the
// metadata of Namespaces from the manager's cache: admission never waits on an API call.
type Guard struct {
	reader client.Reader
}

// NamespaceMeta is the metadata-only form of a Namespace the cache keeps (labels, no spec or
// status): the same informer serves the Guard and the workload controller's watch.
func NamespaceMeta() *metav1.PartialObjectMetadata {
	m := &metav1.PartialObjectMetadata{}
	m.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("Namespace"))
	return m
}

// New registers the StatsigSpec and Namespace-metadata informers with c before the manager
// starts, so they sync with the cache instead of on the first question.
func New(ctx context.Context, c cache.Cache) (*Guard, error) {
	if _, err := c.GetInformer(ctx, &flagsv1alpha1.StatsigSpec{}); err != nil {
		return nil, fmt.Errorf("tenancy: StatsigSpec informer: %w", err)
	}
	if _, err := c.GetInformer(ctx, NamespaceMeta()); err != nil {
		return nil, fmt.Errorf("tenancy: Namespace informer: %w", err)
	}
	return &Guard{reader: c}, nil
}

// Denied returns "" when namespace may use StatsigSpec spec, else a sentence saying why not.
// It fails closed: a StatsigSpec or Namespace the cache does not hold (yet) is not allowed.
func (g *Guard) Denied(ctx context.Context, spec, namespace string) string {
	var ssp flagsv1alpha1.StatsigSpec
	if err := g.reader.Get(ctx, client.ObjectKey{Name: spec}, &ssp); err != nil {
		if apierrors.IsNotFound(err) {
			return fmt.Sprintf("StatsigSpec %q is not known to this replica yet", spec)
		}
		return fmt.Sprintf("StatsigSpec %q cannot be read: %v", spec, err)
	}
	if ssp.Spec.NamespaceSelector == nil {
		return ""
	}
	sel, err := metav1.LabelSelectorAsSelector(ssp.Spec.NamespaceSelector)
	if err != nil {
		return fmt.Sprintf("StatsigSpec %q has an invalid namespaceSelector (no namespace may use it): %v", spec, err)
	}
	if sel.Empty() {
		return ""
	}
	ns := NamespaceMeta()
	if err := g.reader.Get(ctx, client.ObjectKey{Name: namespace}, ns); err != nil {
		return fmt.Sprintf("namespace %q cannot be read to check StatsigSpec %q's namespaceSelector: %v",
			namespace, spec, err)
	}
	if !sel.Matches(labels.Set(ns.Labels)) {
		return fmt.Sprintf("namespace %q is not allowed to use StatsigSpec %q "+
			"(its namespaceSelector does not select the namespace's labels)", namespace, spec)
	}
	return ""
}
