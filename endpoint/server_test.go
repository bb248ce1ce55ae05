package endpoint

import (
	"context"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/statsig-operator/statsig-operator/serving"
)

func TestServeAndGracefulShutdown(t *testing.T) {
	srv, err := NewServer(Options{Registry: serving.NewRegistry()})
	if err != nil {
		t.Fatal(err)
	}
	if srv.NeedLeaderElection() {
		t.Error("every replica must serve: NeedLeaderElection must be false")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	res, err := http.Get("http://" + ln.Addr().String() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	_ = res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Errorf("/healthz = %d", res.StatusCode)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve returned %v after shutdown, want nil", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return after the context ended")
	}
	if _, err := http.Get("http://" + ln.Addr().String() + "/healthz"); err == nil {
		t.Error("server still accepts connections after shutdown")
	}
}

func TestNewServerNeedsRegistry(t *testing.T) {
	if _, err := NewServer(Options{}); err == nil {
		t.Error("NewServer without a registry must fail")
	}
}
