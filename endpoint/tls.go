package endpoint

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"path/filepath"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/certwatcher"
)

// Files of a serving certificate directory: the layout of a kubernetes.io/tls Secret, which
// the self-managed rotator writes and a mounted cert-manager or external Secret has.
const (
	CertFile = "tls.crt"
	KeyFile  = "tls.key"
)

// TLSOptions make the endpoint serve HTTPS only.
type TLSOptions struct {
	// CertDir holds tls.crt and tls.key; both are re-read when they change, so a rotated
	// certificate is served without a restart.
	CertDir string
	// Config adjusts the tls.Config (for example to turn HTTP/2 off).
	Config []func(*tls.Config)
	// ReloadInterval is how often the files are re-read besides file-change events
	// (controller-runtime's certwatcher default, 10s, when 0).
	ReloadInterval time.Duration
}

// tlsListener wraps ln in TLS with the certificate of o.CertDir, watched until ctx ends.
// The first read must succeed: serving without a certificate would fail every handshake.
func (s *Server) tlsListener(ctx context.Context, ln net.Listener, o *TLSOptions) (net.Listener, error) {
	cw, err := certwatcher.New(filepath.Join(o.CertDir, CertFile), filepath.Join(o.CertDir, KeyFile))
	if err != nil {
		return nil, fmt.Errorf("endpoint: serving certificate in %s: %w", o.CertDir, err)
	}
	if o.ReloadInterval > 0 {
		cw = cw.WithWatchInterval(o.ReloadInterval)
	}
	go func() {
		if err := cw.Start(ctx); err != nil {
			s.log.Error(err, "Certificate watcher stopped; the endpoint keeps its last certificate")
		}
	}()
	cfg := &tls.Config{
		MinVersion:     tls.VersionTLS12,
		GetCertificate: cw.GetCertificate,
		NextProtos:     []string{"h2", "http/1.1"},
	}
	for _, f := range o.Config {
		f(cfg)
	}
	return tls.NewListener(ln, cfg), nil
}
