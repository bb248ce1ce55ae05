package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/statsig-operator/statsig-operator/endpoint"
	"github.com/statsig-operator/statsig-operator/serving"
	"github.com/statsig-operator/statsig-operator/test/envtestutil"
)

func TestEndpointTLSModes(t *testing.T) {
	tests := []struct {
		name    string
		c       config
		wantNil bool
		wantErr string
	}{
		{"off", config{certMode: "self"}, true, ""},
		{"cert-manager reads the mounted Secret",
			config{endpointTLS: true, certMode: "cert-manager", endpointCertDir: "/d"}, false, ""},
		{"external overrides --cert-mode",
			config{endpointTLS: true, certMode: "self", endpointCertMode: "external", endpointCertDir: "/d"}, false, ""},
		{"unknown mode", config{endpointTLS: true, certMode: "vault"}, true, `unknown cert mode "vault"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := endpointTLS(nil, tt.c, nil)
			if (o == nil) != tt.wantNil {
				t.Errorf("options = %+v, want nil: %v", o, tt.wantNil)
			}
			if o != nil && o.CertDir != tt.c.endpointCertDir {
				t.Errorf("CertDir = %q, want %q", o.CertDir, tt.c.endpointCertDir)
			}
			if (err != nil) != (tt.wantErr != "") || (err != nil && !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("error = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

// TestEndpointTLSSelfManaged wires --endpoint-tls in self mode against a real apiserver: the
// operator issues the certificate into its Secret for the endpoint Service's DNS names, a
// client trusting the Secret's ca.crt reaches the endpoint over HTTPS, and a renewed
// certificate is served without restarting the server.
func TestEndpointTLSSelfManaged(t *testing.T) {
	env, err := envtestutil.NewEnvironment()
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := env.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = env.Stop() })
	ctx := t.Context()
	k8s, err := client.New(cfg, client.Options{Scheme: env.Scheme})
	if err != nil {
		t.Fatal(err)
	}
	if err := k8s.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "statsig-system"}}); err != nil {
		t.Fatal(err)
	}
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme: env.Scheme, Metrics: metricsserver.Options{BindAddress: "0"}, HealthProbeBindAddress: "0",
	})
	if err != nil {
		t.Fatal(err)
	}
	c := config{endpointTLS: true, certMode: "self", namespace: "statsig-system", endpointCertDir: t.TempDir()}
	opts, err := endpointTLS(mgr, c, nil)
	if err != nil {
		t.Fatal(err)
	}
	opts.ReloadInterval = 100 * time.Millisecond
	srv, err := endpoint.NewServer(endpoint.Options{Registry: serving.NewRegistry(), TLS: opts})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	sctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(sctx, ln) }()
	t.Cleanup(func() {
		stop()
		if err := <-done; err != nil {
			t.Errorf("Serve after shutdown: %v", err)
		}
	})

	key := client.ObjectKey{Namespace: "statsig-system", Name: endpointCertSecret}
	var secret corev1.Secret
	if err := k8s.Get(ctx, key, &secret); err != nil {
		t.Fatalf("the endpoint certificate Secret: %v", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(secret.Data["ca.crt"]) {
		t.Fatal("no CA in the Secret's ca.crt")
	}
	if block, _ := pem.Decode(secret.Data["ca.crt"]); block == nil {
		t.Error("ca.crt is not PEM")
	} else if ca, err := x509.ParseCertificate(block.Bytes); err != nil ||
		ca.Subject.CommonName != "statsig-operator-endpoint-ca" {
		t.Errorf("CA = %v (%v), want one named statsig-operator-endpoint-ca", ca, err)
	}
	// The client dials the listener but verifies the name SDK pods use.
	peer := func() (*x509.Certificate, error) {
		hc := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
			TLSClientConfig: &tls.Config{
				RootCAs: pool, ServerName: "statsig-operator-endpoint.statsig-system.svc", MinVersion: tls.VersionTLS12,
			},
			DisableKeepAlives: true,
		}}
		res, err := hc.Get("https://" + ln.Addr().String() + "/healthz")
		if err != nil {
			return nil, err
		}
		_ = res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Errorf("/healthz over HTTPS = %d", res.StatusCode)
		}
		return res.TLS.PeerCertificates[0], nil
	}
	first, err := peer()
	if err != nil {
		t.Fatalf("HTTPS with the Secret's CA: %v", err)
	}
	for _, name := range []string{
		"statsig-operator-endpoint.statsig-system.svc.cluster.local", "statsig-operator-endpoint.statsig-system",
	} {
		if err := first.VerifyHostname(name); err != nil {
			t.Errorf("certificate does not cover %s: %v", name, err)
		}
	}

	// Dropping the serving pair makes the next check issue a new one under the same CA, as a
	// renewal does; the rotator's periodic pass is run here directly.
	secret.Data["tls.crt"], secret.Data["tls.key"] = []byte{}, []byte{} // a TLS Secret keeps the keys
	if err := k8s.Update(ctx, &secret); err != nil {
		t.Fatal(err)
	}
	if _, err := endpointTLS(mgr, c, nil); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		cur, err := peer()
		if err == nil && cur.SerialNumber.Cmp(first.SerialNumber) != 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the renewed certificate was not served within 15s (last error %v)", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
