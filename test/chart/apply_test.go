package chart_test

import (
	"context"
	"strings"
	"testing"
	"time"

	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/statsig-operator/statsig-operator/test/envtestutil"
)

const fieldOwner = client.FieldOwner("helm")

// TestApplyToAPIServer server-side applies chart renderings to a real kube-apiserver, CRD first,
// the way `helm install/upgrade` does, and then checks what the ServiceAccount may do.
func TestApplyToAPIServer(t *testing.T) {
	// Render first: no apiserver is started when Helm is unavailable.
	defaults := mustRender(t, "default")
	restricted := mustRender(t, "restricted")
	sample := mustRender(t, "sample-statsigspec")
	watchNamespaces := mustRender(t, "watch-namespaces")

	assets, err := envtestutil.AssetsDir()
	if err != nil {
		t.Fatal(err)
	}
	scheme := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{clientgoscheme.AddToScheme, apiextensionsv1.AddToScheme} {
		if err := add(scheme); err != nil {
			t.Fatal(err)
		}
	}
	// No CRDs are installed by envtest: the chart's own CRD is what gets applied.
	env := &envtest.Environment{BinaryAssetsDirectory: assets, Scheme: scheme}
	cfg, err := env.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := env.Stop(); err != nil {
			t.Error(err)
		}
	})
	c, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	// The release namespace, and the namespaces watch-namespaces puts Roles in.
	for _, name := range []string{namespace, "shop", "web"} {
		ns := &corev1.Namespace{
			TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"},
			ObjectMeta: metav1.ObjectMeta{Name: name},
		}
		if err := c.Create(ctx, ns); err != nil {
			t.Fatal(err)
		}
	}

	t.Run("default", func(t *testing.T) { applyAll(ctx, t, c, defaults) })
	t.Run("permissions", func(t *testing.T) { checkPermissions(ctx, t, c, defaultPermissions) })
	// An upgrade to other values on the same field manager drops what those values turn off.
	t.Run("upgrade to restricted", func(t *testing.T) {
		applyAll(ctx, t, c, without(restricted, "ServiceMonitor")) // prometheus-operator is not installed here
		checkPermissions(ctx, t, c, []permission{
			{"patch", "apps", "deployments", "shop", "", false},
			{"list", "", "configmaps", "shop", "", true},
		})
	})
	// Watch-namespaces mode: workload rights in the listed namespaces only (Roles), none
	// cluster-wide; namespace labels are still read cluster-wide for namespaceSelector.
	t.Run("upgrade to watch-namespaces", func(t *testing.T) {
		applyAll(ctx, t, c, watchNamespaces)
		checkPermissions(ctx, t, c, []permission{
			{"patch", "apps", "deployments", "shop", "", true},
			{"watch", "apps", "statefulsets", "web", "", true},
			{"patch", "apps", "deployments", "default", "", false},
			{"list", "apps", "deployments", "", "", false},
			{"watch", "", "namespaces", "", "", true},
		})
	})
	t.Run("sample StatsigSpec", func(t *testing.T) {
		secret := &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Name: "statsig-server-key", Namespace: namespace},
			StringData: map[string]string{"secretKey": "secret-demo"},
		}
		if err := c.Create(ctx, secret); err != nil {
			t.Fatal(err)
		}
		applyAll(ctx, t, c, sample)
		got := &unstructured.Unstructured{}
		got.SetAPIVersion("flags.statsig-operator.io/v1alpha1")
		got.SetKind("StatsigSpec")
		if err := c.Get(ctx, client.ObjectKey{Name: "my-project"}, got); err != nil {
			t.Fatal(err)
		}
		// The CRD's defaults were applied by the apiserver, so the chart's CRD is the real one.
		if v, _, _ := unstructured.NestedInt64(got.Object, "spec", "initTimeoutMs"); v != 3000 {
			t.Errorf("spec.initTimeoutMs = %d, want the CRD default 3000", v)
		}
	})
}

// applyAll applies CRDs first and waits until they are established, then everything else.
func applyAll(ctx context.Context, t *testing.T, c client.Client, objs []*unstructured.Unstructured) {
	t.Helper()
	var rest []*unstructured.Unstructured
	for _, o := range objs {
		if o.GetKind() != "CustomResourceDefinition" {
			rest = append(rest, o)
			continue
		}
		apply(ctx, t, c, o)
		waitEstablished(ctx, t, c, o.GetName())
	}
	for _, o := range rest {
		apply(ctx, t, c, o)
	}
}

func apply(ctx context.Context, t *testing.T, c client.Client, o *unstructured.Unstructured) {
	t.Helper()
	ac := client.ApplyConfigurationFromUnstructured(o.DeepCopy())
	if err := c.Apply(ctx, ac, fieldOwner, client.ForceOwnership); err != nil {
		t.Errorf("server-side apply %s %s/%s: %v", o.GetKind(), o.GetNamespace(), o.GetName(), err)
	}
}

func waitEstablished(ctx context.Context, t *testing.T, c client.Client, name string) {
	t.Helper()
	for {
		var crd apiextensionsv1.CustomResourceDefinition
		if err := c.Get(ctx, client.ObjectKey{Name: name}, &crd); err == nil {
			for _, cond := range crd.Status.Conditions {
				if cond.Type == apiextensionsv1.Established && cond.Status == apiextensionsv1.ConditionTrue {
					return
				}
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("CRD %s not established", name)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func without(objs []*unstructured.Unstructured, kind string) []*unstructured.Unstructured {
	var out []*unstructured.Unstructured
	for _, o := range objs {
		if o.GetKind() != kind {
			out = append(out, o)
		}
	}
	return out
}

type permission struct {
	verb, group, resource, namespace, name string
	allowed                                bool
}

// defaultPermissions pins the least-privilege contract of the chart README's RBAC table.
var defaultPermissions = []permission{
	{"watch", "flags.statsig-operator.io", "statsigspecs", "", "", true},
	{"update", "flags.statsig-operator.io", "statsigspecs", "", "", false},
	{"patch", "flags.statsig-operator.io", "statsigspecs/status", "", "", true},
	{"create", "", "secrets", namespace, "", true},
	{"delete", "", "secrets", namespace, "", true},
	{"get", "", "secrets", "default", "", false},
	{"list", "", "secrets", "", "", false},
	{"list", "", "configmaps", namespace, "", true},
	{"list", "", "configmaps", "shop", "", false},
	{"create", "", "configmaps", namespace, "", false},
	{"create", "events.k8s.io", "events", "default", "", true},
	// Namespace labels for StatsigSpecs' namespaceSelector (metadata-only cache); no writes.
	{"watch", "", "namespaces", "", "", true},
	{"update", "", "namespaces", "", "", false},
	{"delete", "", "namespaces", "", "", false},
	{"get", "", "pods", "shop", "", false},
	{"update", "coordination.k8s.io", "leases", namespace, "", true},
	{"update", "coordination.k8s.io", "leases", "default", "", false},
	{"patch", "apps", "deployments", "shop", "", true},
	{"update", "apps", "deployments", "shop", "", false},
	{"patch", "admissionregistration.k8s.io", "mutatingwebhookconfigurations", "", "statsig-operator-mutating", true},
	{"patch", "admissionregistration.k8s.io", "validatingwebhookconfigurations", "", "statsig-operator-validating", true},
	{"patch", "admissionregistration.k8s.io", "mutatingwebhookconfigurations", "", "someone-elses", false},
	{"create", "admissionregistration.k8s.io", "mutatingwebhookconfigurations", "", "", false},
	{"create", "apiextensions.k8s.io", "customresourcedefinitions", "", "", false},
}

// checkPermissions asks the apiserver's RBAC authorizer what the operator's ServiceAccount may do.
func checkPermissions(ctx context.Context, t *testing.T, c client.Client, perms []permission) {
	t.Helper()
	for _, p := range perms {
		sar := &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
			User:   "system:serviceaccount:" + namespace + ":statsig-operator",
			Groups: []string{"system:serviceaccounts", "system:serviceaccounts:" + namespace, "system:authenticated"},
			ResourceAttributes: &authorizationv1.ResourceAttributes{
				Verb: p.verb, Group: p.group, Resource: resourceOnly(p.resource), Subresource: subresource(p.resource),
				Namespace: p.namespace, Name: p.name,
			},
		}}
		// RBAC objects reach the authorizer's cache asynchronously: retry until the answer settles.
		deadline := time.Now().Add(10 * time.Second)
		for {
			if err := c.Create(ctx, sar); err != nil {
				t.Fatal(err)
			}
			if sar.Status.Allowed == p.allowed || time.Now().After(deadline) {
				break
			}
			sar.Status = authorizationv1.SubjectAccessReviewStatus{}
			time.Sleep(200 * time.Millisecond)
		}
		if sar.Status.Allowed != p.allowed {
			t.Errorf(
				"%s %s %q in %q (name %q): allowed = %v, want %v",
				p.verb,
				p.group,
				p.resource,
				p.namespace,
				p.name,
				sar.Status.Allowed,
				p.allowed,
			)
		}
	}
}

func resourceOnly(r string) string { res, _, _ := strings.Cut(r, "/"); return res }

func subresource(r string) string { _, sub, _ := strings.Cut(r, "/"); return sub }
