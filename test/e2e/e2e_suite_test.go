package e2e_test

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"os"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	crwebhook "sigs.k8s.io/controller-runtime/pkg/webhook"

	flagsv1alpha1 "github.com/statsig-operator/statsig-operator/api/v1alpha1"
	"github.com/statsig-operator/statsig-operator/controllers/workload"
	"github.com/statsig-operator/statsig-operator/inject/injecttest"
	"github.com/statsig-operator/statsig-operator/serving"
	"github.com/statsig-operator/statsig-operator/test/envtestutil"
	"github.com/statsig-operator/statsig-operator/webhook"
	"github.com/statsig-operator/statsig-operator/webhook/webhooktest"
)

const operatorNamespace = "statsig-system"

var (
	testEnv   *envtest.Environment
	cfg       *rest.Config
	k8sClient client.Client
	registry  *serving.Registry
	sink      *injecttest.Sink
	ctx       context.Context
	cancel    context.CancelFunc
	cluster   *envtestutil.Cluster
)

func TestE2E(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "End-to-end suite (kube-apiserver, kube-controller-manager, kube-scheduler, kwok nodes)")
}

var _ = BeforeSuite(func() {
	ctx, cancel = context.WithCancel(context.Background())
	var err error
	testEnv, err = envtestutil.NewEnvironment()
	Expect(err).NotTo(HaveOccurred())
	testEnv.WebhookInstallOptions, err = webhooktest.InstallOptions(operatorNamespace)
	Expect(err).NotTo(HaveOccurred())
	cfg, err = testEnv.Start()
	Expect(err).NotTo(HaveOccurred())
	k8sClient, err = client.New(cfg, client.Options{Scheme: testEnv.Scheme})
	Expect(err).NotTo(HaveOccurred())

	// Two simulated nodes: pods are scheduled, run and become Ready, so rollouts finish.
	cluster, err = envtestutil.StartCluster(ctx, testEnv, GinkgoT().TempDir(), 2)
	Expect(err).NotTo(HaveOccurred())

	wio := &testEnv.WebhookInstallOptions
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:                 testEnv.Scheme,
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		WebhookServer: crwebhook.NewServer(
			crwebhook.Options{
				Host:    wio.LocalServingHost,
				Port:    wio.LocalServingPort,
				CertDir: wio.LocalServingCertDir,
				TLSOpts: []func(*tls.Config){webhook.DisableHTTP2},
			},
		),
	})
	Expect(err).NotTo(HaveOccurred())
	registry = serving.NewRegistry()
	sink = &injecttest.Sink{}
	publish("rev1", gatesOn(true))
	Expect(
		webhook.Setup(
			mgr,
			webhook.Options{Registry: registry, Namespace: operatorNamespace, CertMode: webhook.CertModeExternal},
		),
	).To(Succeed())
	Expect(
		workload.Setup(
			mgr,
			workload.Options{Registry: registry, Namespace: operatorNamespace, MaxUpdatesPerSecond: 50, Burst: 50},
		),
	).To(Succeed())
	go func() {
		defer GinkgoRecover()
		Expect(mgr.Start(ctx)).To(Succeed())
	}()
	addr := net.JoinHostPort(wio.LocalServingHost, fmt.Sprint(wio.LocalServingPort))
	Eventually(func() error {
		conn, err := tls.DialWithDialer(
			&net.Dialer{Timeout: time.Second},
			"tcp",
			addr,
			&tls.Config{InsecureSkipVerify: true},
		)
		if err != nil {
			return err
		}
		return conn.Close()
	}).Should(Succeed())
	for _, ns := range []string{"shop", operatorNamespace} {
		Expect(k8sClient.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})).To(Succeed())
	}
	// The served project's StatsigSpec: its namespaceSelector is read from the cache.
	Expect(k8sClient.Create(ctx, &flagsv1alpha1.StatsigSpec{
		ObjectMeta: metav1.ObjectMeta{Name: "demo"},
		Spec: flagsv1alpha1.StatsigSpecSpec{
			SecretKeyRef: flagsv1alpha1.SecretKeySelector{Name: "demo-key", Key: "secretKey"},
			Source:       flagsv1alpha1.SourceSpec{Type: flagsv1alpha1.SourceStatsig},
		},
	})).To(Succeed())
	// Pods need the namespace's default ServiceAccount, which the controller manager creates.
	Eventually(func() error {
		return k8sClient.Get(ctx, client.ObjectKey{Namespace: "shop", Name: "default"}, &corev1.ServiceAccount{})
	}, 30*time.Second).Should(Succeed())
})

// A failed spec reports the end of each component's log.
var _ = AfterEach(func() {
	if CurrentSpecReport().Failed() && cluster != nil {
		for _, name := range envtestutil.ClusterComponents {
			b, _ := os.ReadFile(cluster.LogFile(name))
			AddReportEntry(name+" log (tail)", tail(string(b), 4000))
		}
	}
})

var _ = AfterSuite(func() {
	cancel()
	// Stop everything even when one part fails, so no process outlives the suite.
	var errs []error
	if cluster != nil {
		errs = append(errs, cluster.Stop())
	}
	if testEnv != nil {
		errs = append(errs, testEnv.Stop())
	}
	Expect(errors.Join(errs...)).To(Succeed())
})

// gatesOn is the project with new_checkout on or off for everyone and a 30% canary gate.
func gatesOn(on bool) injecttest.Payload {
	pass := 0.0
	if on {
		pass = 100
	}
	return injecttest.Payload{
		Gates:   map[string]float64{"new_checkout": pass, "canary30": 30},
		Configs: map[string]map[string]any{"limits": {"max": 20}},
	}
}

func publish(rev string, p injecttest.Payload) {
	proj, err := injecttest.Project("demo", rev, p, sink)
	Expect(err).NotTo(HaveOccurred())
	registry.Set(proj)
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}
