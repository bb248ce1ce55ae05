package statsig_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
	"github.com/statsig-operator/statsig-operator/statsig"
)

func TestResponseEncodings(t *testing.T) {
	payload := []byte(`{"has_updates":true,"time":1,"feature_gates":{}}`)
	enc, _ := zstd.NewWriter(nil)
	zs := enc.EncodeAll(payload, nil)
	tests := []struct {
		name string
		enc  string
		ct   string
		body []byte
		want error
	}{
		{"zstd", "zstd", "application/json", zs, nil},
		{"identity", "", "application/json; charset=utf-8", payload, nil},
		{"no content type", "", "", payload, nil},
		{"bad gzip", "gzip", "application/json", []byte("not gzip at all"), statsig.ErrEncoding},
		{"unknown encoding", "br", "application/json", payload, statsig.ErrEncoding},
		{"protobuf", "", "application/octet-stream", payload, statsig.ErrContentType},
		{"has_updates false", "", "application/json", []byte(`{"has_updates":false}`), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tc.ct != "" {
					w.Header().Set("Content-Type", tc.ct)
				}
				if tc.enc != "" {
					w.Header().Set("Content-Encoding", tc.enc)
				}
				_, _ = w.Write(tc.body)
			}))
			defer srv.Close()
			c, _ := statsig.New(statsig.Options{SpecsURL: srv.URL + "/v2/download_config_specs"})
			resp, err := c.DownloadConfigSpecs(context.Background(), key, statsig.Since{}, true)
			if !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			if err != nil {
				return
			}
			defer mustClose(t, resp)
			rc, _ := resp.Open()
			got, _ := io.ReadAll(rc)
			if string(got) != string(tc.body) && string(got) != string(payload) {
				t.Fatalf("body %q", got)
			}
			if resp.NoUpdates != (tc.name == "has_updates false") {
				t.Fatalf("NoUpdates %v", resp.NoUpdates)
			}
		})
	}
}

func TestBackgroundBackoff(t *testing.T) {
	var times []time.Time
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		times = append(times, time.Now())
		w.WriteHeader(502)
	}))
	defer srv.Close()
	c, _ := statsig.New(statsig.Options{SpecsURL: srv.URL, RetryBackoff: 10 * time.Millisecond})
	_, err := c.DownloadConfigSpecs(context.Background(), key, statsig.Since{}, false)
	if err == nil || len(times) != 4 {
		t.Fatalf("%d requests, err %v", len(times), err)
	}
	for i, min := range []time.Duration{20, 40, 80} { // base × 2^attempt
		if gap := times[i+1].Sub(times[i]); gap < min*time.Millisecond {
			t.Errorf("gap %d = %s, want ≥ %dms", i, gap, min)
		}
	}
}

func TestOptionsValidation(t *testing.T) {
	bad := []statsig.Options{
		{Format: "v3"},
		{SpecsURL: "ftp://x"},
		{IDListsURL: "/relative"},
		{LogEventURL: "http://"},
		{IDListFileAPI: "nope"},
	}
	for _, o := range bad {
		if _, err := statsig.New(o); err == nil {
			t.Errorf("New(%+v) accepted", o)
		}
	}
	c, err := statsig.New(statsig.Options{Format: statsig.FormatV1, SpecsURL: "null"})
	if err != nil || c.Options().SpecsURL != statsig.DefaultSpecsURLV1 ||
		c.Options().IDListsURL != statsig.DefaultIDListsURL {
		t.Fatalf("defaults: %v %+v", err, c.Options())
	}
	if _, err := c.DownloadConfigSpecs(context.Background(), "", statsig.Since{}, true); err == nil {
		t.Fatal("empty key accepted")
	}
}
