package endpoint

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// jsClientBody is what @statsig/js-client posts to /v1/initialize (before its encodings).
const jsClientBody = `{"user":{"userID":"a","email":"a@statsig.com"},"hash":"djb2","deltasResponseRequested":false,` +
	`"full_checksum":null,"statsigMetadata":{"sdkType":"javascript-client","sdkVersion":"3.0.0","stableID":"device-1"}}`

// statsigEncoded is js-client's ?se=1 form: the base64 of the body, reversed.
func statsigEncoded(s string) string {
	b := []byte(base64.StdEncoding.EncodeToString([]byte(s)))
	slices.Reverse(b)
	return string(b)
}

// TestInitializeRoute: /v1/initialize takes js-client's request in every form it sends and
// answers the client initialize response; bad requests are 4xx with a message.
func TestInitializeRoute(t *testing.T) {
	env := newTestEnv(t, nil)
	text := []string{"Content-Type", "text/plain;charset=UTF-8"}
	tests := []struct {
		name    string
		path    string
		body    any
		headers []string
		status  int
		stable  string // the response user's customIDs.stableID
	}{
		{"key in the query, text/plain", "/v1/initialize?k=" + clientKey + "&st=javascript-client&sv=3", jsClientBody,
			text, 200, "device-1"},
		{"key in the header", "/v1/initialize", jsClientBody, []string{"statsig-api-key", clientKey}, 200, "device-1"},
		{"server key", "/v1/initialize", jsClientBody, []string{"statsig-api-key", testKey}, 200, "device-1"},
		{"gz=1", "/v1/initialize?gz=1&k=" + clientKey, gzipped([]byte(jsClientBody)), []string{"Content-Type", ""},
			200, "device-1"},
		{"se=1", "/v1/initialize?se=1&k=" + clientKey, statsigEncoded(jsClientBody), text, 200, "device-1"},
		{"the user's own stableID wins", "/v1/initialize?k=" + clientKey,
			`{"user":{"customIDs":{"stableID":"mine"}},"statsigMetadata":{"stableID":"device-1"}}`, text, 200, "mine"},
		{"a user without IDs", "/v1/initialize?k=" + clientKey, `{"user":{},"hash":"none"}`, text, 200, ""},
		{"no user", "/v1/initialize?k=" + clientKey, `{}`, text, 200, ""},
		{"no key", "/v1/initialize", jsClientBody, text, 401, ""},
		{"unknown key", "/v1/initialize?k=client-nope", jsClientBody, text, 401, ""},
		{"se=1 not base64", "/v1/initialize?se=1&k=" + clientKey, "}not-base64{", text, 400, ""},
		{"gz=1 not gzip", "/v1/initialize?gz=1&k=" + clientKey, jsClientBody, text, 400, ""},
		{"unknown hash", "/v1/initialize?k=" + clientKey, `{"user":{"userID":"a"},"hash":"md5"}`, text, 400, ""},
		{"user not an object", "/v1/initialize?k=" + clientKey, `{"user":"a"}`, text, 400, ""},
		{"other content type", "/v1/initialize?k=" + clientKey, jsClientBody, []string{"Content-Type", "text/html"}, 415, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := env.do(t, "POST", tc.path, tc.body, tc.headers...)
			if res.status != tc.status {
				t.Fatalf("status %d, want %d: %s", res.status, tc.status, res.body)
			}
			var out obj
			res.json(t, &out)
			if tc.status != 200 {
				if msg, _ := out["message"].(string); msg == "" {
					t.Errorf("no message: %s", res.body)
				}
				return
			}
			if out["has_updates"] != true || len(out["feature_gates"].(obj)) == 0 {
				t.Errorf("not an initialize response: %.200s", res.body)
			}
			ids, _ := out["user"].(obj)["customIDs"].(obj)
			if got, _ := ids["stableID"].(string); got != tc.stable {
				t.Errorf("user customIDs.stableID %q, want %q", got, tc.stable)
			}
		})
	}
}

// TestInitializeMatchesClientInitializeResponse: /v1/initialize answers what
// /v1/get_client_initialize_response answers for the same user (stableID attached), hash and
// client key.
func TestInitializeMatchesClientInitializeResponse(t *testing.T) {
	env := newTestEnv(t, nil)
	a := env.do(t, "POST", "/v1/initialize?k="+clientKey, jsClientBody, "Content-Type", "text/plain")
	b := env.do(t, "POST", "/v1/get_client_initialize_response", map[string]any{
		"user": map[string]any{"userID": "a", "email": "a@statsig.com", "customIDs": map[string]any{"stableID": "device-1"}},
		"hash": "djb2",
	}, "statsig-api-key", clientKey)
	var ra, rb obj
	a.json(t, &ra)
	b.json(t, &rb)
	if !reflect.DeepEqual(ra, rb) {
		t.Fatalf("responses differ:\n%.400s\n%.400s", a.body, b.body)
	}
}

// TestClientEventsRoute: /v1/rgstr takes js-client's batches (key in the query, text/plain,
// the device's stableID in statsigMetadata given to users without one).
func TestClientEventsRoute(t *testing.T) {
	st, sink := standinSink(t, false)
	env := newTestEnv(t, sink)
	body := `{"events":[{"eventName":"statsig::gate_exposure","user":{"userID":"u"},"time":1700000000000,` +
		`"metadata":{"gate":"g","gateValue":"true","ruleID":"r"},"secondaryExposures":[]},` +
		`{"eventName":"click","user":{"customIDs":{"stableID":"own"}}}],` +
		`"statsigMetadata":{"sdkType":"javascript-client","stableID":"device-1"}}`
	res := env.do(t, "POST", "/v1/rgstr?k="+clientKey+"&ec=2", body, "Content-Type", "text/plain;charset=UTF-8",
		"statsig-event-count", "2")
	if res.status != 202 {
		t.Fatalf("status %d %s", res.status, res.body)
	}
	if res := env.do(t, "POST", "/v1/log_event?k="+clientKey, body); res.status != 401 {
		t.Errorf("/v1/log_event took a query key: %d", res.status)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := sink.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	evs := st.Events()
	stable := make([]string, 0, len(evs))
	for _, ev := range evs {
		var e struct {
			User struct {
				CustomIDs map[string]string `json:"customIDs"`
			} `json:"user"`
		}
		if err := json.Unmarshal(ev.Raw, &e); err != nil {
			t.Fatal(err)
		}
		stable = append(stable, e.User.CustomIDs["stableID"])
	}
	slices.Sort(stable)
	if want := []string{"device-1", "own"}; !slices.Equal(stable, want) {
		t.Errorf("stableIDs %v, want %v", stable, want)
	}
}

// TestCORS: with allowed origins, the client routes answer preflights and carry the CORS
// headers; server routes never answer cross-origin; without origins there is no CORS.
func TestCORS(t *testing.T) {
	env := newTestEnv(t, nil)
	srv, err := NewServer(Options{Registry: env.reg, CORSAllowedOrigins: []string{"https://app.example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	env.http.Config.Handler = srv.Handler()
	origin := "https://app.example.com"
	tests := []struct {
		name, method, path, origin string
		status                     int
		allowOrigin                string
	}{
		{"preflight initialize", "OPTIONS", "/v1/initialize", origin, 204, origin},
		{"preflight rgstr", "OPTIONS", "/v1/rgstr", origin, 204, origin},
		{"preflight OFREP", "OPTIONS", "/ofrep/v1/evaluate/flags/a_gate", origin, 204, origin},
		{"preflight from another origin", "OPTIONS", "/v1/initialize", "https://evil.example", 403, ""},
		{"no preflight for config specs", "OPTIONS", "/v2/download_config_specs", origin, 405, ""},
		{"initialize from the origin", "POST", "/v1/initialize?k=" + clientKey, origin, 200, origin},
		{"initialize from another origin: no CORS header", "POST", "/v1/initialize?k=" + clientKey,
			"https://evil.example", 200, ""},
		{"server route: no CORS header", "POST", "/v1/check_gate", origin, 400, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var body any
			if tc.method == "POST" {
				body = jsClientBody
			}
			res := env.do(t, tc.method, tc.path, body, "Origin", tc.origin, "Access-Control-Request-Method", "POST",
				"statsig-api-key", map[bool]string{true: testKey}[strings.HasPrefix(tc.path, "/v1/check")])
			if res.status != tc.status {
				t.Fatalf("status %d, want %d: %s", res.status, tc.status, res.body)
			}
			if got := res.header.Get("Access-Control-Allow-Origin"); got != tc.allowOrigin {
				t.Errorf("Access-Control-Allow-Origin %q, want %q", got, tc.allowOrigin)
			}
			if tc.status == 204 && !strings.Contains(res.header.Get("Access-Control-Allow-Headers"), "STATSIG-EVENT-COUNT") {
				t.Errorf("Access-Control-Allow-Headers %q", res.header.Get("Access-Control-Allow-Headers"))
			}
		})
	}
	// CORS off (the default): no preflight answer.
	env.http.Config.Handler = env.srv.Handler()
	if res := env.do(t, "OPTIONS", "/v1/initialize", nil, "Origin", origin); res.status != 405 {
		t.Errorf("preflight without CORS: %d", res.status)
	}
	for _, bad := range []string{"app.example.com", "https://app.example.com/path", "ftp://x", "https://u@x"} {
		if _, err := newCORS([]string{bad}); err == nil {
			t.Errorf("origin %q accepted", bad)
		}
	}
	if c, err := newCORS([]string{"*"}); err != nil || !c.any {
		t.Errorf("* refused: %v", err)
	}
}
