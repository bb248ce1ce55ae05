package endpoint

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/statsig-operator/statsig-operator/serving"
)

// sseEvent is one parsed SSE event, or a comment (heartbeat).
type sseEvent struct {
	id, event, data, comment string
}

// sseStream reads events from an open stream.
type sseStream struct {
	res    *http.Response
	events chan sseEvent
}

func (s *sseStream) close() { _ = s.res.Body.Close() }

// next returns the next event that is not a comment (skipComments) or the next of any kind.
func (s *sseStream) next(t testing.TB, skipComments bool, within time.Duration) (sseEvent, bool) {
	t.Helper()
	timeout := time.After(within)
	for {
		select {
		case ev, ok := <-s.events:
			if !ok {
				return sseEvent{}, false
			}
			if skipComments && ev.comment != "" {
				continue
			}
			return ev, true
		case <-timeout:
			return sseEvent{}, false
		}
	}
}

// openStream connects to the event stream at base with token and optional Last-Event-ID.
func openStream(t testing.TB, client *http.Client, base, token, lastID string) (*sseStream, *http.Response) {
	t.Helper()
	req, err := http.NewRequest("GET", base+ofrepEventStreamPath+"?token="+url.QueryEscape(token), nil)
	if err != nil {
		t.Fatal(err)
	}
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != 200 {
		return nil, res
	}
	s := &sseStream{res: res, events: make(chan sseEvent, 16)}
	go func() {
		defer close(s.events)
		sc := bufio.NewScanner(res.Body)
		var ev sseEvent
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if strings.Contains(ev.data, `"type":"streamConnected"`) {
					ev.comment = "streamConnected" // tests skip it like a comment
				}
				if ev != (sseEvent{}) {
					s.events <- ev
				}
				ev = sseEvent{}
			case strings.HasPrefix(line, ":"):
				ev.comment = strings.TrimSpace(line[1:])
			case strings.HasPrefix(line, "id: "):
				ev.id = line[4:]
			case strings.HasPrefix(line, "event: "):
				ev.event = line[7:]
			case strings.HasPrefix(line, "data: "):
				ev.data = line[6:]
			}
		}
	}()
	return s, res
}

// bulkStreams posts a bulk evaluation and returns its advertised stream token.
func bulkStreams(t testing.TB, env *testEnv, key string) string {
	t.Helper()
	res := env.do(t, "POST", "/ofrep/v1/evaluate/flags", `{"context":{"targetingKey":"u1"}}`,
		"Authorization", "Bearer "+key)
	if res.status != 200 {
		t.Fatalf("bulk = %d: %s", res.status, res.body)
	}
	var bulk ofrepBulkResponse
	res.json(t, &bulk)
	if len(bulk.EventStreams) != 1 || bulk.EventStreams[0].Type != "sse" || bulk.EventStreams[0].Endpoint == nil ||
		bulk.EventStreams[0].InactivityDelaySec != ofrepInactivityDelaySec {
		t.Fatalf("eventStreams = %+v", bulk.EventStreams)
	}
	u, err := url.Parse(bulk.EventStreams[0].Endpoint.RequestURI)
	if err != nil || u.Path != ofrepEventStreamPath {
		t.Fatalf("requestUri %q", bulk.EventStreams[0].Endpoint.RequestURI)
	}
	tok := u.Query().Get("token")
	if tok == "" || strings.Contains(tok, key) {
		t.Fatalf("token %q must be derived, never the key", tok)
	}
	return tok
}

func refetchOf(t testing.TB, ev sseEvent) ofrepRefetch {
	t.Helper()
	var d ofrepRefetch
	if ev.event != "message" || json.Unmarshal([]byte(ev.data), &d) != nil || d.Type != "refetchEvaluation" ||
		d.ETag != `"`+ev.id+`"` || d.LastModified <= 0 {
		t.Fatalf("not a refetchEvaluation event: %+v", ev)
	}
	return d
}

// newRevision republishes the eval project with another revision.
func newRevision(t testing.TB, reg *serving.Registry, revision string) {
	t.Helper()
	p := loadProject(t, "eval", "server-core/eval_proj_dcs.json", nil, testKey, clientKey)
	p.Revision = revision
	reg.Set(p)
}

func TestOFREPEventStreamNotifies(t *testing.T) {
	for _, tc := range []struct {
		name   string
		key    string
		change func(t *testing.T, reg *serving.Registry)
	}{
		{"new revision, server key", testKey, func(t *testing.T, reg *serving.Registry) {
			newRevision(t, reg, reg.Get("eval").Revision+"x")
		}},
		{"overrides changed, client key", clientKey, func(_ *testing.T, reg *serving.Registry) { reg.Notify("eval") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := newTestEnv(t, nil)
			tok := bulkStreams(t, env, tc.key)
			st, res := openStream(t, http.DefaultClient, env.http.URL, tok, "")
			if st == nil {
				t.Fatalf("stream = %d", res.StatusCode)
			}
			defer st.close()
			if ct := st.res.Header.Get("Content-Type"); ct != "text/event-stream" {
				t.Errorf("Content-Type %q", ct)
			}
			if ev, ok := st.next(t, false, 5*time.Second); !ok || ev.comment != "connected" {
				t.Fatalf("first = %+v %v, want the connected comment", ev, ok)
			}
			tc.change(t, env.reg)
			ev, ok := st.next(t, true, 5*time.Second)
			if !ok {
				t.Fatal("no event after the change")
			}
			d := refetchOf(t, ev)
			// A second change gets a new id: etags change with every change.
			tc.change(t, env.reg)
			ev2, ok := st.next(t, true, 5*time.Second)
			if !ok || refetchOf(t, ev2).ETag == d.ETag {
				t.Fatalf("second change: %+v %v (first etag %s)", ev2, ok, d.ETag)
			}
			// The re-fetch the event triggers is accepted (never 400).
			q := "?flagConfigEtag=" + url.QueryEscape(d.ETag) + "&flagConfigLastModified=" + "1771622898"
			r := env.do(t, "POST", "/ofrep/v1/evaluate/flags"+q, `{"context":{"targetingKey":"u1"}}`, "X-API-Key", tc.key)
			if r.status != 200 {
				t.Fatalf("re-fetch = %d: %s", r.status, r.body)
			}
			// Counted once written: the client may read the event before the count moves.
			for deadline := time.Now().Add(5 * time.Second); testutil.ToFloat64(env.srv.metrics.pushMessages) != 2; {
				if time.Now().After(deadline) {
					t.Fatalf("push_messages_total = %v, want 2", testutil.ToFloat64(env.srv.metrics.pushMessages))
				}
				time.Sleep(5 * time.Millisecond)
			}
		})
	}
}

func TestOFREPEventStreamHeartbeatAndLastEventID(t *testing.T) {
	reg := serving.NewRegistry()
	reg.Set(loadProject(t, "eval", "server-core/eval_proj_dcs.json", nil, testKey))
	srv, err := NewServer(Options{Registry: reg, EventStreamHeartbeat: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()
	tok := serving.StreamToken(testKey)

	st, _ := openStream(t, http.DefaultClient, hs.URL, tok, "")
	st.next(t, false, 5*time.Second) // connected
	if ev, ok := st.next(t, false, 5*time.Second); !ok || ev.comment != "streamConnected" || ev.id == "" {
		t.Fatalf("want the streamConnected event with the current id, got %+v %v", ev, ok)
	}
	if ev, ok := st.next(t, false, 5*time.Second); !ok || ev.comment != "heartbeat" {
		t.Fatalf("want a heartbeat, got %+v %v", ev, ok)
	}
	newRevision(t, reg, "rev-2")
	ev, ok := st.next(t, true, 5*time.Second)
	if !ok {
		t.Fatal("no event")
	}
	refetchOf(t, ev)
	st.close()

	for _, tc := range []struct {
		name, lastID string
		want         bool
	}{
		{"current id: nothing missed", ev.id, false},
		{"older id", "rev-1." + srv.feeds.epoch + ".0", true},
		{"another replica's id", ev.id + "0", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, _ := openStream(t, http.DefaultClient, hs.URL, tok, tc.lastID)
			defer st.close()
			got, ok := st.next(t, true, 200*time.Millisecond)
			if ok != tc.want {
				t.Fatalf("immediate event = %+v %v, want %v", got, ok, tc.want)
			}
			if ok && got.id != ev.id {
				t.Errorf("immediate event id %s, want the current %s", got.id, ev.id)
			}
		})
	}
}

func TestOFREPEventStreamRefusals(t *testing.T) {
	reg := serving.NewRegistry()
	reg.Set(loadProject(t, "eval", "server-core/eval_proj_dcs.json", nil, testKey))
	srv, err := NewServer(Options{Registry: reg, MaxEventStreams: 2})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()
	for _, tc := range []struct{ name, token string }{
		{"missing", ""},
		{"garbage", "not-a-token"},
		{"unknown", serving.StreamToken("some-other-key")},
		{"the key itself", testKey},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, res := openStream(t, http.DefaultClient, hs.URL, tc.token, "")
			if st != nil {
				st.close()
				t.Fatal("stream opened")
			}
			b, _ := io.ReadAll(res.Body)
			_ = res.Body.Close()
			if res.StatusCode != 401 || !json.Valid(b) {
				t.Fatalf("%d %s, want a JSON 401", res.StatusCode, b)
			}
		})
	}
	tok := serving.StreamToken(testKey)
	for range 2 {
		st, res := openStream(t, http.DefaultClient, hs.URL, tok, "")
		if st == nil {
			t.Fatalf("stream within the bound = %d", res.StatusCode)
		}
		defer st.close()
	}
	st, res := openStream(t, http.DefaultClient, hs.URL, tok, "")
	if st != nil {
		st.close()
		t.Fatal("a third stream opened beyond MaxEventStreams 2")
	}
	b, _ := io.ReadAll(res.Body)
	_ = res.Body.Close()
	if res.StatusCode != 503 || res.Header.Get("Retry-After") == "" || !json.Valid(b) {
		t.Fatalf("beyond the bound: %d %q %s", res.StatusCode, res.Header.Get("Retry-After"), b)
	}
	if n := testutil.ToFloat64(srv.metrics.pushRejected); n != 1 {
		t.Errorf("push_streams_rejected_total = %v, want 1", n)
	}
}

// Streams hold no in-flight slot: more idle streams than MaxInFlight leave requests served.
func TestOFREPEventStreamsExemptFromInFlight(t *testing.T) {
	reg := serving.NewRegistry()
	reg.Set(loadProject(t, "eval", "server-core/eval_proj_dcs.json", nil, testKey))
	srv, err := NewServer(Options{Registry: reg, MaxInFlight: 2})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()
	for range 5 {
		st, res := openStream(t, http.DefaultClient, hs.URL, serving.StreamToken(testKey), "")
		if st == nil {
			t.Fatalf("stream = %d", res.StatusCode)
		}
		defer st.close()
	}
	if n := srv.load.n.Load(); n != 0 {
		t.Errorf("5 open streams hold %d in-flight slots", n)
	}
	req, _ := http.NewRequest("POST", hs.URL+"/ofrep/v1/evaluate/flags",
		strings.NewReader(`{"context":{"targetingKey":"u"}}`))
	req.Header.Set("X-API-Key", testKey)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("bulk with 5 streams open and MaxInFlight 2 = %d", res.StatusCode)
	}
}

// Shutdown ends the streams at once instead of waiting ShutdownTimeout for them.
func TestOFREPEventStreamsEndOnShutdown(t *testing.T) {
	reg := serving.NewRegistry()
	reg.Set(loadProject(t, "eval", "server-core/eval_proj_dcs.json", nil, testKey))
	srv, err := NewServer(Options{Registry: reg, ShutdownTimeout: 20 * time.Second})
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
	streams := make([]*sseStream, 0, 3)
	for range 3 {
		st, res := openStream(t, http.DefaultClient, "http://"+ln.Addr().String(), serving.StreamToken(testKey), "")
		if st == nil {
			t.Fatalf("stream = %d", res.StatusCode)
		}
		st.next(t, false, 5*time.Second)
		streams = append(streams, st)
	}
	start := time.Now()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Serve = %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve still waiting for streams 5 s after shutdown began")
	}
	for i, st := range streams {
		if ev, ok := st.next(t, true, 5*time.Second); ok {
			t.Errorf("stream %d: unexpected %+v after shutdown", i, ev)
		}
	}
	t.Logf("shutdown with 3 streams took %v", time.Since(start))
}

// 1,000 streams on one server all receive a new revision; when that replica shuts down they
// reconnect to another with their Last-Event-ID and all receive the change made meanwhile.
func TestOFREPThousandStreams(t *testing.T) {
	if testing.Short() {
		t.Skip("1,000 connections")
	}
	const n = 1000
	reg, a, addrA, stopA, urlB := twoReplicas(t, Options{ShutdownTimeout: 30 * time.Second})
	tok := serving.StreamToken(testKey)

	// connect opens n streams on base, with lastIDs when given.
	connect := func(base string, lastIDs []string) []*sseStream {
		tr := &http.Transport{MaxIdleConnsPerHost: -1}
		t.Cleanup(tr.CloseIdleConnections)
		client := &http.Client{Transport: tr}
		streams := make([]*sseStream, n)
		for i := range streams {
			last := ""
			if lastIDs != nil {
				last = lastIDs[i]
			}
			st, res := openStream(t, client, base, tok, last)
			if st == nil {
				t.Fatalf("stream %d = %d", i, res.StatusCode)
			}
			t.Cleanup(st.close)
			st.next(t, false, 10*time.Second) // connected
			streams[i] = st
		}
		return streams
	}
	// receive counts the streams whose next event is a refetch of revision, keeping its id.
	receive := func(streams []*sseStream, revision string, ids []string) int {
		var wg sync.WaitGroup
		var mu sync.Mutex
		got := 0
		for i, st := range streams {
			wg.Go(func() {
				if ev, ok := st.next(t, true, 30*time.Second); ok && strings.HasPrefix(ev.id, revision+".") {
					mu.Lock()
					got++
					ids[i] = ev.id
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		return got
	}

	streams := connect("http://"+addrA, nil)
	if g := testutil.ToFloat64(a.metrics.pushStreams); g != n {
		t.Fatalf("push_streams = %v, want %d", g, n)
	}
	ids := make([]string, n)
	newRevision(t, reg, "rev-1000")
	if got := receive(streams, "rev-1000", ids); got != n {
		t.Fatalf("%d of %d streams received the new revision", got, n)
	}

	start := time.Now()
	// replica A shuts down: every stream ends at once
	if err := stopA(); err != nil {
		t.Fatalf("Serve = %v", err)
	}
	t.Logf("shutdown with %d streams took %v", n, time.Since(start))
	newRevision(t, reg, "rev-restart") // changed while the clients reconnect
	moved := connect(urlB, ids)
	if got := receive(moved, "rev-restart", make([]string, n)); got != n {
		t.Fatalf("%d of %d streams reconnected to B received the change made meanwhile", got, n)
	}
}

// A re-fetch naming a configuration this replica does not serve yet waits for it (up to
// maxConfigWait); one naming a configuration it served or serves does not wait.
func TestOFREPBulkWaitsForNamedConfiguration(t *testing.T) {
	env := newTestEnv(t, nil)
	post := func(etag, lastModified string) (response, time.Duration) {
		start := time.Now()
		if lastModified == "" {
			lastModified = "garbage" // ignored, never an error
		}
		q := "?flagConfigEtag=" + url.QueryEscape(etag) + "&flagConfigLastModified=" + url.QueryEscape(lastModified)
		r := env.do(t, "POST", "/ofrep/v1/evaluate/flags"+q, `{"context":{"targetingKey":"u1"}}`, "X-API-Key", testKey)
		return r, time.Since(start)
	}
	cur := env.reg.Get("eval").Revision
	env.reg.Notify("eval") // a change this server saw, so it knows when its state began
	for _, tc := range []struct{ name, etag, lastModified string }{
		{"current revision", `"` + cur + `.other.3"`, ""},
		{"not an id", `"whatever"`, ""},
		{"empty quoted", `""`, ""},
		// This replica's state is newer than the named one: it skipped that revision.
		{"older unknown revision, seconds", `"rev-skipped.other.2"`, "1000000000"},
		{"older unknown revision, RFC 3339", `"rev-skipped.other.2"`, "2001-09-09T01:46:40Z"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if r, d := post(tc.etag, tc.lastModified); r.status != 200 || d > 500*time.Millisecond {
				t.Fatalf("= %d after %v: %s", r.status, d, truncate(string(r.body), 200))
			}
		})
	}
	t.Run("ahead of this replica", func(t *testing.T) {
		go func() {
			time.Sleep(150 * time.Millisecond)
			newRevision(t, env.reg, "rev-ahead")
		}()
		r, d := post(`"rev-ahead.otherreplica.7"`, strconv.FormatInt(time.Now().Unix()+1, 10))
		if r.status != 200 || d < 100*time.Millisecond || d >= maxConfigWait {
			t.Fatalf("= %d after %v, want 200 once the revision arrived", r.status, d)
		}
	})
	t.Run("never arrives", func(t *testing.T) {
		r, d := post(`"rev-never.otherreplica.1"`, "")
		if r.status != 200 || d < maxConfigWait || d > maxConfigWait+2*time.Second {
			t.Fatalf("= %d after %v, want 200 after about %v", r.status, d, maxConfigWait)
		}
	})
}

func TestOFREPConfiguration(t *testing.T) {
	env := newTestEnv(t, nil)
	if r := env.do(t, "GET", "/ofrep/v1/configuration", nil); r.status != 401 {
		t.Fatalf("without a key = %d", r.status)
	}
	r := env.do(t, "GET", "/ofrep/v1/configuration", nil, "Authorization", "Bearer "+clientKey)
	if r.status != 200 {
		t.Fatalf("= %d: %s", r.status, r.body)
	}
	var got ofrepConfigurationResponse
	r.json(t, &got)
	if got.Name != "statsig-operator" || !got.Capabilities.CacheInvalidation.Polling.Enabled ||
		len(got.Capabilities.FlagEvaluation.SupportedTypes) != 5 || len(got.EventStreams) != 1 ||
		got.EventStreams[0].Endpoint.RequestURI != ofrepEventStreamPath+"?token="+serving.StreamToken(clientKey) {
		t.Fatalf("configuration = %s", r.body)
	}
	if again := env.do(t, "GET", "/ofrep/v1/configuration", nil, "Authorization", "Bearer "+clientKey,
		"If-None-Match", r.header.Get("ETag")); again.status != 304 {
		t.Fatalf("If-None-Match = %d", again.status)
	}
}

// With CORS on, the stream and configuration answer browsers like the other client routes.
func TestOFREPEventStreamCORS(t *testing.T) {
	reg := serving.NewRegistry()
	reg.Set(loadProject(t, "eval", "server-core/eval_proj_dcs.json", nil, clientKey))
	srv, err := NewServer(Options{Registry: reg, CORSAllowedOrigins: []string{"https://app.example"}})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()
	req, _ := http.NewRequest("GET", hs.URL+ofrepEventStreamPath+"?token="+serving.StreamToken(clientKey), nil)
	req.Header.Set("Origin", "https://app.example")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = res.Body.Close()
	if res.StatusCode != 200 || res.Header.Get("Access-Control-Allow-Origin") != "https://app.example" {
		t.Fatalf("stream from an allowed origin: %d %v", res.StatusCode, res.Header)
	}
	pre, _ := http.NewRequest("OPTIONS", hs.URL+ofrepEventStreamPath, nil)
	pre.Header.Set("Origin", "https://app.example")
	pre.Header.Set("Access-Control-Request-Method", "GET")
	pre.Header.Set("Access-Control-Request-Headers", "last-event-id")
	res, err = http.DefaultClient.Do(pre)
	if err != nil {
		t.Fatal(err)
	}
	_ = res.Body.Close()
	if res.StatusCode != 204 || !strings.Contains(res.Header.Get("Access-Control-Allow-Headers"), "Last-Event-ID") {
		t.Fatalf("preflight: %d %v", res.StatusCode, res.Header)
	}
}

// Streams outlive the server's whole-request read and write timeouts (each write has its
// own deadline), and end once their key is no longer accepted.
func TestOFREPEventStreamOutlivesTimeoutsEndsWithKey(t *testing.T) {
	saved := httpTimeouts
	httpTimeouts.read, httpTimeouts.write = 200*time.Millisecond, 300*time.Millisecond
	defer func() { httpTimeouts = saved }()
	reg := serving.NewRegistry()
	reg.Set(loadProject(t, "eval", "server-core/eval_proj_dcs.json", nil, testKey))
	srv, err := NewServer(Options{Registry: reg, EventStreamHeartbeat: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	addr, _ := serveOnLoopback(t, srv)
	st, res := openStream(t, http.DefaultClient, "http://"+addr, serving.StreamToken(testKey), "")
	if st == nil {
		t.Fatalf("stream = %d", res.StatusCode)
	}
	defer st.close()
	time.Sleep(time.Second) // over 3x both timeouts
	newRevision(t, reg, "rev-late")
	ev, ok := st.next(t, true, 5*time.Second)
	if !ok || !strings.HasPrefix(ev.id, "rev-late.") {
		t.Fatalf("after the timeouts passed: %+v %v", ev, ok)
	}
	// The project now accepts another key only: the stream ends.
	p := loadProject(t, "eval", "server-core/eval_proj_dcs.json", nil, "secret-rotated")
	p.Revision = "rev-late"
	reg.Set(p)
	for deadline := time.Now().Add(5 * time.Second); ; {
		if time.Now().After(deadline) {
			t.Fatal("the stream of a removed key is still open")
		}
		ev, ok := st.next(t, false, 5*time.Second)
		if !ok {
			break
		}
		if ev.comment == "" {
			t.Fatalf("event after the key was removed: %+v", ev)
		}
	}
	if g := testutil.ToFloat64(srv.metrics.pushStreams); g != 0 {
		t.Errorf("push_streams = %v after the stream ended", g)
	}
}

// MaxEventStreams < 0 turns streams off: nothing advertised, no stream route.
func TestOFREPEventStreamsOff(t *testing.T) {
	reg := serving.NewRegistry()
	reg.Set(loadProject(t, "eval", "server-core/eval_proj_dcs.json", nil, testKey))
	srv, err := NewServer(Options{Registry: reg, MaxEventStreams: -1})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()
	env := &testEnv{reg: reg, srv: srv, http: hs}
	for _, path := range []string{"/ofrep/v1/evaluate/flags", "/ofrep/v1/configuration"} {
		method, body := "POST", any(`{"context":{"targetingKey":"u1"}}`)
		if strings.HasSuffix(path, "configuration") {
			method, body = "GET", nil
		}
		r := env.do(t, method, path, body, "X-API-Key", testKey)
		if r.status != 200 || strings.Contains(string(r.body), "eventStreams") {
			t.Errorf("%s = %d, advertises streams: %s", path, r.status, truncate(string(r.body), 300))
		}
	}
	if r := env.do(t, "GET", ofrepEventStreamPath+"?token="+serving.StreamToken(testKey), nil); r.status != 404 {
		t.Errorf("stream route with streams off = %d, want 404", r.status)
	}
}

// A replica restart loses no change: a stream's first event gives the client an id, and its
// reconnect to another replica with that Last-Event-ID gets the change made meanwhile.
func TestOFREPEventStreamReconnectElsewhereLosesNoChange(t *testing.T) {
	reg, _, addrA, stopA, urlB := twoReplicas(t, Options{})
	tok := serving.StreamToken(testKey)

	st, res := openStream(t, http.DefaultClient, "http://"+addrA, tok, "")
	if st == nil {
		t.Fatalf("stream = %d", res.StatusCode)
	}
	defer st.close()
	st.next(t, false, 5*time.Second) // connected
	primer, ok := st.next(t, false, 5*time.Second)
	if !ok || primer.id == "" {
		t.Fatalf("no id on connect: %+v", primer)
	}
	// replica A shuts down
	if err := stopA(); err != nil {
		t.Fatal(err)
	}
	newRevision(t, reg, "rev-during-restart") // a change while the client reconnects
	st2, res := openStream(t, http.DefaultClient, urlB, tok, primer.id)
	if st2 == nil {
		t.Fatalf("stream on B = %d", res.StatusCode)
	}
	defer st2.close()
	ev, ok := st2.next(t, true, 2*time.Second)
	if !ok || !strings.HasPrefix(ev.id, "rev-during-restart.") {
		t.Fatalf("reconnect to B with A's id: %+v %v, want the change made meanwhile", ev, ok)
	}
	refetchOf(t, ev)
}

// twoReplicas serves the eval project from two servers of registry reg: replica A (optsA) on
// a listener of its own, which stopA shuts down (returning Serve's error), and replica B
// behind httptest, closed after the test's own cleanups (Close waits for open streams).
func twoReplicas(t *testing.T, optsA Options) (
	reg *serving.Registry, a *Server, addrA string, stopA func() error, urlB string,
) {
	t.Helper()
	reg = serving.NewRegistry()
	reg.Set(loadProject(t, "eval", "server-core/eval_proj_dcs.json", nil, testKey))
	optsA.Registry = reg
	a, err := NewServer(optsA)
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewServer(Options{Registry: reg})
	if err != nil {
		t.Fatal(err)
	}
	hb := httptest.NewServer(b.Handler())
	t.Cleanup(hb.Close)
	addrA, stopA = serveOnLoopback(t, a)
	return reg, a, addrA, stopA, hb.URL
}
