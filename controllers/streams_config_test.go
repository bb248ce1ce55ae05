package controllers

import (
	"context"
	"testing"

	flagsv1alpha1 "github.com/statsig-operator/statsig-operator/api/v1alpha1"
	"github.com/statsig-operator/statsig-operator/specstream"
)

func TestStreamConfigFor(t *testing.T) {
	tests := []struct {
		name       string
		adapter    flagsv1alpha1.SpecAdapterConfig
		format     flagsv1alpha1.PayloadFormat
		wantTarget string
		wantTLS    string // ServerName, "" for plaintext
		wantVer    int32
	}{
		{name: "plaintext with port", adapter: flagsv1alpha1.SpecAdapterConfig{SpecsURL: "http://hub.svc:50051"},
			wantTarget: "hub.svc:50051", wantVer: specstream.VersionV2},
		{name: "plaintext default port", adapter: flagsv1alpha1.SpecAdapterConfig{SpecsURL: "http://hub.svc"},
			wantTarget: "hub.svc:80", wantVer: specstream.VersionV2},
		{name: "https", adapter: flagsv1alpha1.SpecAdapterConfig{SpecsURL: "https://hub.example.com"},
			wantTarget: "hub.example.com:443", wantTLS: "hub.example.com", wantVer: specstream.VersionV2},
		{name: "domain name", adapter: flagsv1alpha1.SpecAdapterConfig{SpecsURL: "https://10.0.0.7:50051",
			AuthenticationMode: flagsv1alpha1.AuthenticationTLS, DomainName: "hub.example.com"},
			wantTarget: "10.0.0.7:50051", wantTLS: "hub.example.com", wantVer: specstream.VersionV2},
		{name: "v1 payload", adapter: flagsv1alpha1.SpecAdapterConfig{SpecsURL: "http://hub:50051"}, format: "v1",
			wantTarget: "hub:50051", wantVer: specstream.VersionV1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := &flagsv1alpha1.StatsigSpec{}
			spec.Spec.PayloadFormat = tt.format
			run := &syncRun{spec: spec, key: "secret-k"}
			cfg, fail := run.streamConfigFor(context.Background(), &tt.adapter, "rv1")
			if fail != nil {
				t.Fatal(fail.message)
			}
			if cfg.target != tt.wantTarget || cfg.version != tt.wantVer || cfg.key != "secret-k" {
				t.Fatalf("got target %q version %d", cfg.target, cfg.version)
			}
			gotTLS := ""
			if cfg.tls != nil {
				gotTLS = cfg.tls.ServerName
			}
			if gotTLS != tt.wantTLS {
				t.Fatalf("TLS ServerName %q, want %q", gotTLS, tt.wantTLS)
			}
			again, _ := run.streamConfigFor(context.Background(), &tt.adapter, "rv2")
			if again.fp == cfg.fp {
				t.Fatal("a rotated key must restart the stream")
			}
		})
	}
}
