package standin_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/statsig-operator/statsig-operator/test/fixtures"
	"github.com/statsig-operator/statsig-operator/test/standin"
)

const key = "secret-standin-test"

// fixture returns a file of the repository's Statsig fixtures (test/fixtures).
func fixture(t *testing.T, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(fixtures.Path(t, rel))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// start runs a stand-in with the small v2 project and the go-sdk v1 payload loaded.
func start(t *testing.T) *standin.Server {
	t.Helper()
	s := standin.New(standin.Options{Keys: []string{key}, ForbiddenKeys: []string{"secret-forbidden"}})
	if err := s.SetPayload(standin.V2, fixture(t, "server-core/demo_proj_dcs.json")); err != nil {
		t.Fatal(err)
	}
	if err := s.SetPayload(standin.V1, fixture(t, "go-sdk/download_config_specs.json")); err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

var client = &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableCompression: true}}

// do sends a request and returns status, headers and body.
func do(t *testing.T, method, url string, hdr map[string]string, body []byte) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read: %v", method, url, err)
	}
	return resp.StatusCode, resp.Header, b
}

func topLevel(t *testing.T, b []byte) map[string]json.RawMessage {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("not a JSON object: %v: %.200s", err, b)
	}
	return m
}
