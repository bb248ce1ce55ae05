package endpoint

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/statsig-operator/statsig-operator/serving"
)

func TestInFlightBounds(t *testing.T) {
	f := inFlight{maxN: 2, maxBytes: 100}
	steps := []struct {
		acquire bool
		cost    int64
		want    bool
	}{
		{true, 60, true},
		{true, 60, false}, // bytes over
		{true, 40, true},
		{true, 0, false}, // requests over
		{false, 60, true},
		{true, 50, true},
	}
	for i, s := range steps {
		if !s.acquire {
			f.release(s.cost)
			continue
		}
		if got := f.acquire(s.cost); got != s.want {
			t.Fatalf("step %d: acquire(%d) = %v, want %v (n=%d bytes=%d)", i, s.cost, got, s.want, f.n.Load(), f.bytes.Load())
		}
	}
	if f.n.Load() != 2 || f.bytes.Load() != 90 {
		t.Fatalf("held n=%d bytes=%d, want 2 and 90", f.n.Load(), f.bytes.Load())
	}
}

// Requests whose bodies would pass the in-flight byte budget get 503 with Retry-After while
// health checks keep answering.
func TestEndpointShedsLoadButAnswersHealth(t *testing.T) {
	reg := serving.NewRegistry()
	reg.Set(loadProject(t, "eval", "server-core/eval_proj_dcs.json", nil, testKey))
	srv, err := NewServer(Options{Registry: reg, MaxBodyBytes: 64 << 10, MaxInFlightBodyBytes: 100 << 10})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()

	// A client that declares 64 KiB and sends it slowly holds 64 KiB of the 100 KiB budget.
	pr, pw := io.Pipe()
	slow, err := http.NewRequest("POST", hs.URL+"/v1/check_gate", pr)
	if err != nil {
		t.Fatal(err)
	}
	slow.ContentLength = 64 << 10
	slow.Header.Set("statsig-api-key", testKey)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if res, err := http.DefaultClient.Do(slow); err == nil {
			_ = res.Body.Close()
		}
	}()
	if _, err := pw.Write([]byte(`{"gateName":"test_public",`)); err != nil {
		t.Fatal(err)
	}
	// The slow request holds its budget once the server has admitted it (on a loaded machine
	// that can take a while after the write returns).
	for deadline := time.Now().Add(10 * time.Second); srv.load.bytes.Load() < 64<<10; {
		if time.Now().After(deadline) {
			t.Fatal("the slow request was never admitted")
		}
		time.Sleep(5 * time.Millisecond)
	}
	big := `{"gateName":"test_public","user":{"userID":"u"},"pad":"` + strings.Repeat("x", 50<<10) + `"}`
	req, _ := http.NewRequest("POST", hs.URL+"/v1/check_gate", strings.NewReader(big))
	req.Header.Set("statsig-api-key", testKey)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	_ = res.Body.Close()
	if res.StatusCode != 503 || res.Header.Get("Retry-After") != "1" || !strings.Contains(string(body), "retry") {
		t.Fatalf("over the budget: %d %q %s", res.StatusCode, res.Header.Get("Retry-After"), body)
	}
	if h, err := http.Get(hs.URL + "/healthz"); err != nil || h.StatusCode != 200 {
		t.Fatalf("healthz under load: %v %v", h, err)
	}
	small := `{"gateName":"test_public","user":{"userID":"u"}}`
	req, _ = http.NewRequest("POST", hs.URL+"/v1/check_gate", strings.NewReader(small))
	req.Header.Set("statsig-api-key", testKey)
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != 200 {
		t.Fatalf("a small request within the budget: %v %v", res, err)
	}
	_ = pw.CloseWithError(io.ErrUnexpectedEOF)
	<-done
	if n := testutil.ToFloat64(srv.metrics.shed); n != 1 {
		t.Fatalf("requests_shed_total = %v, want 1", n)
	}
	for i := 0; i < 200 && (srv.load.n.Load() != 0 || srv.load.bytes.Load() != 0); i++ {
		time.Sleep(10 * time.Millisecond) // the slow request's handler sees its body fail
	}
	if srv.load.n.Load() != 0 || srv.load.bytes.Load() != 0 {
		t.Fatalf("budget not released: n=%d bytes=%d", srv.load.n.Load(), srv.load.bytes.Load())
	}
}
