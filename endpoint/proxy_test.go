package endpoint

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"

	"github.com/klauspost/compress/zstd"
)

func decodeBody(t *testing.T, enc string, b []byte) []byte {
	t.Helper()
	switch enc {
	case "gzip":
		r, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		out, err := io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		return out
	case "br":
		out, err := io.ReadAll(brotli.NewReader(bytes.NewReader(b)))
		if err != nil {
			t.Fatal(err)
		}
		return out
	case "zstd":
		d, _ := zstd.NewReader(nil)
		defer d.Close()
		out, err := d.DecodeAll(b, nil)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	return b
}

func TestForwardProxyServesPayload(t *testing.T) {
	env := newTestEnv(t, nil)
	v2 := readFixture(t, "server-core/eval_proj_dcs.json")
	v1 := readFixture(t, "go-sdk/download_config_specs.json")
	v2Time := env.reg.Get("eval").Payload.Time
	v1Time := env.reg.Get("legacy").Payload.Time
	tests := []struct {
		name, method, path string
		body               any
		headers            []string
		wantStatus         int
		wantEncoding       string
		wantBody           []byte // decoded
		wantContains       string
		sinceHeader        int64
	}{
		{"v2 brotli", "GET", "/v2/download_config_specs/" + testKey + ".json", nil, []string{"Accept-Encoding", "br"},
			200, "br", v2, "", v2Time},
		{"v2 zstd", "GET", "/v2/download_config_specs/" + testKey + ".json", nil, []string{"Accept-Encoding", "zstd, gzip"},
			200, "zstd", v2, "", v2Time},
		{"v2 gzip as Server Core asks", "GET", "/v2/download_config_specs/" + testKey + ".json?supports_proto=true", nil,
			[]string{"Accept-Encoding", "statsig-br, gzip, deflate, br"}, 200, "gzip", v2, "", v2Time},
		{"v2 identity", "GET", "/v2/download_config_specs/" + testKey + ".json", nil, nil, 200, "", v2, "", v2Time},
		{"v2 key in header wins", "GET", "/v2/download_config_specs/whatever.json", nil, []string{"statsig-api-key", testKey},
			200, "", v2, "", v2Time},
		// A client key evaluates, but never reads the server payload (rules, salts, allow-lists).
		{"client key refused", "GET", "/v2/download_config_specs/" + clientKey + ".json", nil, nil,
			403, "", nil, "server secret key", 0},
		{"client key in header refused", "GET", "/v2/download_config_specs", nil, []string{"statsig-api-key", clientKey},
			403, "", nil, "client key", 0},
		{"v2 up to date", "GET", "/v2/download_config_specs/" + testKey + ".json?sinceTime=" + strconv.FormatInt(v2Time, 10),
			nil, nil, 200, "", []byte(`{"has_updates":false}`), "", v2Time},
		{"v2 older sinceTime", "GET",
			"/v2/download_config_specs/" + testKey + ".json?sinceTime=" + strconv.FormatInt(v2Time-1, 10),
			nil, []string{"Accept-Encoding", "gzip"}, 200, "gzip", v2, "", v2Time},
		{"v1 go-sdk CDN form", "GET", "/v1/download_config_specs/" + v1Key + ".json?sinceTime=0", nil,
			[]string{"Accept-Encoding", "gzip"}, 200, "gzip", v1, "", v1Time},
		{"v1 POST with body", "POST", "/v1/download_config_specs", map[string]any{"sinceTime": v1Time},
			[]string{"statsig-api-key", v1Key}, 200, "", []byte(`{"has_updates":false}`), "", v1Time},
		{"v1 POST empty body", "POST", "/v1/download_config_specs", "", []string{"statsig-api-key", v1Key},
			200, "", v1, "", v1Time},
		{"v1 on a v2 project", "GET", "/v1/download_config_specs/" + testKey + ".json", nil, nil,
			404, "", nil, "payloadFormat: v2", 0},
		{"v2 on a v1 project", "GET", "/v2/download_config_specs/" + v1Key + ".json", nil, nil,
			404, "", nil, "payloadFormat: v1", 0},
		{"unknown key", "GET", "/v2/download_config_specs/secret-nope.json", nil, nil, 401, "", nil, "not accepted", 0},
		{"no key", "GET", "/v2/download_config_specs", nil, nil, 401, "", nil, "missing API key", 0},
		{"not .json", "GET", "/v2/download_config_specs/" + testKey, nil, nil, 404, "", nil, "{sdkKey}.json", 0},
		{"bad sinceTime", "GET", "/v2/download_config_specs/" + testKey + ".json?sinceTime=yesterday", nil, nil,
			400, "", nil, "sinceTime", 0},
		{"bad POST body", "POST", "/v1/download_config_specs", `{"sinceTime": [1]}`, []string{"statsig-api-key", v1Key},
			400, "", nil, "sinceTime", 0},
		{"wrong method", "DELETE", "/v2/download_config_specs/" + testKey + ".json", nil, nil,
			405, "", nil, "not allowed", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := env.do(t, tt.method, tt.path, tt.body, tt.headers...)
			if res.status != tt.wantStatus {
				t.Fatalf("status %d, want %d: %s", res.status, tt.wantStatus, res.body)
			}
			if got := res.header.Get("Content-Encoding"); got != tt.wantEncoding {
				t.Errorf("Content-Encoding %q, want %q", got, tt.wantEncoding)
			}
			if tt.wantBody != nil && !bytes.Equal(decodeBody(t, tt.wantEncoding, res.body), tt.wantBody) {
				t.Errorf("body differs from the payload (%d bytes)", len(res.body))
			}
			if tt.wantContains != "" && !strings.Contains(string(res.body), tt.wantContains) {
				t.Errorf("body %s does not mention %q", res.body, tt.wantContains)
			}
			if tt.sinceHeader != 0 && res.header.Get("x-since-time") != strconv.FormatInt(tt.sinceHeader, 10) {
				t.Errorf("x-since-time %q, want %d", res.header.Get("x-since-time"), tt.sinceHeader)
			}
			if strings.Contains(string(res.body), testKey) || strings.Contains(string(res.body), "secret-nope") {
				t.Errorf("response echoes a key: %s", res.body)
			}
		})
	}
}

func TestForwardProxyETag(t *testing.T) {
	env := newTestEnv(t, nil)
	path := "/v2/download_config_specs/" + testKey + ".json"
	first := env.do(t, "GET", path, nil, "Accept-Encoding", "gzip")
	etag := first.header.Get("ETag")
	if first.status != 200 || etag == "" {
		t.Fatalf("first = %d, ETag %q", first.status, etag)
	}
	again := env.do(t, "GET", path, nil, "Accept-Encoding", "gzip", "If-None-Match", etag)
	if again.status != http.StatusNotModified || len(again.body) != 0 {
		t.Errorf("If-None-Match = %d with %d bytes, want 304 and no body", again.status, len(again.body))
	}
	other := env.do(t, "GET", path, nil, "Accept-Encoding", "zstd", "If-None-Match", etag)
	if other.status != 200 {
		t.Errorf("another encoding with the gzip ETag = %d, want 200", other.status)
	}
}

func TestIDListsManifestIsEmpty(t *testing.T) {
	env := newTestEnv(t, nil)
	tests := []struct {
		method, path string
		body         any
		headers      []string
		want         int
	}{
		{"POST", "/v1/get_id_lists", "{}", []string{"statsig-api-key", testKey}, 200},
		{"POST", "/v1/get_id_lists", "", []string{"statsig-api-key", testKey}, 200},
		{"POST", "/v1/get_id_lists", "null", []string{"statsig-api-key", testKey}, 200},
		{"GET", "/v1/get_id_lists/" + testKey + ".json", nil, nil, 200},
		{"GET", "/v1/get_id_lists/secret-nope.json", nil, nil, 401},
		{"POST", "/v1/get_id_lists", "{}", nil, 401},
		{"POST", "/v1/get_id_lists", "[", []string{"statsig-api-key", testKey}, 400},
	}
	for _, tt := range tests {
		res := env.do(t, tt.method, tt.path, tt.body, tt.headers...)
		if res.status != tt.want {
			t.Errorf("%s %s = %d, want %d: %s", tt.method, tt.path, res.status, tt.want, res.body)
		}
		if tt.want == 200 && string(res.body) != "{}" {
			t.Errorf("%s %s body %s, want {}", tt.method, tt.path, res.body)
		}
	}
}

// Key scopes: a client key evaluates and bootstraps clients; the server payload and the ID
// lists (every rule, salt and allow-list) need the server secret key.
func TestClientKeysCannotReadServerData(t *testing.T) {
	env := newTestEnv(t, nil)
	user := map[string]any{"user": map[string]any{"userID": "a"}, "gateName": "test_public"}
	tests := []struct {
		name, method, path string
		body               any
		key                string
		want               int
	}{
		{"specs v2, client key", "GET", "/v2/download_config_specs/" + clientKey + ".json", nil, "", 403},
		{"specs v2, server key", "GET", "/v2/download_config_specs/" + testKey + ".json", nil, "", 200},
		{"specs v1 POST, client key", "POST", "/v1/download_config_specs", "{}", clientKey, 403},
		{"ID-list manifest, client key", "POST", "/v1/get_id_lists", "{}", clientKey, 403},
		{"ID-list manifest by path, client key", "GET", "/v1/get_id_lists/" + clientKey + ".json", nil, "", 403},
		{"ID-list manifest, server key", "POST", "/v1/get_id_lists", "{}", testKey, 200},
		{"ID-list file, client key", "GET", "/v1/id_list_file/company_id_list", nil, clientKey, 403},
		{"check_gate, client key", "POST", "/v1/check_gate", user, clientKey, 200},
		{"client initialize, client key", "POST", "/v1/get_client_initialize_response", user, clientKey, 200},
		{"OFREP, client key", "POST", "/ofrep/v1/evaluate/flags/test_public",
			map[string]any{"context": map[string]any{"targetingKey": "a"}}, clientKey, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var headers []string
			if tt.key != "" {
				headers = []string{"statsig-api-key", tt.key}
			}
			res := env.do(t, tt.method, tt.path, tt.body, headers...)
			if res.status != tt.want {
				t.Fatalf("status %d, want %d: %s", res.status, tt.want, res.body)
			}
			body := string(res.body)
			if tt.want == 403 && (strings.Contains(body, "salt") || !strings.Contains(body, "server secret key")) {
				t.Fatalf("403 body %s: want only the reason", res.body)
			}
		})
	}
}
