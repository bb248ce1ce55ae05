package workload_test

import (
	"context"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	flagsv1alpha1 "github.com/statsig-operator/statsig-operator/api/v1alpha1"
	"github.com/statsig-operator/statsig-operator/controllers/workload"
	"github.com/statsig-operator/statsig-operator/inject/injecttest"
	"github.com/statsig-operator/statsig-operator/serving"
	"github.com/statsig-operator/statsig-operator/test/envtestutil"
)

var (
	testEnv   *envtest.Environment
	k8sClient client.Client
	registry  *serving.Registry
	sink      *injecttest.Sink
	ctx       context.Context
	cancel    context.CancelFunc
)

// updatesPerSecond is the suite's rate limit (also what the 1,000-Deployment run measures).
const updatesPerSecond = 200

func TestWorkload(t *testing.T) {
	RegisterFailHandler(Fail)
	// Gomega's 1 s default is too short for the first reconcile on a loaded CI machine (the
	// manager's caches sync first); a passing Eventually returns as soon as it holds.
	SetDefaultEventuallyTimeout(15 * time.Second)
	RunSpecs(t, "Workload controller suite (real kube-apiserver)")
}

var _ = BeforeSuite(func() {
	ctx, cancel = context.WithCancel(context.Background())
	var err error
	testEnv, err = envtestutil.NewEnvironment()
	Expect(err).NotTo(HaveOccurred())
	cfg, err := testEnv.Start()
	Expect(err).NotTo(HaveOccurred())
	cfg.QPS, cfg.Burst = 500, 1000
	k8sClient, err = client.New(cfg, client.Options{Scheme: testEnv.Scheme})
	Expect(err).NotTo(HaveOccurred())
	mgr, err := ctrl.NewManager(cfg,
		ctrl.Options{Scheme: testEnv.Scheme, Metrics: metricsserver.Options{BindAddress: "0"}, HealthProbeBindAddress: "0"})
	Expect(err).NotTo(HaveOccurred())
	registry = serving.NewRegistry()
	sink = &injecttest.Sink{}
	publish("rev1", payload(true))
	Expect(workload.Setup(mgr, workload.Options{
		Registry:                registry,
		Namespace:               "statsig-system",
		MaxUpdatesPerSecond:     updatesPerSecond,
		Burst:                   20,
		MaxConcurrentReconciles: 4,
	})).To(Succeed())
	go func() {
		defer GinkgoRecover()
		Expect(mgr.Start(ctx)).To(Succeed())
	}()
	Expect(k8sClient.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "apps"}})).To(Succeed())
	Expect(k8sClient.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "bulk"}})).To(Succeed())
	Expect(k8sClient.Create(ctx, demoSpec())).To(Succeed())
})

// demoSpec is the StatsigSpec of the served project "demo": the controller reads its
// namespaceSelector from the cache.
func demoSpec() *flagsv1alpha1.StatsigSpec {
	return &flagsv1alpha1.StatsigSpec{
		ObjectMeta: metav1.ObjectMeta{Name: "demo"},
		Spec: flagsv1alpha1.StatsigSpecSpec{
			SecretKeyRef: flagsv1alpha1.SecretKeySelector{Name: "demo-key", Key: "secretKey"},
			Source:       flagsv1alpha1.SourceSpec{Type: flagsv1alpha1.SourceStatsig},
		},
	}
}

var _ = AfterSuite(func() {
	cancel()
	if testEnv != nil {
		Expect(testEnv.Stop()).To(Succeed())
	}
})

func payload(on bool) injecttest.Payload {
	pass := 0.0
	if on {
		pass = 100
	}
	return injecttest.Payload{Gates: map[string]float64{"new_checkout": pass, "stable": 100}}
}

func publish(rev string, p injecttest.Payload) {
	proj, err := injecttest.Project("demo", rev, p, sink)
	Expect(err).NotTo(HaveOccurred())
	registry.Set(proj)
}
