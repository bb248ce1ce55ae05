package endpoint

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/statsig-operator/statsig-operator/eventlog"
)

// benchWriter is a minimal reusable ResponseWriter: the handler benchmarks count the server's
// allocations, not those of httptest's recorder (net/http's own per-request costs are
// measured separately, by the loopback benchmarks).
type benchWriter struct {
	h    http.Header
	code int
	body bytes.Buffer
}

func (w *benchWriter) Header() http.Header { return w.h }
func (w *benchWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
}

func (w *benchWriter) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return w.body.Write(b)
}

func (w *benchWriter) reset() {
	clear(w.h)
	w.code = 0
	w.body.Reset()
}

// benchBody is a request body that can be read again.
type benchBody struct{ bytes.Reader }

func (*benchBody) Close() error { return nil }

// handlerRoutes are the requests the handler benchmarks send (the eval project fixture).
var handlerRoutes = []struct{ name, path, body string }{
	{"check_gate", "/v1/check_gate", `{"gateName":"test_public","user":{"userID":"bench-user","email":"a@statsig.com",` +
		`"country":"US","custom":{"plan":"pro","level":3},"customIDs":{"companyID":"c1"}}}`},
	{"check_gate_batch", "/v1/check_gate", `{"gateNames":["test_public","test_email","test_country"],` +
		`"user":{"userID":"bench-user","email":"a@statsig.com","country":"US","custom":{"plan":"pro","level":3},` +
		`"customIDs":{"companyID":"c1"}}}`},
	{"get_config", "/v1/get_config", `{"configName":"test_email_config","user":{"userID":"bench-user",` +
		`"email":"a@statsig.com","country":"US","custom":{"plan":"pro","level":3},"customIDs":{"companyID":"c1"}}}`},
	{"get_config_batch", "/v1/get_config", `{"configNames":["test_email_config","test_custom_config",` +
		`"operating_system_config"],"user":{"userID":"bench-user","email":"a@statsig.com","country":"US",` +
		`"custom":{"plan":"pro","level":3},"customIDs":{"companyID":"c1"}}}`},
	{"get_experiment", "/v1/get_experiment", `{"experimentName":"test_experiment_no_targeting",` +
		`"user":{"userID":"bench-user",` +
		`"email":"a@statsig.com","country":"US","custom":{"plan":"pro","level":3},"customIDs":{"companyID":"c1"}}}`},
	{"ofrep_gate", "/ofrep/v1/evaluate/flags/test_public", `{"context":{"targetingKey":"bench-user",` +
		`"email":"a@statsig.com","country":"US","plan":"pro","level":3,"customIDs":{"companyID":"c1"}}}`},
	{"ofrep_config", "/ofrep/v1/evaluate/flags/test_email_config", `{"context":{"targetingKey":"bench-user",` +
		`"email":"a@statsig.com","country":"US","plan":"pro","level":3,"customIDs":{"companyID":"c1"}}}`},
}

// discardSender accepts every batch (the benchmarks' exposures go nowhere).
type discardSender struct{}

func (discardSender) Send(context.Context, []byte, string, int, int) error { return nil }

// benchSink is an event sink whose exposures are de-duplicated and then dropped: after the
// first request every exposure of the benchmark is a duplicate, the steady state of a user
// asking again for the same flags.
func benchSink(b *testing.B) *EventSink {
	l, err := eventlog.New(eventlog.Options{Sender: discardSender{}, Registerer: prometheus.NewRegistry(),
		FlushInterval: time.Hour})
	if err != nil {
		b.Fatal(err)
	}
	sink := NewEventSinkFor(l)
	b.Cleanup(func() { _ = sink.Shutdown(context.Background()) })
	return sink
}

// BenchmarkHandler sends each route's request through s.Handler() (the in-flight limit, the
// mux, the metrics wrapper and the route) with a reusable request and writer: allocs/op are
// the server's own per-request allocations. "logging_off" has no event sink; "deduped" has
// one, and every exposure is a duplicate after the first request.
//
//	go test ./endpoint -run '^$' -bench 'Handler$' -benchmem -p 1
func BenchmarkHandler(b *testing.B) {
	for _, mode := range []string{"logging_off", "deduped"} {
		for _, rt := range handlerRoutes {
			b.Run(mode+"/"+rt.name, func(b *testing.B) {
				var env *testEnv
				if mode == "deduped" {
					env = newTestEnv(b, benchSink(b))
				} else {
					env = newTestEnv(b, nil)
				}
				h := env.srv.Handler()
				body, raw := &benchBody{}, []byte(rt.body)
				req := httptest.NewRequest(http.MethodPost, rt.path, body)
				req.Header.Set("Statsig-Api-Key", testKey)
				req.Header.Set("Content-Type", "application/json")
				req.ContentLength = int64(len(rt.body))
				w := &benchWriter{h: http.Header{}}
				serve := func() {
					body.Reset(raw)
					w.reset()
					h.ServeHTTP(w, req)
					if w.code != http.StatusOK {
						b.Fatalf("%d %s", w.code, w.body.String())
					}
				}
				serve() // the first exposure of each flag is logged; the loop's are duplicates
				b.SetBytes(int64(len(rt.body)))
				b.ReportAllocs()
				b.ResetTimer()
				for b.Loop() {
					serve()
				}
			})
		}
	}
}

// minimalJSON is the minimal handler's answer: a fixed 60-byte JSON body.
var minimalJSON = []byte(`{"name":"test_public","value":true,"rule_id":"6Xm","gn":null}`)

// minimalHandler is the machine's ceiling for this server shape (issue 20): net/http with a
// handler that reads the body and returns minimalJSON.
func minimalHandler(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	w.Header()["Content-Type"] = []string{"application/json"}
	_, _ = w.Write(minimalJSON)
}

// BenchmarkLoopback sends check_gate over keep-alive HTTP/1.1 on loopback, to the endpoint
// and to minimalHandler: allocs/op count the client, net/http's server and the handler, so
// endpoint minus minimal is what the endpoint adds on a real connection, and minimal is
// net/http's own share (client and server).
//
//	go test ./endpoint -run '^$' -bench 'Loopback' -benchmem -p 1
func BenchmarkLoopback(b *testing.B) {
	body := []byte(handlerRoutes[0].body)
	for _, name := range []string{"minimal", "check_gate"} {
		b.Run(name, func(b *testing.B) {
			var h http.Handler = http.HandlerFunc(minimalHandler)
			if name == "check_gate" {
				h = newTestEnv(b, nil).srv.Handler()
			}
			hs := httptest.NewServer(h)
			defer hs.Close()
			c := hs.Client()
			url := hs.URL + "/v1/check_gate"
			buf := make([]byte, 4096)
			b.ReportAllocs()
			for b.Loop() {
				req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
				req.Header.Set("Statsig-Api-Key", testKey)
				req.Header.Set("Content-Type", "application/json")
				res, err := c.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				for {
					if _, err := res.Body.Read(buf); err != nil {
						break
					}
				}
				_ = res.Body.Close()
				if res.StatusCode != http.StatusOK {
					b.Fatal(res.Status)
				}
			}
		})
	}
}
