package controllers

import (
	"context"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/statsig-operator/statsig-operator/overrideset"
	"github.com/statsig-operator/statsig-operator/serving"
	"github.com/statsig-operator/statsig-operator/serving/consumer"
	"github.com/statsig-operator/statsig-operator/snapshot"
	"github.com/statsig-operator/statsig-operator/test/envtestutil"
)

const testNS = "statsig-system"

var (
	testEnv   *envtest.Environment
	cfg       *rest.Config
	k8sClient client.Client
	ctx       context.Context
	cancel    context.CancelFunc
	op        *operator
)

func TestControllers(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "StatsigSpec controller suite (real kube-apiserver)")
}

// operator is one running manager with the controller, the consumer and a registry, as
// main wires them.
type operator struct {
	mgr      ctrl.Manager
	rec      *StatsigSpecReconciler
	consumer *consumer.Consumer
	registry *serving.Registry
	stop     context.CancelFunc
	done     chan struct{}
}

func startOperator(opts Options) *operator {
	cacheOpts := cache.Options{}
	snapshot.RestrictSecretCache(&cacheOpts, testNS)
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:     testEnv.Scheme,
		Metrics:    metricsserver.Options{BindAddress: "0"},
		Cache:      cacheOpts,
		Controller: config.Controller{SkipNameValidation: new(true)},
	})
	Expect(err).NotTo(HaveOccurred())
	opts.Namespace = testNS
	opts.Refs, err = snapshot.NewRefs(mgr, testNS)
	Expect(err).NotTo(HaveOccurred())
	opts.Handoff = serving.NewHandoff()
	rec, err := setup(mgr, opts)
	Expect(err).NotTo(HaveOccurred())
	reg := serving.NewRegistry()
	Expect(overrideset.Index(ctx, mgr.GetFieldIndexer())).To(Succeed())
	cons, err := consumer.New(mgr,
		consumer.Options{Registry: reg, Refs: opts.Refs, Handoff: opts.Handoff, Overrides: true})
	Expect(err).NotTo(HaveOccurred())
	Expect(SetupOverrideStatusReconciler(mgr, reg)).To(Succeed())
	mctx, stop := context.WithCancel(ctx)
	o := &operator{mgr: mgr, rec: rec, consumer: cons, registry: reg, stop: stop, done: make(chan struct{})}
	go func() {
		defer GinkgoRecover()
		defer close(o.done)
		Expect(mgr.Start(mctx)).To(Succeed())
	}()
	return o
}

func (o *operator) shutdown() {
	o.stop()
	Eventually(o.done, 30*time.Second).Should(BeClosed())
}

var _ = BeforeSuite(func() {
	ctrl.SetLogger(zap.New(zap.WriteTo(GinkgoWriter), zap.UseDevMode(true)))
	ctx, cancel = context.WithCancel(context.Background())
	var err error
	testEnv, err = envtestutil.NewEnvironment()
	Expect(err).NotTo(HaveOccurred())
	cfg, err = testEnv.Start()
	Expect(err).NotTo(HaveOccurred())
	k8sClient, err = client.New(cfg, client.Options{Scheme: testEnv.Scheme})
	Expect(err).NotTo(HaveOccurred())
	Expect(k8sClient.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: testNS}})).To(Succeed())
	op = startOperator(testOptions())
})

var _ = AfterSuite(func() {
	if op != nil {
		op.shutdown()
	}
	cancel()
	if testEnv != nil {
		Expect(testEnv.Stop()).To(Succeed())
	}
})

// testOptions keep background downloads short so fault tests finish quickly.
func testOptions() Options {
	return Options{PollTimeout: 2 * time.Second}
}

// startConsumerOnly starts a manager with just the consumer (a replica that is not the
// leader), returning its registry and a stop function.
func startConsumerOnly() (*serving.Registry, func()) {
	cacheOpts := cache.Options{}
	snapshot.RestrictSecretCache(&cacheOpts, testNS)
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme: testEnv.Scheme, Metrics: metricsserver.Options{BindAddress: "0"}, Cache: cacheOpts,
		Controller: config.Controller{SkipNameValidation: new(true)},
	})
	Expect(err).NotTo(HaveOccurred())
	reg := serving.NewRegistry()
	refs, err := snapshot.NewRefs(mgr, testNS)
	Expect(err).NotTo(HaveOccurred())
	Expect(overrideset.Index(ctx, mgr.GetFieldIndexer())).To(Succeed())
	_, err = consumer.New(mgr, consumer.Options{Registry: reg, Refs: refs, Overrides: true})
	Expect(err).NotTo(HaveOccurred())
	mctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer GinkgoRecover()
		defer close(done)
		Expect(mgr.Start(mctx)).To(Succeed())
	}()
	return reg, func() { stop(); Eventually(done, 30*time.Second).Should(BeClosed()) }
}
