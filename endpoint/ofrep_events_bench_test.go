package endpoint

import (
	"bufio"
	"fmt"
	"net"
	"net/http/httptest"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/statsig-operator/statsig-operator/evaluator"
	"github.com/statsig-operator/statsig-operator/serving"
)

// rawStream opens an event stream over a bare TCP connection (no client goroutine or
// buffers beyond the bufio.Reader), returning once the headers have arrived.
func rawStream(tb testing.TB, addr, token string) (net.Conn, *bufio.Reader) {
	tb.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		tb.Fatal(err)
	}
	_, err = fmt.Fprintf(c, "GET %s?token=%s HTTP/1.1\r\nHost: %s\r\n\r\n", ofrepEventStreamPath, token, addr)
	if err != nil {
		tb.Fatal(err)
	}
	r := bufio.NewReaderSize(c, 512)
	status, err := r.ReadString('\n')
	if err != nil || !strings.Contains(status, " 200 ") {
		tb.Fatalf("stream: %q %v", status, err)
	}
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			tb.Fatal(err)
		}
		if line == "\r\n" {
			return c, r
		}
	}
}

// nextData reads until the next event's data line (chunked framing lines are skipped).
func nextData(r *bufio.Reader) (string, error) {
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return "", err
		}
		if strings.HasPrefix(line, "data: ") && !strings.Contains(line, ofrepConnectedType) {
			return line, nil
		}
	}
}

func pushServer(tb testing.TB) (*Server, *serving.Registry, [2]*serving.Project, string) {
	tb.Helper()
	reg := serving.NewRegistry()
	var ps [2]*serving.Project
	// STATSIG_OPERATOR_SSE_PAYLOAD: a payload file to serve instead of the small fixture (the
	// push carries no payload, so its size should not show; this checks that it does not).
	file := os.Getenv("STATSIG_OPERATOR_SSE_PAYLOAD")
	for i := range ps {
		if file == "" {
			ps[i] = loadProject(tb, "eval", "server-core/eval_proj_dcs.json", nil, testKey)
		} else {
			raw, err := os.ReadFile(file)
			if err != nil {
				tb.Fatal(err)
			}
			ev, pl, err := LoadPayload(raw, evaluator.Options{})
			if err != nil {
				tb.Fatal(err)
			}
			ps[i] = &serving.Project{Name: "eval", Evaluator: ev, Payload: pl}
			ps[i].SetKeys(serving.ServerKey(testKey))
		}
		ps[i].Revision = "rev-" + strconv.Itoa(i)
	}
	reg.Set(ps[0])
	srv, err := NewServer(Options{Registry: reg})
	if err != nil {
		tb.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	tb.Cleanup(hs.Close)
	return srv, reg, ps, strings.TrimPrefix(hs.URL, "http://")
}

// BenchmarkOFREPPush1000Streams: from a new revision in the registry to the last of 1,000
// streams having read its event. Reports p50 and p99 over the iterations
// (go test ./endpoint/ -run '^$' -bench OFREPPush -benchtime 200x -benchmem; the readers run
// in the same process, on the same 2 cores).
func BenchmarkOFREPPush1000Streams(b *testing.B) {
	const n = 1000
	_, reg, ps, addr := pushServer(b)
	got := make(chan time.Time, n)
	tok := serving.StreamToken(testKey)
	for range n {
		c, r := rawStream(b, addr, tok)
		b.Cleanup(func() { _ = c.Close() })
		go func() {
			for {
				if _, err := nextData(r); err != nil {
					return
				}
				got <- time.Now()
			}
		}()
	}
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		reg.Set(ps[(i+1)%2])
		var last time.Time
		for range n {
			if t := <-got; t.After(last) {
				last = t
			}
		}
		lat = append(lat, last.Sub(start))
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[(len(lat)*99)/100].Microseconds())/1000, "p99-ms")
}

// TestOFREPStreamMemory measures what 1,000 idle streams cost the process (heap and stacks,
// and RSS) and what one push to them allocates. The clients are bare connections nobody
// reads, so nearly all of it is the server's. Opt-in: STATSIG_OPERATOR_SSE_MEM=1 go test
// ./endpoint/ -run OFREPStreamMemory -v
func TestOFREPStreamMemory(t *testing.T) {
	if os.Getenv("STATSIG_OPERATOR_SSE_MEM") == "" {
		t.Skip("set STATSIG_OPERATOR_SSE_MEM=1")
	}
	const n = 1000
	srv, reg, ps, addr := pushServer(t)
	tok := serving.StreamToken(testKey)
	c0, _ := rawStream(t, addr, tok) // warm up the handler's paths
	_ = c0.Close()
	before, rss0, g0 := memNow()
	var st0 runtime.MemStats
	runtime.ReadMemStats(&st0)
	conns := make([]net.Conn, 0, n)
	for range n {
		c, _ := rawStream(t, addr, tok)
		conns = append(conns, c)
	}
	defer func() {
		for _, c := range conns {
			_ = c.Close()
		}
	}()
	after, rss1, g1 := memNow()
	var st1 runtime.MemStats
	runtime.ReadMemStats(&st1)
	t.Logf("of which stacks %+.0f B/stream, heap %+.0f B/stream", float64(st1.StackInuse-st0.StackInuse)/n,
		float64(st1.HeapInuse-st0.HeapInuse)/n)
	t.Logf("%d idle streams: heap+stacks %+.0f B/stream, RSS %+.0f B/stream, goroutines %+.1f/stream",
		n, float64(after-before)/n, float64(rss1-rss0)/n, float64(g1-g0)/n)

	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	sent := testutil.ToFloat64(srv.metrics.pushMessages)
	const pushes = 10
	for i := range pushes {
		reg.Set(ps[(i+1)%2])
		want := sent + float64((i+1)*n)
		for deadline := time.Now().Add(10 * time.Second); testutil.ToFloat64(srv.metrics.pushMessages) < want; {
			if time.Now().After(deadline) {
				t.Fatalf("push %d not written to every stream", i)
			}
			time.Sleep(time.Millisecond)
		}
	}
	runtime.ReadMemStats(&ms1)
	t.Logf("one push to %d streams allocates %.0f B (%.0f B/stream, %.1f allocs/stream)", n,
		float64(ms1.TotalAlloc-ms0.TotalAlloc)/pushes, float64(ms1.TotalAlloc-ms0.TotalAlloc)/pushes/n,
		float64(ms1.Mallocs-ms0.Mallocs)/pushes/n)
}

// memNow is heap in use + stacks in use, VmRSS (bytes) and the goroutine count after a GC.
func memNow() (uint64, int64, int) {
	time.Sleep(200 * time.Millisecond) // let handlers settle into their select
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	var rss int64
	if b, err := os.ReadFile("/proc/self/status"); err == nil {
		for l := range strings.SplitSeq(string(b), "\n") {
			if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmRSS:" {
				kb, _ := strconv.ParseInt(f[1], 10, 64)
				rss = kb << 10
			}
		}
	}
	return ms.HeapInuse + ms.StackInuse, rss, runtime.NumGoroutine()
}
