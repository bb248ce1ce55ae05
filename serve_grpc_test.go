package main

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/statsig-operator/statsig-operator/endpoint"
	"github.com/statsig-operator/statsig-operator/specstream"
)

// TestServeGRPC: `serve --grpc-listen` serves the gRPC forward proxy from the same project as
// the endpoint, and stops with it.
func TestServeGRPC(t *testing.T) {
	dir := t.TempDir()
	specs := filepath.Join(dir, "dcs.json")
	body := `{"has_updates":true,"time":1700000000000,"feature_gates":[],"dynamic_configs":[],"layer_configs":[]}`
	if err := os.WriteFile(specs, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	grpcAddr := ln.Addr().String()
	_ = ln.Close()

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- serveWith(ctx, grpcAddr, endpoint.StandaloneOptions{
			SpecsFile: specs, Listen: "127.0.0.1:0", Keys: []string{"secret-serve-grpc"}, DisableLogging: true,
			AddrFile: filepath.Join(dir, "addr"),
		})
	}()
	conn, err := grpc.NewClient("passthrough:///"+grpcAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close() }()
	v1 := specstream.VersionV1
	var resp *specstream.ConfigSpecResponse
	for deadline := time.Now().Add(10 * time.Second); ; {
		cctx, ccancel := context.WithTimeout(context.Background(), 2*time.Second)
		resp, err = specstream.NewClient(conn).GetConfigSpec(cctx,
			&specstream.ConfigSpecRequest{SDKKey: "secret-serve-grpc", Version: &v1})
		ccancel()
		if err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("getConfigSpec: %v", err)
	}
	if resp.LastUpdated != 1700000000000 || !strings.Contains(resp.Spec, `"feature_gates"`) {
		t.Fatalf("got lastUpdated %d, spec %.60q", resp.LastUpdated, resp.Spec)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil && err != context.Canceled {
			t.Fatalf("serve: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not stop")
	}
}
