package certs_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"os"
	"path/filepath"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/statsig-operator/statsig-operator/test/envtestutil"
	"github.com/statsig-operator/statsig-operator/webhook"
	"github.com/statsig-operator/statsig-operator/webhook/certs"
)

var (
	restCfg   *rest.Config
	testEnv   *envtest.Environment
	k8sClient client.Client
	ctx       context.Context
	cancel    context.CancelFunc
)

func TestCerts(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Webhook certificate suite (real kube-apiserver)")
}

var _ = BeforeSuite(func() {
	ctx, cancel = context.WithCancel(context.Background())
	var err error
	testEnv, err = envtestutil.NewEnvironment()
	Expect(err).NotTo(HaveOccurred())
	cfg, err := testEnv.Start()
	Expect(err).NotTo(HaveOccurred())
	restCfg = cfg
	k8sClient, err = client.New(cfg, client.Options{Scheme: testEnv.Scheme})
	Expect(err).NotTo(HaveOccurred())
	Expect(k8sClient.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "statsig-system"}})).To(Succeed())
})

var _ = AfterSuite(func() {
	cancel()
	if testEnv != nil {
		Expect(testEnv.Stop()).To(Succeed())
	}
})

func clientConfig() admissionregistrationv1.WebhookClientConfig {
	return admissionregistrationv1.WebhookClientConfig{
		Service: &admissionregistrationv1.ServiceReference{
			Namespace: "statsig-system",
			Name:      "statsig-operator-webhook",
			Path:      new("/x"),
		},
	}
}

var _ = Describe("Rotator", Ordered, func() {
	It("provisions, writes, injects and rotates the certificate", func() {
		none := admissionregistrationv1.SideEffectClassNone
		Expect(k8sClient.Create(ctx, &admissionregistrationv1.MutatingWebhookConfiguration{
			ObjectMeta: metav1.ObjectMeta{Name: "statsig-operator-mutating"},
			Webhooks: []admissionregistrationv1.MutatingWebhook{
				{
					Name:                    "pods.statsig-operator.io",
					ClientConfig:            clientConfig(),
					SideEffects:             &none,
					AdmissionReviewVersions: []string{"v1"},
				},
			},
		})).To(Succeed())
		Expect(k8sClient.Create(ctx, &admissionregistrationv1.ValidatingWebhookConfiguration{
			ObjectMeta: metav1.ObjectMeta{Name: "statsig-operator-validating"},
			Webhooks: []admissionregistrationv1.ValidatingWebhook{
				{
					Name:                    "statsigspecs.statsig-operator.io",
					ClientConfig:            clientConfig(),
					SideEffects:             &none,
					AdmissionReviewVersions: []string{"v1"},
				},
			},
		})).To(Succeed())

		now := time.Now()
		dir := GinkgoT().TempDir()
		r := &certs.Rotator{
			Reader: k8sClient, Writer: k8sClient, Namespace: "statsig-system", SecretName: "statsig-operator-webhook-cert",
			Service: "statsig-operator-webhook", CertDir: dir,
			MutatingConfigs: []string{"statsig-operator-mutating"}, ValidatingConfigs: []string{"statsig-operator-validating"},
			Now: func() time.Time { return now },
		}
		Expect(r.Ensure(ctx)).To(Succeed())

		secret := func() *corev1.Secret {
			var s corev1.Secret
			Expect(
				k8sClient.Get(ctx, client.ObjectKey{Namespace: "statsig-system", Name: "statsig-operator-webhook-cert"}, &s),
			).To(Succeed())
			return &s
		}
		bundles := func() [][]byte {
			var m admissionregistrationv1.MutatingWebhookConfiguration
			var v admissionregistrationv1.ValidatingWebhookConfiguration
			Expect(k8sClient.Get(ctx, client.ObjectKey{Name: "statsig-operator-mutating"}, &m)).To(Succeed())
			Expect(k8sClient.Get(ctx, client.ObjectKey{Name: "statsig-operator-validating"}, &v)).To(Succeed())
			return [][]byte{m.Webhooks[0].ClientConfig.CABundle, v.Webhooks[0].ClientConfig.CABundle}
		}
		s1 := secret()
		Expect(s1.Type).To(Equal(corev1.SecretTypeTLS))
		for _, b := range bundles() {
			Expect(b).To(Equal(s1.Data["ca.crt"]))
		}
		for _, k := range []string{"tls.crt", "tls.key", "ca.crt"} {
			Expect(os.ReadFile(filepath.Join(dir, k))).To(Equal(s1.Data[k]), k)
		}
		// The files form a serving pair the bundle verifies for the Service name.
		pair, err := tls.LoadX509KeyPair(filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key"))
		Expect(err).NotTo(HaveOccurred())
		pool := x509.NewCertPool()
		Expect(pool.AppendCertsFromPEM(s1.Data["ca.crt"])).To(BeTrue())
		leaf, err := x509.ParseCertificate(pair.Certificate[0])
		Expect(err).NotTo(HaveOccurred())
		_, err = leaf.Verify(x509.VerifyOptions{DNSName: "statsig-operator-webhook.statsig-system.svc", Roots: pool})
		Expect(err).NotTo(HaveOccurred())

		By("doing nothing while the certificate is fresh")
		Expect(r.Ensure(ctx)).To(Succeed())
		Expect(secret().ResourceVersion).To(Equal(s1.ResourceVersion))

		By("renewing the serving certificate 90 days before it expires")
		now = now.Add(300 * 24 * time.Hour)
		Expect(r.Ensure(ctx)).To(Succeed())
		s2 := secret()
		Expect(s2.Data["tls.crt"]).NotTo(Equal(s1.Data["tls.crt"]))
		Expect(s2.Data["ca.crt"]).To(Equal(s1.Data["ca.crt"]))
		Expect(os.ReadFile(filepath.Join(dir, "tls.crt"))).To(Equal(s2.Data["tls.crt"]))

		By("rotating the CA before it expires, keeping the old CA in the bundle")
		now = now.Add(10*365*24*time.Hour - 350*24*time.Hour) // 50 days before the CA expires
		Expect(r.Ensure(ctx)).To(Succeed())
		s3 := secret()
		Expect(s3.Data["ca.crt"]).NotTo(Equal(s2.Data["ca.crt"]))
		Expect(bytes.Contains(s3.Data["ca.crt"], s2.Data["ca.crt"])).To(BeTrue())
		for _, b := range bundles() {
			Expect(b).To(Equal(s3.Data["ca.crt"]))
		}
	})

	It("re-patches a caBundle that was wiped, without waiting for the periodic check", func() {
		// Relies on the configurations and Secret the Rotator spec created.
		r := &certs.Rotator{
			Reader: k8sClient, Writer: k8sClient, Namespace: "statsig-system", SecretName: "statsig-operator-webhook-cert",
			Service: "statsig-operator-webhook", CertDir: GinkgoT().TempDir(),
			MutatingConfigs: []string{"statsig-operator-mutating"}, ValidatingConfigs: []string{"statsig-operator-validating"},
		}
		Expect(r.Ensure(ctx)).To(Succeed())
		mgr, err := ctrl.NewManager(
			restCfg,
			ctrl.Options{Scheme: testEnv.Scheme, Metrics: metricsserver.Options{BindAddress: "0"}},
		)
		Expect(err).NotTo(HaveOccurred())
		Expect(webhook.WatchCABundles(mgr, r)).To(Succeed())
		mctx, stop := context.WithCancel(ctx)
		DeferCleanup(stop)
		go func() { defer GinkgoRecover(); Expect(mgr.Start(mctx)).To(Succeed()) }()

		var m admissionregistrationv1.MutatingWebhookConfiguration
		Expect(k8sClient.Get(ctx, client.ObjectKey{Name: "statsig-operator-mutating"}, &m)).To(Succeed())
		want := m.Webhooks[0].ClientConfig.CABundle
		Expect(want).NotTo(BeEmpty())
		m.Webhooks[0].ClientConfig.CABundle = nil
		Expect(k8sClient.Update(ctx, &m)).To(Succeed())
		Eventually(func(g Gomega) {
			var got admissionregistrationv1.MutatingWebhookConfiguration
			g.Expect(k8sClient.Get(ctx, client.ObjectKey{Name: "statsig-operator-mutating"}, &got)).To(Succeed())
			g.Expect(got.Webhooks[0].ClientConfig.CABundle).To(Equal(want))
		}, 20*time.Second, 100*time.Millisecond).Should(Succeed())
	})
})
