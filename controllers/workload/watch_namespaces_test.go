package workload_test

import (
	"context"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/statsig-operator/statsig-operator/controllers/workload"
	"github.com/statsig-operator/statsig-operator/inject"
	"github.com/statsig-operator/statsig-operator/inject/injecttest"
	"github.com/statsig-operator/statsig-operator/serving"
	"github.com/statsig-operator/statsig-operator/test/envtestutil"
)

// TestWatchNamespaces runs the controller in watch-namespaces mode, wired as main wires
// --workload-namespaces, against its own apiserver: workloads outside the list are untouched.
func TestWatchNamespaces(t *testing.T) {
	g := NewWithT(t)
	testenv, err := envtestutil.NewEnvironment()
	g.Expect(err).NotTo(HaveOccurred())
	cfg, err := testenv.Start()
	g.Expect(err).NotTo(HaveOccurred())
	t.Cleanup(func() { g.Expect(testenv.Stop()).To(Succeed()) })
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	cl, err := client.New(cfg, client.Options{Scheme: testenv.Scheme})
	g.Expect(err).NotTo(HaveOccurred())

	namespaces := []string{"watched"}
	cacheOpts := cache.Options{}
	workload.RestrictCache(&cacheOpts, namespaces)
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme: testenv.Scheme, Cache: cacheOpts, Metrics: metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		// The Ginkgo suite of this package registers controllers of the same names.
		Controller: config.Controller{SkipNameValidation: new(true)},
	})
	g.Expect(err).NotTo(HaveOccurred())
	reg := serving.NewRegistry()
	proj, err := injecttest.Project("demo", "rev1",
		injecttest.Payload{Gates: map[string]float64{"new_checkout": 100}}, &injecttest.Sink{})
	g.Expect(err).NotTo(HaveOccurred())
	reg.Set(proj)
	g.Expect(workload.Setup(mgr, workload.Options{
		Registry: reg, Namespace: "statsig-system", Namespaces: namespaces,
	})).To(Succeed())
	go func() { _ = mgr.Start(ctx) }()

	g.Expect(cl.Create(ctx, demoSpec())).To(Succeed())
	ann := map[string]string{inject.AnnGates: "new_checkout"}
	in, out := deployment("watched", "web", ann), deployment("elsewhere", "web", ann)
	for _, d := range []client.Object{in, out} {
		ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: d.GetNamespace()}}
		g.Expect(cl.Create(ctx, ns)).To(Succeed())
		g.Expect(cl.Create(ctx, d)).To(Succeed())
	}
	envOf := func(d client.Object) func(Gomega) string {
		return func(g Gomega) string {
			var got = deployment("", "", nil)
			g.Expect(cl.Get(ctx, client.ObjectKeyFromObject(d), got)).To(Succeed())
			return env(got, "STATSIG_GATE_NEW_CHECKOUT")
		}
	}
	g.Eventually(envOf(in), 30*time.Second).Should(Equal("true"))
	g.Consistently(envOf(out), 2*time.Second).Should(Equal("<unset>"))
}
