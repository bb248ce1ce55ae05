package endpoint

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/statsig-operator/statsig-operator/serving"
)

// The answers net/http writes itself, before any handler, are JSON like every other error.
func TestServerOwnErrorsAreJSON(t *testing.T) {
	srv, err := NewServer(Options{Registry: serving.NewRegistry()})
	if err != nil {
		t.Fatal(err)
	}
	addr, _ := serveOnLoopback(t, srv)

	huge := strings.Repeat("a", 100<<10)
	for _, tc := range []struct {
		name, request string
		status        int
		message       string
	}{
		{"headers over the limit", "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + huge + "\r\n\r\n",
			431, "request header fields too large: request headers are limited to 64 kib"},
		{"malformed request line", "GET\r\n\r\n", 400, "bad request"},
		{"malformed header", "GET /healthz HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n", 400, "bad request"},
		{"unknown transfer coding", "POST /v1/check_gate HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: rot13\r\n\r\n",
			501, "unsupported transfer encoding"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = c.Close() }()
			go func() { _, _ = io.WriteString(c, tc.request) }()
			res, err := http.ReadResponse(bufio.NewReader(c), nil)
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = res.Body.Close() }()
			var body errorBody
			if err := json.NewDecoder(res.Body).Decode(&body); err != nil {
				t.Fatalf("body is not JSON: %v", err)
			}
			if res.StatusCode != tc.status || res.Header.Get("Content-Type") != "application/json" ||
				!strings.Contains(strings.ToLower(body.Message), tc.message) {
				t.Errorf(
					"got %d %q %+v, want %d JSON with %q",
					res.StatusCode,
					res.Header.Get("Content-Type"),
					body,
					tc.status,
					tc.message,
				)
			}
		})
	}
	// an ordinary answer passes through untouched
	res, err := http.Get("http://" + addr + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	_ = res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Errorf("/healthz = %d", res.StatusCode)
	}
}

func TestRewriteServerErrorLeavesOtherWritesAlone(t *testing.T) {
	for _, b := range []string{
		"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{}",
		"HTTP/1.1 404 Not Found\r\nContent-Type: text/plain; charset=utf-8\r\nDate: x\r\nConnection: close\r\n\r\nx",
		"{\"a\":1}",
		"HTTP/1.1 4",
	} {
		if _, ok := rewriteServerError([]byte(b)); ok {
			t.Errorf("rewrote %q", b)
		}
	}
}
