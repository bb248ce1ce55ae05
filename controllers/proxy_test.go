package controllers

import (
	"encoding/base64"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	flagsv1alpha1 "github.com/statsig-operator/statsig-operator/api/v1alpha1"
	"github.com/statsig-operator/statsig-operator/test/standin"
)

// forwardProxy is a minimal HTTP forward proxy that requires Basic proxy credentials.
func forwardProxy(user, pass string, served *atomic.Int32) *httptest.Server {
	want := "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Proxy-Authorization") != want {
			w.WriteHeader(http.StatusProxyAuthRequired)
			return
		}
		out := r.Clone(r.Context())
		out.RequestURI = ""
		out.Header.Del("Proxy-Authorization")
		resp, err := http.DefaultTransport.RoundTrip(out)
		if err != nil {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		defer func() { _ = resp.Body.Close() }()
		served.Add(1)
		maps.Copy(w.Header(), resp.Header)
		w.WriteHeader(resp.StatusCode)
		_, _ = io.Copy(w, resp.Body)
	}))
}

var _ = Describe("A StatsigSpec behind a proxy", func() {
	It("sends its downloads through the proxy with the credentials from the Secret", func() {
		srv := startStandin(standin.Options{})
		Expect(srv.SetPayloadFile(standin.V1, fixtureDCS)).To(Succeed())
		var served atomic.Int32
		proxy := forwardProxy("ops", "s3cret", &served)
		DeferCleanup(proxy.Close)
		keySecret("proxied-key", "secret-proxied")
		Expect(k8sClient.Create(ctx, &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Namespace: testNS, Name: "proxy-creds"},
			Data:       map[string][]byte{"auth": []byte("ops:s3cret")},
		})).To(Succeed())
		spec := statsigSpec("proxied", "proxied-key", srv, standin.V1)
		spec.Spec.Proxy = &flagsv1alpha1.ProxySpec{
			URL:                  proxy.URL,
			CredentialsSecretRef: &flagsv1alpha1.SecretKeySelector{Name: "proxy-creds", Key: "auth"},
		}
		Expect(k8sClient.Create(ctx, spec)).To(Succeed())
		Eventually(func(g Gomega) {
			s := getSpec(g, "proxied")
			g.Expect(s.Status.Revision).NotTo(BeEmpty())
			g.Expect(condition(s, flagsv1alpha1.ConditionSynced).Status).To(Equal(metav1.ConditionTrue))
		}, 15*time.Second, 100*time.Millisecond).Should(Succeed())
		Expect(served.Load()).To(BeNumerically(">", 0))
	})
})
