package grpcproxy

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/statsig-operator/statsig-operator/serving"
	"github.com/statsig-operator/statsig-operator/specstream"
)

// selfSigned returns a server certificate for 127.0.0.1 and a pool trusting it.
func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "grpcproxy-test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		DNSNames: []string{"statsig-operator-endpoint.statsig-system.svc"}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, IsCA: true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pool
}

// TestTLS: with Options.TLS the service answers over TLS (Server Core's authenticationMode tls)
// and refuses plaintext.
func TestTLS(t *testing.T) {
	reg := serving.NewRegistry()
	publish(t, reg, "r1", 1000, payloadJSON(1000, 300))
	cert, pool := selfSigned(t)
	serverTLS := &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: []string{"h2"}}
	ts := startServer(t, Options{Registry: reg, TLS: serverTLS})

	creds := credentials.NewTLS(&tls.Config{RootCAs: pool, ServerName: "statsig-operator-endpoint.statsig-system.svc"})
	conn, err := grpc.NewClient("passthrough:///"+ts.addr, grpc.WithTransportCredentials(creds))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close() }()
	resp, err := specstream.NewClient(conn).GetConfigSpec(ctxTimeout(t, 5*time.Second),
		&specstream.ConfigSpecRequest{SDKKey: serverKey, Version: v2()})
	if err != nil || resp.LastUpdated != 1000 {
		t.Fatalf("over TLS: %v", err)
	}

	plain, err := grpc.NewClient("passthrough:///"+ts.addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = plain.Close() }()
	if _, err := specstream.NewClient(plain).GetConfigSpec(ctxTimeout(t, 3*time.Second),
		&specstream.ConfigSpecRequest{SDKKey: serverKey, Version: v2()}); err == nil {
		t.Fatal("plaintext call to a TLS server succeeded")
	}
}
