package endpoint

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/statsig-operator/statsig-operator/test/standin"

	sharedfixtures "github.com/statsig-operator/statsig-operator/test/fixtures"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/statsig-operator/statsig-operator/evaluator"
	"github.com/statsig-operator/statsig-operator/serving"
)

const (
	testKey   = "secret-test-key"
	clientKey = "client-test-key"
	v1Key     = "secret-v1-key"
)

// fixtures is the shared fixtures directory (see test/fixtures).
func fixtures(t testing.TB) string { return sharedfixtures.Dir(t) }

func readFixture(t testing.TB, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixtures(t), rel))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// scopedKeys makes keys starting with "client-" client keys and the others server keys, as
// the consumer scopes a StatsigSpec's key Secrets.
func scopedKeys(keys ...string) []serving.Key {
	out := make([]serving.Key, 0, len(keys))
	for _, k := range keys {
		if strings.HasPrefix(k, "client-") {
			out = append(out, serving.ClientKey(k))
		} else {
			out = append(out, serving.ServerKey(k))
		}
	}
	return out
}

// loadProject builds a served project from a fixture payload with a real evaluator.
func loadProject(t testing.TB, name, rel string, sink serving.EventSink, keys ...string) *serving.Project {
	t.Helper()
	ev, pl, err := LoadPayload(readFixture(t, rel), evaluator.Options{})
	if err != nil {
		t.Fatalf("load %s: %v", rel, err)
	}
	p := &serving.Project{Name: name, Revision: pl.SHA256[:12], Evaluator: ev, Payload: pl, Events: sink}
	p.SetKeys(scopedKeys(keys...)...)
	return p
}

// testEnv is a server over a registry holding the v2 eval project and the v1 go-sdk project.
type testEnv struct {
	reg  *serving.Registry
	srv  *Server
	http *httptest.Server
	prom *prometheus.Registry
}

func newTestEnv(t testing.TB, sink serving.EventSink) *testEnv {
	t.Helper()
	reg := serving.NewRegistry()
	reg.Set(loadProject(t, "eval", "server-core/eval_proj_dcs.json", sink, testKey, clientKey))
	reg.Set(loadProject(t, "legacy", "go-sdk/download_config_specs.json", sink, v1Key))
	prom := prometheus.NewRegistry()
	srv, err := NewServer(Options{Registry: reg, MaxBodyBytes: 64 << 10, Metrics: prom})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	return &testEnv{reg: reg, srv: srv, http: hs, prom: prom}
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("response %d is not JSON (%v): %s", r.status, err, r.body)
	}
}

// do sends one request; headers are name/value pairs.
func (e *testEnv) do(t testing.TB, method, path string, body any, headers ...string) response {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = bytes.NewBufferString(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, e.http.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] == "" {
			req.Header.Del(headers[i])
			continue
		}
		req.Header.Set(headers[i], headers[i+1])
	}
	// Ask for exactly what the test says: no transparent gzip.
	tr := &http.Transport{DisableCompression: true}
	defer tr.CloseIdleConnections()
	// Redirects are answers to check, not to follow.
	noFollow := func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	res, err := (&http.Client{Transport: tr, CheckRedirect: noFollow}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = res.Body.Close() }()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{status: res.StatusCode, header: res.Header, body: b}
}

// standinSink is an event sink delivering to the Statsig stand-in's log_event, which hangs
// (never answers) when hang is set.
func standinSink(t testing.TB, hang bool) (*standin.Server, *EventSink) {
	t.Helper()
	st := standin.New(standin.Options{Keys: []string{testKey}})
	if err := st.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	if hang {
		if err := st.InjectFault(standin.RouteLogEvent, standin.Fault{Kind: standin.Timeout, Times: 1000}); err != nil {
			t.Fatal(err)
		}
	}
	sink, err := NewEventSink(EventSinkOptions{
		LogEventURL: st.LogEventURL(), Key: testKey, Metrics: prometheus.NewRegistry(),
	})
	if err != nil {
		t.Fatal(err)
	}
	return st, sink
}

// serveOnLoopback serves srv on a fresh loopback listener until stop, which ends Serve and
// returns its error (once; the test's cleanup calls it too and reports an error).
func serveOnLoopback(t *testing.T, srv *Server) (addr string, stop func() error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	var once sync.Once
	var serveErr error
	stop = func() error {
		once.Do(func() { cancel(); serveErr = <-done })
		return serveErr
	}
	t.Cleanup(func() {
		if err := stop(); err != nil {
			t.Errorf("Serve = %v", err)
		}
	})
	return ln.Addr().String(), stop
}
