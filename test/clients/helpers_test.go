package clients

import (
	"context"
	"net"
	"os"
	"testing"
	"time"

	"github.com/statsig-operator/statsig-operator/endpoint"
	"github.com/statsig-operator/statsig-operator/evaluator"
	"github.com/statsig-operator/statsig-operator/serving"
	"github.com/statsig-operator/statsig-operator/test/fixtures"
)

// fixture returns the path of a file of the repository's Statsig fixtures (test/fixtures).
func fixture(t *testing.T, rel string) string { t.Helper(); return fixtures.Path(t, rel) }

// serve starts the endpoint on loopback with one project loaded from a fixture and returns
// its base URL; the server stops with the test.
func serve(t *testing.T, rel, key string, sink serving.EventSink) string {
	t.Helper()
	raw, err := os.ReadFile(fixture(t, rel))
	if err != nil {
		t.Fatal(err)
	}
	ev, pl, err := endpoint.LoadPayload(raw, evaluator.Options{})
	if err != nil {
		t.Fatal(err)
	}
	p := &serving.Project{Name: "clients", Revision: pl.SHA256[:12], Evaluator: ev, Payload: pl, Events: sink}
	p.SetKeys(serving.ServerKey(key))
	reg := serving.NewRegistry()
	reg.Set(p)
	srv, err := endpoint.NewServer(endpoint.Options{Registry: reg})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("endpoint shutdown: %v", err)
			}
		case <-time.After(15 * time.Second):
			t.Error("endpoint did not shut down")
		}
	})
	return "http://" + ln.Addr().String()
}
