package statsig_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/klauspost/compress/gzip"
	"github.com/statsig-operator/statsig-operator/statsig"
	"github.com/statsig-operator/statsig-operator/test/standin"
)

func TestPostLogEvent(t *testing.T) {
	s := newStandin(t)
	c := newClient(t, s, nil)
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	batch := `{"events":[{"eventName":"custom","value":1,"user":{"userID":"u"},"time":1}],` +
		`"statsigMetadata":{"sdkType":"statsig-operator"}}`
	if _, err := io.WriteString(zw, batch); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.PostLogEvent(context.Background(), key, gz.Bytes(), "gzip", 1, 2); err != nil {
		t.Fatal(err)
	}
	if s.EventCount() != 1 || s.Events()[0].EventName != "custom" {
		t.Fatalf("events %+v", s.Events())
	}
	r := s.RequestsTo(standin.RouteLogEvent)[0]
	for h, v := range map[string]string{
		"Content-Encoding": "gzip", "Content-Type": "application/json", "statsig-event-count": "1",
		"statsig-retry-count": "2", "STATSIG-API-KEY": key, "STATSIG-SDK-TYPE": "statsig-operator",
	} {
		if r.Header.Get(h) != v {
			t.Errorf("header %s = %q, want %q", h, r.Header.Get(h), v)
		}
	}

	tests := []struct {
		name      string
		fault     standin.Fault
		retryable bool
		want      error
	}{
		{"500", standin.Fault{Kind: standin.Status500, Times: 1}, true, nil},
		{"429", standin.Fault{Kind: standin.StatusCode, Status: 429, Times: 1}, false, nil},
		{"413", standin.Fault{Kind: standin.StatusCode, Status: 413, Times: 1}, false, nil},
		{"html", standin.Fault{Kind: standin.WrongContentType, Times: 1}, true, statsig.ErrInvalidResponse},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_ = s.InjectFault(standin.RouteLogEvent, tc.fault)
			err := c.PostLogEvent(context.Background(), key, []byte(`{"events":[]}`), "", 0, 0)
			if err == nil || statsig.IsRetryable(err) != tc.retryable || (tc.want != nil && !errors.Is(err, tc.want)) {
				t.Fatalf("got %v (retryable %v)", err, statsig.IsRetryable(err))
			}
			noKey(t, err)
		})
	}
}

func TestPostLogEventSuccessRule(t *testing.T) {
	tests := []struct {
		name   string
		code   int
		answer string
		ok     bool
		want   error
	}{
		{"202 success", 202, `{"success":true}`, true, nil},
		{"200 empty", 200, ``, true, nil},
		{"200 success false", 200, `{"success": false}`, false, statsig.ErrRejected},
		{"200 not JSON", 200, `ok`, false, statsig.ErrInvalidResponse},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tc.code)
				_, _ = io.WriteString(w, tc.answer)
			}))
			defer srv.Close()
			c, _ := statsig.New(statsig.Options{LogEventURL: srv.URL + "/v1/log_event"})
			err := c.PostLogEvent(context.Background(), key, []byte(`{}`), "", 0, 0)
			if (err == nil) != tc.ok || (tc.want != nil && !errors.Is(err, tc.want)) {
				t.Fatalf("got %v", err)
			}
		})
	}
}
