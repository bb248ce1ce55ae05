package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"time"

	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/statsig-operator/statsig-operator/endpoint"
	"github.com/statsig-operator/statsig-operator/inject"
	"github.com/statsig-operator/statsig-operator/webhook"
	"github.com/statsig-operator/statsig-operator/webhook/certs"
)

// Names of the endpoint certificate in the install conventions (Helm chart).
const (
	defaultEndpointCertDir = "/tmp/endpoint-serving-certs"
	endpointCertSecret     = "statsig-operator-endpoint-cert"
)

// endpointCertMode is --endpoint-cert-mode, or --cert-mode when it is empty.
func endpointCertMode(c config) string {
	if c.endpointCertMode != "" {
		return c.endpointCertMode
	}
	return c.certMode
}

// endpointTLS returns the endpoint's TLS options, nil without --endpoint-tls. In self mode it
// provisions the certificate of the endpoint Service before the manager starts (the server
// reads it when it starts) and adds the rotator that renews it in every replica; the server's
// certwatcher picks renewals up. In cert-manager and external mode the Secret is mounted at
// the cert dir and the kubelet refreshes it.
func endpointTLS(mgr ctrl.Manager, c config, tlsOpts []func(*tls.Config)) (*endpoint.TLSOptions, error) {
	if !c.endpointTLS {
		return nil, nil
	}
	switch mode := endpointCertMode(c); mode {
	case webhook.CertModeSelf:
		r := &certs.Rotator{
			Reader: mgr.GetAPIReader(), Writer: mgr.GetClient(),
			Namespace: c.namespace, SecretName: endpointCertSecret, Service: inject.DefaultEndpointService,
			CertDir: c.endpointCertDir, Log: mgr.GetLogger().WithName("endpoint-certs"),
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		err := r.Ensure(ctx)
		cancel()
		if err != nil {
			return nil, fmt.Errorf("endpoint: provision certificate: %w", err)
		}
		if err := mgr.Add(r); err != nil {
			return nil, err
		}
	case webhook.CertModeCertManager, webhook.CertModeExternal:
	default:
		return nil, fmt.Errorf("endpoint: unknown cert mode %q (use self, cert-manager or external)", mode)
	}
	return &endpoint.TLSOptions{CertDir: c.endpointCertDir, Config: tlsOpts}, nil
}
