package endpoint

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"
)

func gzipped(b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	_, _ = w.Write(b)
	_ = w.Close()
	return buf.Bytes()
}

func zstdCompressed(b []byte) []byte {
	enc, _ := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest))
	defer func() { _ = enc.Close() }()
	return enc.EncodeAll(b, nil)
}

func manyCustomIDs(n int) string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf(`"t%d":"v"`, i)
	}
	return strings.Join(ids, ",")
}

func TestBadInput(t *testing.T) {
	env := newTestEnv(t, nil)
	user := `"user":{"userID":"u1"}`
	big := `{"gateName":"g",` + user + `,"pad":"` + strings.Repeat("x", 70<<10) + `"}`
	bomb := gzipped([]byte(`{"gateName":"g",` + user + `,"pad":"` + strings.Repeat("x", 1<<20) + `"}`))
	zbomb := zstdCompressed([]byte(`{"gateName":"g",` + user + `,"pad":"` + strings.Repeat("x", 64<<20) + `"}`))
	key := []string{"statsig-api-key", testKey}
	with := func(extra ...string) []string { return append(append([]string{}, key...), extra...) }
	tests := []struct {
		name, method, path string
		body               any
		headers            []string
		want               int
		message            string
	}{
		{"malformed JSON", "POST", "/v1/check_gate", `{"gateName": "g", `, key, 400, "malformed JSON"},
		{"body not an object", "POST", "/v1/check_gate", `["g"]`, key, 400, "must be a JSON object"},
		{"empty body", "POST", "/v1/check_gate", "", key, 400, "request body is empty"},
		{"missing user", "POST", "/v1/check_gate", `{"gateName":"g"}`, key, 400, "user is required"},
		{"null user", "POST", "/v1/check_gate", `{"gateName":"g","user":null}`, key, 400, "user is required"},
		{"user not an object", "POST", "/v1/check_gate", `{"gateName":"g","user":"u1"}`,
			key, 400, "user must be a JSON object"},
		{"user without IDs", "POST", "/v1/check_gate", `{"gateName":"g","user":{"email":"a@b.c"}}`, key, 400, "userID"},
		{"user with empty IDs", "POST", "/v1/check_gate", `{"gateName":"g","user":{"userID":"","customIDs":{"stableID":""}}}`,
			key, 400, "userID"},
		{"customIDs not an object", "POST", "/v1/check_gate", `{"gateName":"g","user":{"userID":"u","customIDs":"x"}}`,
			key, 400, "customIDs"},
		{"missing gateName", "POST", "/v1/check_gate", `{` + user + `}`, key, 400, "gateName is required"},
		{"userID over the cap", "POST", "/v1/check_gate",
			`{"gateName":"g","user":{"userID":"` + strings.Repeat("u", 1025) + `"}}`, key, 400, "limited to 1024 bytes"},
		{"custom ID over the cap", "POST", "/v1/check_gate",
			`{"gateName":"g","user":{"userID":"u","customIDs":{"companyID":"` + strings.Repeat("c", 1025) + `"}}}`,
			key, 400, "customIDs.companyID"},
		{"too many custom IDs", "POST", "/v1/check_gate", `{"gateName":"g","user":{"userID":"u","customIDs":{` +
			manyCustomIDs(65) + `}}}`, key, 400, "at most 64"},
		{"gateName not a string", "POST", "/v1/check_gate", `{"gateName":7,` + user + `}`,
			key, 400, `"gateName" must be a string`},
		{"gateName and gateNames", "POST", "/v1/check_gate", `{"gateName":"a","gateNames":["b"],` + user + `}`,
			key, 400, "not both"},
		{"empty gateNames", "POST", "/v1/check_gate", `{"gateNames":[],` + user + `}`, key, 400, "must not be empty"},
		{"empty name in gateNames", "POST", "/v1/check_gate", `{"gateNames":[""],` + user + `}`, key, 400, "names of 1 to"},
		{"exposureLoggingDisabled not a bool", "POST", "/v1/check_gate",
			`{"gateName":"g",` + user + `,"statsigMetadata":{"exposureLoggingDisabled":"yes"}}`,
			key, 400, "exposureLoggingDisabled"},
		{"wrong content type", "POST", "/v1/check_gate", `{"gateName":"g",` + user + `}`,
			with("Content-Type", "text/plain"), 415, "Content-Type must be application/json"},
		{"unsupported content encoding", "POST", "/v1/check_gate", `{"gateName":"g",` + user + `}`,
			with("Content-Encoding", "br"), 415, "Content-Encoding"},
		{"broken gzip", "POST", "/v1/check_gate", `{"gateName":"g"}`, with("Content-Encoding", "gzip"), 400, "gzip"},
		{"body over the limit", "POST", "/v1/check_gate", big, key, 413, "larger than the limit"},
		{"gzip bomb", "POST", "/v1/check_gate", bomb, with("Content-Encoding", "gzip"), 413, "larger than the limit"},
		{"zstd bomb", "POST", "/v1/check_gate", zbomb, with("Content-Encoding", "zstd"), 413, "larger than the limit"},
		{"missing key", "POST", "/v1/check_gate", `{"gateName":"g",` + user + `}`, nil, 401, "missing API key"},
		{"wrong key", "POST", "/v1/check_gate", `{"gateName":"g",` + user + `}`,
			[]string{"statsig-api-key", "secret-wrong"}, 401, "not accepted"},
		{"wrong method", "GET", "/v1/check_gate", nil, key, 405, "use POST"},
		{"unknown route", "POST", "/v1/nope", `{}`, key, 404, "no such route"},
		{"path to clean", "POST", "/v1//check_gate", `{}`, key, 307, "use /v1/check_gate"},
		{"dot segments", "POST", "/v1/x/../check_gate", `{}`, key, 307, "use /v1/check_gate"},

		{"get_config without configName", "POST", "/v1/get_config", `{` + user + `}`, key, 400, "configName is required"},
		{"get_experiment without a name", "POST", "/v1/get_experiment", `{` + user + `}`, key, 400, "configName is required"},
		{"get_layer without layerName", "POST", "/v1/get_layer", `{` + user + `}`, key, 400, "layerName is required"},
		{"get_layer without user", "POST", "/v1/get_layer", `{"layerName":"l"}`, key, 400, "user is required"},
		{"log_event without events", "POST", "/v1/log_event", `{}`, key, 400, "events must be a non-empty array"},
		{"log_event events not an array", "POST", "/v1/log_event", `{"events":{}}`, key, 400, `"events" must be an array`},
		{"log_event without eventName", "POST", "/v1/log_event", `{"events":[{"value":1}]}`,
			key, 400, "events[0]: eventName"},
		{"log_event object value", "POST", "/v1/log_event", `{"events":[{"eventName":"e","value":{}}]}`,
			key, 400, "events[0]: value"},
		{"log_event bad metadata", "POST", "/v1/log_event", `{"events":[{"eventName":"e"},{"eventName":"e","metadata":[1]}]}`,
			key, 400, "events[1]: metadata"},
		{"log_event bad time", "POST", "/v1/log_event", `{"events":[{"eventName":"e","time":"noon"}]}`,
			key, 400, "events[0]: time"},
		{"log_event bad user", "POST", "/v1/log_event", `{"events":[{"eventName":"e","user":"u"}]}`,
			key, 400, "events[0]: user"},
		{"log_event bad shared user", "POST", "/v1/log_event", `{"user":7,"events":[{"eventName":"e"}]}`,
			key, 400, "user must be a JSON object"},
		{"gcir bad hash", "POST", "/v1/get_client_initialize_response", `{"hash":"md5",` + user + `}`,
			key, 400, "hash must be"},
		{"gcir without user", "POST", "/v1/get_client_initialize_response", `{}`, key, 400, "user is required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body any
			if s, ok := tt.body.(string); ok && tt.method != "GET" {
				body = s
			} else {
				body = tt.body
			}
			res := env.do(t, tt.method, tt.path, body, tt.headers...)
			if res.status != tt.want {
				t.Fatalf("status %d, want %d: %s", res.status, tt.want, res.body)
			}
			var e struct {
				Success *bool  `json:"success"`
				Message string `json:"message"`
			}
			res.json(t, &e)
			if !strings.Contains(e.Message, tt.message) {
				t.Errorf("message %q does not say %q", e.Message, tt.message)
			}
			if e.Success == nil || *e.Success {
				t.Errorf("error body must carry success:false: %s", res.body)
			}
			if ct := res.header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
			if bytes.Contains(res.body, []byte(testKey)) || bytes.Contains(res.body, []byte("secret-wrong")) {
				t.Errorf("error echoes a key: %s", res.body)
			}
		})
	}
}

// TestGarbageNeverFails5xx throws malformed bodies at every POST route: each must be a 4xx.
func TestGarbageNeverFails5xx(t *testing.T) {
	env := newTestEnv(t, nil)
	bodies := []string{"", "null", "0", `"s"`, "[]", "{", `{"user":{"userID":{}}}`, `{"user":{"userID":"u","custom":7}}`,
		`{"user":{"userID":"u","customIDs":{"a":[1]}}}`, `{"gateNames":[1,2]}`,
		`{"context":[]}`, `{"context":{"targetingKey":5}}`,
		`{"events":[null]}`, `{"events":[1]}`, `{"sinceTime":-1}`, "\xff\xfe",
		`{"user":{"userID":"u","privateAttributes":"x"}}`}
	paths := []string{"/v1/check_gate", "/v1/get_config", "/v1/get_experiment", "/v1/get_layer", "/v1/log_event",
		"/v1/log_exposure",
		"/v1/get_client_initialize_response", "/v1/download_config_specs", "/v1/get_id_lists",
		"/ofrep/v1/evaluate/flags/test_public", "/ofrep/v1/evaluate/flags"}
	for _, p := range paths {
		for _, b := range bodies {
			res := env.do(t, "POST", p, b, "statsig-api-key", testKey)
			if res.status >= 500 {
				t.Errorf("POST %s %q = %d: %s", p, b, res.status, res.body)
			}
			if res.status >= 400 && !json.Valid(res.body) {
				t.Errorf("POST %s %q = %d with a non-JSON body: %s", p, b, res.status, res.body)
			}
		}
	}
}

// An unknown OFREP flag is named in the 404, but never echoed at any length.
func TestOFREPNotFoundDoesNotEchoLongKeys(t *testing.T) {
	env := newTestEnv(t, nil)
	res := env.do(t, "POST", "/ofrep/v1/evaluate/flags/"+strings.Repeat("k", 5000), `{"context":{"targetingKey":"u"}}`,
		"Authorization", "Bearer "+testKey)
	if res.status != 404 || !strings.Contains(string(res.body), "FLAG_NOT_FOUND") || len(res.body) > 600 {
		t.Fatalf("status %d, %d bytes: %.200s", res.status, len(res.body), res.body)
	}
}
