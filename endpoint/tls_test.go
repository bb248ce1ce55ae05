package endpoint

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/statsig-operator/statsig-operator/serving"
)

// testCA is a CA and a serving certificate for 127.0.0.1 it signed, as PEM.
type testCA struct {
	pool          *x509.CertPool
	cert, key     []byte
	servingSerial *big.Int
}

func newTestCA(t *testing.T) testCA {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(now.UnixNano()), Subject: pkix.Name{CommonName: "endpoint-test-ca"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour),
		KeyUsage: x509.KeyUsageCertSign, BasicConstraintsValid: true, IsCA: true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, _ := x509.ParseCertificate(caDER)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(now.UnixNano() + 1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := x509.MarshalECPrivateKey(key)
	pool := x509.NewCertPool()
	pool.AddCert(caCert)
	return testCA{
		pool:          pool,
		cert:          pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		key:           pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}),
		servingSerial: tmpl.SerialNumber,
	}
}

// install writes the serving files as the rotator does: each replaced by a rename.
func (c testCA) install(t *testing.T, dir string) {
	t.Helper()
	for name, b := range map[string][]byte{KeyFile: c.key, CertFile: c.cert} {
		tmp := filepath.Join(dir, name+".tmp")
		if err := os.WriteFile(tmp, b, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
}

func httpsClient(pool *x509.CertPool) *http.Client {
	return &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		TLSClientConfig:   &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12},
		DisableKeepAlives: true, // every request handshakes, so it sees the current certificate
		ForceAttemptHTTP2: true,
	}}
}

// TestTLSServing serves HTTPS from a certificate directory: a client trusting the CA
// evaluates a gate, plaintext and untrusting clients are refused, HTTP/2 is off when the
// config says so, and a rotated certificate is served without a restart.
func TestTLSServing(t *testing.T) {
	dir := t.TempDir()
	first := newTestCA(t)
	first.install(t, dir)
	reg := serving.NewRegistry()
	reg.Set(loadProject(t, "eval", "server-core/eval_proj_dcs.json", nil, testKey))
	srv, err := NewServer(Options{Registry: reg, TLS: &TLSOptions{
		CertDir: dir, ReloadInterval: 50 * time.Millisecond,
		Config: []func(*tls.Config){func(c *tls.Config) { c.NextProtos = []string{"http/1.1"} }},
	}})
	if err != nil {
		t.Fatal(err)
	}
	addr, _ := serveOnLoopback(t, srv)

	checkGate := func(c *http.Client, scheme string) (*http.Response, []byte, error) {
		req, _ := http.NewRequest("POST", scheme+"://"+addr+"/v1/check_gate",
			strings.NewReader(`{"gateName":"test_public","user":{"userID":"u1"}}`))
		req.Header.Set("Statsig-Api-Key", testKey)
		res, err := c.Do(req)
		if err != nil {
			return nil, nil, err
		}
		defer func() { _ = res.Body.Close() }()
		b, err := io.ReadAll(res.Body)
		return res, b, err
	}

	res, body, err := checkGate(httpsClient(first.pool), "https")
	if err != nil {
		t.Fatalf("HTTPS check_gate with the CA: %v", err)
	}
	var gate struct{ Value bool }
	if res.StatusCode != http.StatusOK || json.Unmarshal(body, &gate) != nil || !gate.Value {
		t.Fatalf("HTTPS check_gate = %d %s, want 200 with value true", res.StatusCode, body)
	}
	if res.ProtoMajor != 1 {
		t.Errorf("served %s with HTTP/2 turned off", res.Proto)
	}

	tests := []struct {
		name    string
		client  *http.Client
		scheme  string
		wantErr string // transport error, or "" for an HTTP answer
		status  int
	}{
		{"plaintext gets 400 from the TLS layer", &http.Client{Timeout: 5 * time.Second}, "http", "", 400},
		{"a client without the CA refuses the server", httpsClient(x509.NewCertPool()), "https", "certificate", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, body, err := checkGate(tt.client, tt.scheme)
			switch {
			case tt.wantErr != "":
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("error %v, want one about %q", err, tt.wantErr)
				}
			case err != nil:
				t.Errorf("error %v, want HTTP %d", err, tt.status)
			case res.StatusCode != tt.status || strings.Contains(string(body), "value"):
				t.Errorf("got %d %s, want %d without an evaluation", res.StatusCode, body, tt.status)
			}
		})
	}

	// Rotation: a certificate from another CA replaces the files; the server picks it up.
	second := newTestCA(t)
	second.install(t, dir)
	deadline := time.Now().Add(10 * time.Second)
	for {
		res, _, err := checkGate(httpsClient(second.pool), "https")
		if err == nil && res.StatusCode == http.StatusOK &&
			res.TLS.PeerCertificates[0].SerialNumber.Cmp(second.servingSerial) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the rotated certificate was not served within 10s (last error %v)", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if _, _, err := checkGate(httpsClient(first.pool), "https"); err == nil {
		t.Error("after rotation the old certificate is still served")
	}
}

func TestTLSNeedsCertificate(t *testing.T) {
	srv, err := NewServer(Options{Registry: serving.NewRegistry(), TLS: &TLSOptions{CertDir: t.TempDir()}})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Serve(context.Background(), ln); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("Serve without certificate files = %v, want an error about the certificate", err)
	}
}
