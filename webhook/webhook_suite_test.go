package webhook_test

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"sync"
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
)

// testPayload is the project the pods are evaluated against.
var testPayload = injecttest.Payload{
	Gates:       map[string]float64{"new_checkout": 100, "dark_mode": 0, "always": 100, "never": 0},
	Configs:     map[string]map[string]any{"limits": {"max": 20}},
	Experiments: map[string]map[string]any{"button": {"color": "blue"}},
	Layers:      map[string]map[string]any{"ui": {"theme": "light"}},
}

func TestWebhook(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Admission webhook suite (real kube-apiserver)")
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
	publish("rev1", testPayload)
	// The endpoint serves TLS here, so pods get an https OFREP_ENDPOINT (http is the default,
	// covered by inject's tests).
	opts := webhook.Options{
		Registry: registry, Namespace: operatorNamespace, CertMode: webhook.CertModeExternal, EndpointTLS: true,
	}
	Expect(webhook.Setup(mgr, opts)).To(Succeed())
	go func() {
		defer GinkgoRecover()
		Expect(mgr.Start(ctx)).To(Succeed())
	}()
	// Wait for the webhook server to serve TLS.
	addr := net.JoinHostPort(wio.LocalServingHost, fmt.Sprint(wio.LocalServingPort))
	Eventually(func() error {
		conn, err := tls.DialWithDialer(&net.Dialer{Timeout: time.Second}, "tcp", addr, &tls.Config{InsecureSkipVerify: true})
		if err != nil {
			return err
		}
		return conn.Close()
	}).Should(Succeed())
	for _, ns := range []string{"shop", operatorNamespace} {
		Expect(k8sClient.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})).To(Succeed())
	}
	// The served project's StatsigSpec: the webhook reads its namespaceSelector from the cache.
	Expect(k8sClient.Create(ctx, &flagsv1alpha1.StatsigSpec{
		ObjectMeta: metav1.ObjectMeta{Name: "demo"},
		Spec: flagsv1alpha1.StatsigSpecSpec{
			SecretKeyRef: flagsv1alpha1.SecretKeySelector{Name: "demo-key", Key: "secretKey"},
			Source:       flagsv1alpha1.SourceSpec{Type: flagsv1alpha1.SourceStatsig},
		},
	})).To(Succeed())
})

var _ = AfterSuite(func() {
	cancel()
	if testEnv != nil {
		Expect(testEnv.Stop()).To(Succeed())
	}
})

// publish serves the test project "demo" at revision rev.
func publish(rev string, p injecttest.Payload) {
	proj, err := injecttest.Project("demo", rev, p, sink)
	Expect(err).NotTo(HaveOccurred())
	registry.Set(proj)
}

// warnings collects the warnings of the API responses a client gets.
type warnings struct {
	mu   sync.Mutex
	list []string
}

func (w *warnings) HandleWarningHeader(_ int, _ string, text string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.list = append(w.list, text)
}

func (w *warnings) get() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.list...)
}

// warningClient returns a client that records response warnings.
func warningClient() (client.Client, *warnings) {
	w := &warnings{}
	c := rest.CopyConfig(cfg)
	c.WarningHandler = w
	cl, err := client.New(c, client.Options{Scheme: testEnv.Scheme})
	Expect(err).NotTo(HaveOccurred())
	return cl, w
}
