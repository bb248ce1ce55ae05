package endpoint

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestLoad measures the endpoint over keep-alive HTTP on loopback with an in-process load
// generator. It runs only with ENDPOINT_LOADTEST=1 (ENDPOINT_LOADTEST_SECONDS, default 5;
// ENDPOINT_LOADTEST_WORKERS, default 32):
//
//	ENDPOINT_LOADTEST=1 go test ./endpoint -run TestLoad -v
func TestLoad(t *testing.T) {
	if os.Getenv("ENDPOINT_LOADTEST") != "1" {
		t.Skip("set ENDPOINT_LOADTEST=1 to run the load test")
	}
	secs, workers := envInt("ENDPOINT_LOADTEST_SECONDS", 5), envInt("ENDPOINT_LOADTEST_WORKERS", 32)
	env := newTestEnv(t, nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- env.srv.Serve(ctx, ln) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve returned %v after shutdown, want nil", err)
		}
	}()
	base := "http://" + ln.Addr().String()
	user := `"user":{"userID":"user-%d","email":"u%d@statsig.com","custom":{"level":9}}`
	scenarios := []struct {
		name, path, body string
		workers          int
		dur              time.Duration
	}{
		{"check_gate", "/v1/check_gate", `{"gateName":"test_email",` + user + `}`,
			workers, time.Duration(secs) * time.Second},
		{"ofrep_bulk", "/ofrep/v1/evaluate/flags", `{"context":{"targetingKey":"user-%d","email":"u%d@statsig.com"}}`,
			4, 2 * time.Second},
		{"gcir", "/v1/get_client_initialize_response", `{` + user + `}`, 4, 2 * time.Second},
	}
	for _, sc := range scenarios {
		r := runLoad(t, base+sc.path, sc.body, sc.workers, sc.dur)
		t.Logf("%-10s workers=%d requests=%d errors=%d rate=%.0f req/s p50=%s p99=%s max=%s",
			sc.name, sc.workers, r.n, r.errors, float64(r.n)/r.elapsed.Seconds(), r.pct(50), r.pct(99), r.pct(100))
	}
}

type loadResult struct {
	n, errors int
	elapsed   time.Duration
	lat       []time.Duration
}

func (r loadResult) pct(p int) time.Duration {
	if len(r.lat) == 0 {
		return 0
	}
	i := len(r.lat) * p / 100
	if i >= len(r.lat) {
		i = len(r.lat) - 1
	}
	return r.lat[i]
}

func runLoad(t *testing.T, url, bodyFmt string, workers int, dur time.Duration) loadResult {
	tr := &http.Transport{MaxIdleConnsPerHost: workers, MaxConnsPerHost: workers, DisableCompression: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	var errs atomic.Int64
	lats := make([][]time.Duration, workers)
	deadline := time.Now().Add(dur)
	start := time.Now()
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			bodies := make([][]byte, 16)
			for i := range bodies {
				bodies[i] = []byte(fmt.Sprintf(bodyFmt, w*16+i, w*16+i))
			}
			for i := 0; time.Now().Before(deadline); i++ {
				req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(bodies[i%len(bodies)]))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("statsig-api-key", testKey)
				t0 := time.Now()
				res, err := client.Do(req)
				if err != nil {
					errs.Add(1)
					continue
				}
				_, _ = io.Copy(io.Discard, res.Body)
				_ = res.Body.Close()
				lats[w] = append(lats[w], time.Since(t0))
				if res.StatusCode != http.StatusOK {
					errs.Add(1)
				}
			}
		}(w)
	}
	wg.Wait()
	r := loadResult{elapsed: time.Since(start), errors: int(errs.Load())}
	for _, l := range lats {
		r.lat = append(r.lat, l...)
	}
	r.n = len(r.lat)
	slices.Sort(r.lat)
	if r.errors > 0 {
		t.Errorf("%s: %d failed requests", url, r.errors)
	}
	return r
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}
