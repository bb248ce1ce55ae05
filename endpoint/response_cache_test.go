package endpoint

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/statsig-operator/statsig-operator/evaluator"
	"github.com/statsig-operator/statsig-operator/serving"
)

// cachePair is two servers over one registry: one caching responses, one not.
type cachePair struct {
	reg             *serving.Registry
	cached, uncache *Server
	// random: responses draw random numbers, so two computations differ; only statuses are
	// compared (what is checked then is that nothing is stored).
	random bool
}

func newCachePair(t testing.TB, cacheBytes int64) *cachePair {
	t.Helper()
	reg := serving.NewRegistry()
	c, err := NewServer(Options{Registry: reg, ResponseCacheBytes: cacheBytes, Metrics: prometheus.NewRegistry()})
	if err != nil {
		t.Fatal(err)
	}
	u, err := NewServer(Options{Registry: reg})
	if err != nil {
		t.Fatal(err)
	}
	u.sdkInfo = c.sdkInfo // one session ID: the responses are then the same
	return &cachePair{reg: reg, cached: c, uncache: u}
}

// projectFrom serves payload raw as project name (keys testKey and clientKey).
func projectFrom(t testing.TB, name string, raw []byte, opts evaluator.Options) *serving.Project {
	t.Helper()
	ev, pl, err := LoadPayload(raw, opts)
	if err != nil {
		t.Fatalf("load %s: %v", name, err)
	}
	p := &serving.Project{Name: name, Revision: pl.SHA256[:12], Evaluator: ev, Payload: pl}
	p.SetKeys(scopedKeys(testKey, clientKey)...)
	return p
}

// serve sends one request to s's handler.
func serve(s *Server, path, key, body string, headers ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("statsig-api-key", key)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	w := httptest.NewRecorder()
	s.Handler().ServeHTTP(w, req)
	return w
}

// canonical is body with object keys sorted: client initialize responses write objects in
// map order, so two computations of one response are equal only up to key order.
func canonical(t testing.TB, body []byte) string {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		t.Fatalf("not JSON (%v): %.200s", err, body)
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// sampledReplay sets a payload's session replay sampling rate to 0.5: every client
// initialize response then draws a random number.
func sampledReplay(t testing.TB, raw []byte) []byte {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	v["session_replay_info"] = map[string]any{"sampling_rate": 0.5, "recording_blocked": false}
	out, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// withoutClock replaces every current_time condition of a payload with a public one, so
// its responses are cacheable.
func withoutClock(t testing.TB, raw []byte) []byte {
	t.Helper()
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	var walk func(any)
	walk = func(x any) {
		switch x := x.(type) {
		case map[string]any:
			if x["type"] == "current_time" {
				x["type"] = "public"
			}
			for _, y := range x {
				walk(y)
			}
		case []any:
			for _, y := range x {
				walk(y)
			}
		}
	}
	walk(v)
	out, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

var cacheTestUsers = []string{
	`{"userID":"a","email":"a@statsig.com"}`,
	`{"userID":"b","email":"b@example.com","country":"US","custom":{"level":3}}`,
	`{"userID":"c","customIDs":{"companyID":"c1","stableID":"s-c"},"statsigEnvironment":{"tier":"staging"}}`,
	`{"userID":"c","customIDs":{"companyID":"c1","stableID":"s-c"},"statsigEnvironment":{"tier":"production"}}`,
	`{"userID":"d","privateAttributes":{"secret":"x"},` +
		`"userAgent":"Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X)"}`,
	`{"customIDs":{"stableID":"only-stable"}}`,
	`{"userID":"123456","ip":"1.0.0.1","appVersion":"1.2.3","locale":"en_US"}`,
	`{}`,
}

// cacheTestOptions are client initialize response options, as request fields.
var cacheTestOptions = []string{
	``,
	`"hash":"none"`,
	`"hash":"sha256"`,
	`"hashAlgorithm":"none","removeIdType":true`,
	`"hash":"none","featureGateFilter":["test_public","a_gate"],"layerFilter":[],"experimentFilter":[]`,
	`"hash":"none","dynamicConfigFilter":[],"paramStoreFilter":[]`,
	`"removeDefaultValueGates":true,"removeExperimentsInLayers":true`,
	`"responseFormat":"v2"`,
	`"responseFormat":"init_v2"`,
	`"previousResponseHash":"123"`,
	`"includeLocalOverrides":true`,
	`"clientSDKKey":"client-unknown"`,
	`"targetAppID":"app-1"`,
}

// request is one request of the differential test.
type cacheRequest struct{ path, key, body string }

func cacheRequests(users []string) []cacheRequest {
	reqs := make([]cacheRequest, 0, (len(cacheTestOptions)+3)*len(users))
	for _, u := range users {
		for _, o := range cacheTestOptions {
			body := `{"user":` + u
			if o != "" {
				body += "," + o
			}
			reqs = append(reqs, cacheRequest{"/v1/get_client_initialize_response", testKey, body + "}"})
		}
		reqs = append(reqs,
			cacheRequest{"/v1/get_client_initialize_response", clientKey, `{"user":` + u + `}`},
			cacheRequest{"/v1/initialize", clientKey, `{"user":` + u + `,"hash":"djb2","statsigMetadata":{"stableID":"dev-1"}}`},
			cacheRequest{"/ofrep/v1/evaluate/flags", testKey, `{"context":` + ofrepContext(u) + `}`})
	}
	return reqs
}

// ofrepContext is the OFREP context of a test user: its fields, userID as targetingKey.
func ofrepContext(user string) string {
	var m map[string]any
	_ = json.Unmarshal([]byte(user), &m)
	id, _ := m["userID"].(string)
	if id == "" {
		id = "anonymous"
	}
	delete(m, "userID")
	delete(m, "privateAttributes")
	delete(m, "statsigEnvironment")
	m["targetingKey"] = id
	b, _ := json.Marshal(m)
	return string(b)
}

// check sends req to both servers, twice to the caching one, and fails unless all three
// answers are the same response; it returns the caching server's second answer.
func (cp *cachePair) check(t *testing.T, req cacheRequest) *httptest.ResponseRecorder {
	t.Helper()
	first := serve(cp.cached, req.path, req.key, req.body)
	second := serve(cp.cached, req.path, req.key, req.body)
	want := serve(cp.uncache, req.path, req.key, req.body)
	for _, got := range []*httptest.ResponseRecorder{first, second} {
		if got.Code != want.Code {
			t.Fatalf("%s %s: status %d, uncached %d", req.path, req.body, got.Code, want.Code)
		}
		if a, b := canonical(t, got.Body.Bytes()), canonical(t, want.Body.Bytes()); a != b && !cp.random {
			t.Fatalf("%s %s: cached response differs from the uncached one:\n%.400s\n%.400s", req.path, req.body, a, b)
		}
	}
	return second
}

func (cp *cachePair) counts(route string) (hits, misses, bypassed float64) {
	m := cp.cached.cacheMetrics
	return testutil.ToFloat64(m.hits.WithLabelValues(route)), testutil.ToFloat64(m.misses.WithLabelValues(route)),
		testutil.ToFloat64(m.bypassed.WithLabelValues(route))
}

// TestResponseCacheDifferential: for every fixture payload, user and option, the caching
// server answers what the uncached one computes. Responses that drew a random number (session
// replay sampling below 1, CMAB exploration) are never stored; the others are, those that read
// the clock until what they read changes.
func TestResponseCacheDifferential(t *testing.T) {
	evalProj := readFixture(t, "server-core/eval_proj_dcs.json")
	demoProj := readFixture(t, "server-core/demo_proj_dcs.json")
	cmab, err := os.ReadFile("../evaluator/testdata/cmab_dcs.json")
	if err != nil {
		t.Fatal(err)
	}
	const h, hb, b = "hits", "hits, bypassed", "bypassed" // what each route must see
	for _, tt := range []struct {
		name             string
		raw              []byte
		gcir, init, bulk string
	}{
		{"eval_proj (current_time gates)", evalProj, h, h, h},
		{"eval_proj without clock", withoutClock(t, evalProj), h, h, h},
		{"eval_proj, session replay sampled", sampledReplay(t, evalProj), b, b, h},
		{"demo_proj", demoProj, h, h, h},
		{"target app filtering", readFixture(t, "server-core/dcs_target_app_filtering.json"), h, h, h},
		{"sdk configs", readFixture(t, "server-core/dcs_with_sdk_configs.json"), h, h, h},
		{"go-sdk v1", readFixture(t, "go-sdk/download_config_specs.json"), h, h, h},
		{"go-sdk layers", readFixture(t, "go-sdk/layer_exposure_download_config_specs.json"), h, h, h},
		{"node rulesets", readFixture(t, "node-js-server-sdk/rulesets_e2e_full_dcs.json"), h, h, h},
		{"CMAB (filtered responses leave CMAB configs out)", cmab, hb, b, b},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cp := newCachePair(t, 64<<20)
			cp.random = strings.Contains(tt.gcir, b)
			cp.reg.Set(projectFrom(t, "p", tt.raw, evaluator.Options{}))
			for _, req := range cacheRequests(cacheTestUsers) {
				res := cp.check(t, req)
				if etag := res.Header().Get("ETag"); etag != "" && res.Code == http.StatusOK {
					nm := serve(cp.cached, req.path, req.key, req.body, "If-None-Match", etag)
					if nm.Code != http.StatusNotModified {
						t.Fatalf("%s: If-None-Match %s: status %d, want 304", req.path, etag, nm.Code)
					}
				}
			}
			for route, want := range map[string]string{routeGCIR: tt.gcir, routeInitialize: tt.init, routeOFREPBulk: tt.bulk} {
				hits, misses, bypassed := cp.counts(route)
				t.Logf("%s: %v hits, %v misses, %v bypassed", route, hits, misses, bypassed)
				var saw []string
				if hits > 0 {
					saw = append(saw, "hits")
				}
				if bypassed > 0 {
					saw = append(saw, "bypassed")
				}
				if got := strings.Join(saw, ", "); got != want {
					t.Errorf("%s: %v hits, %v bypassed: want %s", route, hits, bypassed, want)
				}
			}
		})
	}
}

// TestResponseCacheFollowsChanges: overrides (Registry.Notify), a new revision and the clock
// are never answered from a stale response.
func TestResponseCacheFollowsChanges(t *testing.T) {
	cp := newCachePair(t, 64<<20)
	raw := withoutClock(t, readFixture(t, "server-core/eval_proj_dcs.json"))
	p := projectFrom(t, "p", raw, evaluator.Options{})
	cp.reg.Set(p)
	gcir := cacheRequest{"/v1/get_client_initialize_response", testKey,
		`{"user":{"userID":"a"},"hash":"none","includeLocalOverrides":true}`}
	bulk := cacheRequest{"/ofrep/v1/evaluate/flags", testKey, `{"context":{"targetingKey":"a"}}`}
	gate := func(body []byte) any {
		var r struct {
			FeatureGates map[string]struct{ Value bool } `json:"feature_gates"`
			Flags        []struct {
				Key   string
				Value any
			} `json:"flags"`
		}
		_ = json.Unmarshal(body, &r)
		if r.Flags != nil {
			for _, f := range r.Flags {
				if f.Key == "test_public" {
					return f.Value
				}
			}
			return nil
		}
		return r.FeatureGates["test_public"].Value
	}
	for _, req := range []cacheRequest{gcir, bulk} {
		if got := gate(cp.check(t, req).Body.Bytes()); got != true {
			t.Fatalf("%s: test_public = %v before the override", req.path, got)
		}
	}
	ov, err := evaluator.NewOverrides([]evaluator.Override{{Kind: evaluator.KindGate, Name: "test_public", Gate: false}})
	if err != nil {
		t.Fatal(err)
	}
	p.Evaluator.SetOverrides(ov)
	cp.reg.Notify("p")
	for _, req := range []cacheRequest{gcir, bulk} {
		if got := gate(cp.check(t, req).Body.Bytes()); got != false {
			t.Fatalf("%s: test_public = %v after the override", req.path, got)
		}
	}
	// A new revision of the project (the same name), without the override.
	cp.reg.Set(projectFrom(t, "p", append(bytes.Clone(raw), ' '), evaluator.Options{}))
	for _, req := range []cacheRequest{gcir, bulk} {
		if got := gate(cp.check(t, req).Body.Bytes()); got != true {
			t.Fatalf("%s: test_public = %v after the new revision", req.path, got)
		}
	}

	// The clock: test_time_on passes on one day only.
	var now atomic.Int64
	now.Store(time.UnixMilli(1656954960000).UnixMilli())
	cp.reg.Set(projectFrom(t, "p", readFixture(t, "server-core/eval_proj_dcs.json"),
		evaluator.Options{Now: now.Load}))
	timed := cacheRequest{"/v1/get_client_initialize_response", testKey,
		`{"user":{"userID":"a"},"hash":"none","featureGateFilter":["test_time_on"]}`}
	on := func() bool {
		var r struct {
			FeatureGates map[string]struct{ Value bool } `json:"feature_gates"`
		}
		_ = json.Unmarshal(cp.check(t, timed).Body.Bytes(), &r)
		return r.FeatureGates["test_time_on"].Value
	}
	if !on() {
		t.Fatal("test_time_on fails on its day")
	}
	now.Add(int64(3 * 24 * time.Hour / time.Millisecond))
	if on() {
		t.Fatal("test_time_on passes three days later: a stale response")
	}
	// The timed response is kept until the end of test_time_on's day, then computed again.
	if hits, misses, bypassed := cp.counts(routeGCIR); hits != 5 || misses != 5 || bypassed != 0 {
		t.Errorf("client_initialize: %v hits, %v misses, %v bypassed; want 5, 5 and 0", hits, misses, bypassed)
	}
}

// TestResponseCacheBound: the cache holds at most its bound in bytes, least recently used
// first out, and leaves responses over a quarter of it out.
func TestResponseCacheBound(t *testing.T) {
	const limit = 64 << 10
	c := newResponseCache(limit, newCacheMetrics(nil))
	key := func(i int) (k cacheKey) { copy(k[:], fmt.Sprint(i)); return k }
	body := bytes.Repeat([]byte("x"), 1000)
	for i := range 1000 {
		c.put(key(i), "p", body, `"e"`, 0, evaluator.Forever)
		if i%10 == 0 {
			if _, _, ok := c.get(key(0), 0); !ok { // kept in use: never the least recent
				t.Fatalf("entry 0 evicted at %d", i)
			}
		}
		if used, _ := c.stats(); used > limit {
			t.Fatalf("%d bytes held, bound %d", used, limit)
		}
	}
	used, n := c.stats()
	if n == 0 || used < limit*3/4 {
		t.Errorf("%d entries, %d bytes: the bound is not used", n, used)
	}
	if _, _, ok := c.get(key(1), 0); ok {
		t.Error("an old entry survived")
	}
	if _, _, ok := c.get(key(999), 0); !ok {
		t.Error("the newest entry was evicted")
	}
	if got := testutil.ToFloat64(c.m.evictions); got == 0 {
		t.Error("no evictions counted")
	}
	c.put(key(-1), "p", make([]byte, limit/4), `"e"`, 0, evaluator.Forever)
	if _, _, ok := c.get(key(-1), 0); ok {
		t.Error("a response over a quarter of the bound was stored")
	}
	c.put(key(-2), "q", body, `"e"`, 0, evaluator.Forever)
	c.dropProject("p")
	if used, n := c.stats(); n != 1 || used != int64(len(body)+3+cacheEntryOverhead) {
		t.Errorf("after dropping p: %d entries, %d bytes", n, used)
	}
	if newResponseCache(0, newCacheMetrics(nil)) != nil {
		t.Error("a bound of 0 makes a cache")
	}
}

// TestResponseCacheConcurrent runs requests, registry notifications and a small bound's
// evictions at once (run with -race); every answer is still the uncached one.
func TestResponseCacheConcurrent(t *testing.T) {
	cp := newCachePair(t, 256<<10)
	p := projectFrom(t, "p", withoutClock(t, readFixture(t, "server-core/eval_proj_dcs.json")), evaluator.Options{})
	cp.reg.Set(p)
	reqs := cacheRequests(cacheTestUsers[:4])
	want := make([]string, len(reqs))
	for i, req := range reqs {
		want[i] = canonical(t, serve(cp.uncache, req.path, req.key, req.body).Body.Bytes())
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 3 * len(reqs) {
				j := (i*7 + g) % len(reqs)
				res := serve(cp.cached, reqs[j].path, reqs[j].key, reqs[j].body)
				if got := canonical(t, res.Body.Bytes()); got != want[j] {
					t.Errorf("%s %s: differs from the uncached response", reqs[j].path, reqs[j].body)
					return
				}
			}
		})
	}
	wg.Go(func() {
		for range 20 {
			cp.reg.Notify("p") // same results: drops the project's entries
			time.Sleep(time.Millisecond)
		}
	})
	wg.Wait()
	if hits, _, _ := cp.counts(routeGCIR); hits == 0 {
		t.Error("no hits")
	}
}

// TestResponseCacheKeys: the presented key is part of an OFREP bulk response (its event
// stream's token) and a stableID part of /v1/initialize's user: each gets its own entry.
func TestResponseCacheKeys(t *testing.T) {
	const other = "secret-other-key"
	cp := newCachePair(t, 64<<20)
	p := projectFrom(t, "p", readFixture(t, "server-core/demo_proj_dcs.json"), evaluator.Options{})
	p.SetKeys(scopedKeys(testKey, clientKey, other)...)
	cp.reg.Set(p)
	bulk := `{"context":{"targetingKey":"a"}}`
	uri := func(key string) string {
		var r ofrepBulkResponse
		res := cp.check(t, cacheRequest{"/ofrep/v1/evaluate/flags", key, bulk})
		if err := json.Unmarshal(res.Body.Bytes(), &r); err != nil || len(r.EventStreams) != 1 {
			t.Fatalf("bulk with %s: %v %+v", key, err, r.EventStreams)
		}
		return r.EventStreams[0].Endpoint.RequestURI
	}
	if a, b := uri(testKey), uri(other); a == b {
		t.Errorf("two keys share the event stream %s", a)
	}
	init := func(stableID string) string {
		body := `{"user":{"userID":"a"},"statsigMetadata":{"stableID":"` + stableID + `"}}`
		var r struct{ User map[string]any }
		_ = json.Unmarshal(cp.check(t, cacheRequest{"/v1/initialize", clientKey, body}).Body.Bytes(), &r)
		ids, _ := r.User["customIDs"].(map[string]any)
		return fmt.Sprint(ids["stableID"])
	}
	if a, b := init("dev-1"), init("dev-2"); a != "dev-1" || b != "dev-2" {
		t.Errorf("stableIDs %s, %s; want dev-1, dev-2", a, b)
	}
	if hits, _, _ := cp.counts(routeOFREPBulk); hits != 2 {
		t.Errorf("ofrep_bulk: %v hits, want 2", hits)
	}
}
