package statsig_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/statsig-operator/statsig-operator/statsig"
	"github.com/statsig-operator/statsig-operator/test/standin"
)

func TestDownloadRequestAndBody(t *testing.T) {
	s := newStandin(t)
	c := newClient(t, s, nil)
	resp, err := c.DownloadConfigSpecs(context.Background(), key, statsig.Since{Time: 5, Checksum: "a+b/c= d"}, true)
	if err != nil {
		t.Fatal(err)
	}
	defer mustClose(t, resp)
	reqs := s.RequestsTo(standin.RouteDCSV2)
	if len(reqs) != 1 {
		t.Fatalf("%d requests", len(reqs))
	}
	r := reqs[0]
	if r.RawQuery != "sinceTime=5&checksum=a%2Bb%2Fc%3D%20d" {
		t.Errorf("query %q", r.RawQuery)
	}
	if _, ok := r.Query["supports_proto"]; ok {
		t.Error("supports_proto sent")
	}
	want := map[string]string{
		"STATSIG-API-KEY": key, "STATSIG-SDK-TYPE": "statsig-operator", "STATSIG-SDK-VERSION": "1.2.3",
		"x-request-service": "svc", "Accept-Encoding": "gzip",
	}
	for h, v := range want {
		if got := r.Header.Get(h); got != v {
			t.Errorf("header %s = %q, want %q", h, got, v)
		}
	}
	if len(r.Header.Get("STATSIG-SERVER-SESSION-ID")) != 36 {
		t.Errorf("session id %q", r.Header.Get("STATSIG-SERVER-SESSION-ID"))
	}
	if ms, err := strconv.ParseInt(r.Header.Get("STATSIG-CLIENT-TIME"), 10, 64); err != nil ||
		time.Since(time.UnixMilli(ms)) > time.Minute {
		t.Errorf("client time %q", r.Header.Get("STATSIG-CLIENT-TIME"))
	}
	payload := s.Payload(standin.V2)
	rc, err := resp.Open()
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(rc)
	if !bytes.Equal(got, payload) || resp.Size() != int64(len(payload)) || resp.SHA256() != sha256.Sum256(payload) {
		t.Fatal("decoded body differs from the payload")
	}
	if resp.ContentEncoding != "gzip" || resp.WireBytes >= resp.Size() || resp.NoUpdates || resp.OnDisk() ||
		resp.Attempts != 1 {
		t.Fatalf("response %+v", resp)
	}

	// Up to date → has_updates:false.
	up, err := c.DownloadConfigSpecs(context.Background(), key, statsig.Since{Time: s.Time(standin.V2)}, false)
	if err != nil {
		t.Fatal(err)
	}
	defer mustClose(t, up)
	if !up.NoUpdates {
		t.Fatal("NoUpdates not detected")
	}
	// the same when the body is streamed to a consumer
	streamed, err := c.DownloadConfigSpecsStreaming(
		context.Background(),
		key,
		statsig.Since{Time: s.Time(standin.V2)},
		false,
		func(r io.Reader) error {
			_, err := io.Copy(io.Discard, r)
			return err
		},
	)
	if err != nil {
		t.Fatal(err)
	}
	defer mustClose(t, streamed)
	if !streamed.NoUpdates {
		t.Fatal("NoUpdates not detected on a streamed body")
	}
}

func TestRetries(t *testing.T) {
	tests := []struct {
		name       string
		fault      standin.Fault
		initial    bool
		requests   int
		ok         bool
		retryable  bool
		unauthoriz bool
	}{
		{name: "background recovers", fault: standin.Fault{Kind: standin.Status500, Times: 2}, requests: 3, ok: true},
		{
			name:      "background gives up after 3 retries",
			fault:     standin.Fault{Kind: standin.Status500, Times: 10},
			requests:  4,
			retryable: true,
		},
		{
			name:      "initial does not retry",
			fault:     standin.Fault{Kind: standin.Status500, Times: 1},
			initial:   true,
			requests:  1,
			retryable: true,
		},
		{name: "401 is retried", fault: standin.Fault{Kind: standin.Status401, Times: 1}, requests: 2, ok: true},
		{
			name:       "401 initial",
			fault:      standin.Fault{Kind: standin.Status401, Times: 1},
			initial:    true,
			requests:   1,
			retryable:  true,
			unauthoriz: true,
		},
		{name: "403 never retried", fault: standin.Fault{Kind: standin.Status403, Times: 1}, requests: 1, unauthoriz: true},
		{name: "400 never retried", fault: standin.Fault{Kind: standin.StatusCode, Status: 400, Times: 1}, requests: 1},
		{name: "405 never retried", fault: standin.Fault{Kind: standin.StatusCode, Status: 405, Times: 1}, requests: 1},
		{name: "413 never retried", fault: standin.Fault{Kind: standin.StatusCode, Status: 413, Times: 1}, requests: 1},
		{name: "429 never retried", fault: standin.Fault{Kind: standin.StatusCode, Status: 429, Times: 1}, requests: 1},
		{name: "501 never retried", fault: standin.Fault{Kind: standin.StatusCode, Status: 501, Times: 1}, requests: 1},
		{name: "truncated is retried", fault: standin.Fault{Kind: standin.Truncated, Times: 1}, requests: 2, ok: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newStandin(t)
			c := newClient(t, s, nil)
			if err := s.InjectFault(standin.RouteDCSV2, tc.fault); err != nil {
				t.Fatal(err)
			}
			resp, err := c.DownloadConfigSpecs(context.Background(), key, statsig.Since{}, tc.initial)
			noKey(t, err)
			if n := len(s.RequestsTo(standin.RouteDCSV2)); n != tc.requests {
				t.Errorf("%d requests, want %d", n, tc.requests)
			}
			if tc.ok {
				if err != nil {
					t.Fatal(err)
				}
				if resp.Attempts != tc.requests {
					t.Errorf("Attempts %d", resp.Attempts)
				}
				mustClose(t, resp)
				return
			}
			if _, ok := errors.AsType[*statsig.StatusError](err); !ok {
				t.Fatalf("want a StatusError, got %v", err)
			}
			if statsig.IsRetryable(err) != tc.retryable || statsig.IsUnauthorized(err) != tc.unauthoriz {
				t.Fatalf("retryable=%v unauthorized=%v for %v", statsig.IsRetryable(err), statsig.IsUnauthorized(err), err)
			}
		})
	}
}

func TestDownloadFailures(t *testing.T) {
	tests := []struct {
		name  string
		fault standin.Fault
		want  error
	}{
		{"hang", standin.Fault{Kind: standin.Timeout}, statsig.ErrTimeout},
		{"slow drip", standin.Fault{Kind: standin.SlowDrip, DripBytes: 64, DripInterval: 10 * time.Millisecond},
			statsig.ErrTimeout},
		{"truncated", standin.Fault{Kind: standin.Truncated}, statsig.ErrTruncated},
		{"html", standin.Fault{Kind: standin.WrongContentType}, statsig.ErrContentType},
		{"1 GiB body", standin.Fault{Kind: standin.HugeBody}, statsig.ErrBodyTooLarge},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newStandin(t)
			c := newClient(t, s, func(o *statsig.Options) {
				o.InitTimeout = 300 * time.Millisecond
				o.MaxBodySize = 4 << 20
				o.TempDir = t.TempDir()
			})
			tc.fault.Times = 1
			_ = s.InjectFault(standin.RouteDCSV2, tc.fault)
			start := time.Now()
			_, err := c.DownloadConfigSpecs(context.Background(), key, statsig.Since{}, true)
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			noKey(t, err)
			var se *statsig.Error
			if !errors.As(err, &se) || se.Op != "download_config_specs" {
				t.Fatalf("not a *statsig.Error: %#v", err)
			}
			if time.Since(start) > 5*time.Second {
				t.Fatalf("took %s", time.Since(start))
			}
		})
	}
}

func TestCorruptJSONIsTheCallersToJudge(t *testing.T) {
	s := newStandin(t)
	c := newClient(t, s, nil)
	_ = s.InjectFault(standin.RouteDCSV2, standin.Fault{Kind: standin.CorruptJSON, Times: 1})
	resp, err := c.DownloadConfigSpecs(context.Background(), key, statsig.Since{}, true)
	if err != nil {
		t.Fatal(err)
	}
	defer mustClose(t, resp)
	if resp.NoUpdates || resp.Size() == 0 {
		t.Fatalf("response %+v", resp)
	}
}

func TestFallbackToStatsigAPI(t *testing.T) {
	s := newStandin(t)
	custom := s.URL() + "/custom/download_config_specs" // 404 on the stand-in
	c := newClient(t, s, func(o *statsig.Options) {
		o.SpecsURL = custom
		o.FallbackToStatsigAPI = true
	})
	ctx := context.Background()
	resp, err := c.DownloadConfigSpecs(ctx, key, statsig.Since{}, true)
	if err != nil {
		t.Fatalf("initial sync with fallback: %v", err)
	}
	if !resp.FromFallback || resp.Attempts != 2 {
		t.Fatalf("response %+v", resp)
	}
	mustClose(t, resp)
	// Background: only every 5th consecutive failure falls back.
	for i := 1; i <= 4; i++ {
		_, err := c.DownloadConfigSpecs(ctx, key, statsig.Since{}, false)
		if err == nil {
			t.Fatalf("background sync %d succeeded without fallback", i)
		}
		noKey(t, err)
		if c.ConsecutiveFailures() != i {
			t.Fatalf("failures %d, want %d", c.ConsecutiveFailures(), i)
		}
	}
	before := len(s.RequestsTo(standin.RouteDCSV2))
	resp, err = c.DownloadConfigSpecs(ctx, key, statsig.Since{}, false)
	if err != nil || !resp.FromFallback {
		t.Fatalf("5th failure should fall back: %v", err)
	}
	mustClose(t, resp)
	if len(s.RequestsTo(standin.RouteDCSV2)) != before+1 || c.ConsecutiveFailures() != 0 {
		t.Fatalf("fallback requests %d, failures %d", len(s.RequestsTo(standin.RouteDCSV2))-before, c.ConsecutiveFailures())
	}

	// Without the option there is no fallback.
	c2 := newClient(t, s, func(o *statsig.Options) { o.SpecsURL = custom })
	if _, err := c2.DownloadConfigSpecs(ctx, key, statsig.Since{}, true); err == nil {
		t.Fatal("fallback without FallbackToStatsigAPI")
	}
}

func TestSpooling(t *testing.T) {
	big := bigPayload(3 << 20)
	tests := []struct {
		name    string
		payload []byte
		noDisk  bool
		onDisk  bool
	}{
		{"small in memory", []byte(`{"has_updates":true,"time":10,"feature_gates":{}}`), false, false},
		{"large on disk", big, false, true},
		{"large, disk disabled", big, true, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newStandin(t)
			if err := s.SetPayload(standin.V2, tc.payload); err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			c := newClient(t, s, func(o *statsig.Options) { o.TempDir, o.DisableDiskAccess = dir, tc.noDisk })
			resp, err := c.DownloadConfigSpecs(context.Background(), key, statsig.Since{}, true)
			if err != nil {
				t.Fatal(err)
			}
			if resp.OnDisk() != tc.onDisk {
				t.Fatalf("OnDisk %v", resp.OnDisk())
			}
			if ents, _ := readDir(dir); ents != 0 {
				t.Fatalf("spool file left visible in %s", dir)
			}
			want := s.Payload(standin.V2)
			for range 2 { // Open gives a fresh reader each time
				rc, err := resp.Open()
				if err != nil {
					t.Fatal(err)
				}
				got, _ := io.ReadAll(rc)
				mustClose(t, rc)
				if !bytes.Equal(got, want) {
					t.Fatalf("body differs (%d vs %d bytes)", len(got), len(want))
				}
			}
			if resp.SHA256() != sha256.Sum256(want) {
				t.Fatal("SHA256 differs")
			}
			mustClose(t, resp)
			if _, err := resp.Open(); !errors.Is(err, statsig.ErrClosed) {
				t.Fatalf("Open after Close: %v", err)
			}
		})
	}
}

func TestKeyNotInTransportErrors(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	mustClose(t, ln) // nothing listens: connection refused
	c, err := statsig.New(
		statsig.Options{
			SpecsURL:     "http://" + addr + "/v2/download_config_specs",
			IDListsURL:   "http://" + addr + "/v1/get_id_lists",
			LogEventURL:  "http://" + addr + "/v1/log_event",
			RetryBackoff: time.Millisecond,
		},
	)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	_, err = c.DownloadConfigSpecs(ctx, key, statsig.Since{}, false)
	if err == nil {
		t.Fatal("no error")
	}
	noKey(t, err)
	if !statsig.IsRetryable(err) {
		t.Fatalf("connection refused should be retryable: %v", err)
	}
	_, err = c.GetIDListManifest(ctx, key)
	noKey(t, err)
	noKey(t, c.PostLogEvent(ctx, key, []byte(`{"events":[]}`), "", 0, 0))
}

func TestCanceledContext(t *testing.T) {
	s := newStandin(t)
	c := newClient(t, s, nil)
	_ = s.InjectFault(standin.RouteDCSV2, standin.Fault{Kind: standin.Timeout})
	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(50 * time.Millisecond); cancel() }()
	_, err := c.DownloadConfigSpecs(ctx, key, statsig.Since{}, false)
	if err == nil || statsig.IsRetryable(err) || errors.Is(err, statsig.ErrTimeout) {
		t.Fatalf("cancel: %v", err)
	}
	if n := len(s.RequestsTo(standin.RouteDCSV2)); n != 1 {
		t.Fatalf("%d requests after cancel", n)
	}
}
