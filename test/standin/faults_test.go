package standin_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/statsig-operator/statsig-operator/test/standin"
)

func TestFaults(t *testing.T) {
	tests := []struct {
		name  string
		fault standin.Fault
		check func(t *testing.T, resp *http.Response, err error)
	}{
		{"500", standin.Fault{Kind: standin.Status500}, wantStatus(500)},
		{"401", standin.Fault{Kind: standin.Status401}, wantStatus(401)},
		{"403", standin.Fault{Kind: standin.Status403}, wantStatus(403)},
		{"429", standin.Fault{Kind: standin.StatusCode, Status: 429}, wantStatus(429)},
		{"timeout", standin.Fault{Kind: standin.Timeout}, func(t *testing.T, resp *http.Response, err error) {
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("want a client timeout, got resp=%v err=%v", resp, err)
			}
		}},
		{
			"slow drip",
			standin.Fault{Kind: standin.SlowDrip, DripBytes: 4, DripInterval: 20 * time.Millisecond},
			func(t *testing.T, resp *http.Response, err error) {
				if err != nil {
					t.Fatal(err)
				}
				b, err := io.ReadAll(resp.Body)
				if !errors.Is(err, context.DeadlineExceeded) || len(b) == 0 || len(b) > 200 {
					t.Fatalf("want a few bytes then a timeout, got %d bytes, %v", len(b), err)
				}
			},
		},
		{"truncated", standin.Fault{Kind: standin.Truncated}, func(t *testing.T, resp *http.Response, err error) {
			if err != nil {
				t.Fatal(err)
			}
			b, err := io.ReadAll(resp.Body)
			if !errors.Is(err, io.ErrUnexpectedEOF) || int64(len(b)) >= resp.ContentLength {
				t.Fatalf("want a short body, got %d of %d bytes, %v", len(b), resp.ContentLength, err)
			}
		}},
		{"corrupt json", standin.Fault{Kind: standin.CorruptJSON}, func(t *testing.T, resp *http.Response, err error) {
			b := body200(t, resp, err)
			if json.Valid(b) || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
				t.Fatalf("want invalid JSON labelled JSON: %s", b)
			}
		}},
		{
			"wrong content type",
			standin.Fault{Kind: standin.WrongContentType},
			func(t *testing.T, resp *http.Response, err error) {
				b := body200(t, resp, err)
				if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || !strings.Contains(string(b), "<html>") {
					t.Fatalf("want an HTML page, got %q %s", resp.Header.Get("Content-Type"), b)
				}
			},
		},
		{
			"huge body",
			standin.Fault{Kind: standin.HugeBody, HugeSize: 8 << 20},
			func(t *testing.T, resp *http.Response, err error) {
				if err != nil {
					t.Fatal(err)
				}
				n, err := io.Copy(io.Discard, resp.Body)
				if err != nil || n != 8<<20 {
					t.Fatalf("want 8 MiB, got %d, %v", n, err)
				}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := start(t)
			tc.fault.Times = 1
			if err := s.InjectFault(standin.RouteDCSV2, tc.fault); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			defer cancel()
			req, _ := http.NewRequestWithContext(ctx, "GET", s.SpecsURL(standin.V2)+"/"+key+".json", nil)
			resp, err := http.DefaultTransport.RoundTrip(req)
			if resp != nil {
				defer func() { _ = resp.Body.Close() }()
			}
			tc.check(t, resp, err)
			// Times: 1 → the next request is served normally.
			if code, _, _ := do(t, "GET", s.SpecsURL(standin.V2)+"/"+key+".json", nil, nil); code != 200 {
				t.Fatalf("after the fault: status %d", code)
			}
			if s.Stats().FaultsServed[string(tc.fault.Kind)] != 1 {
				t.Fatalf("faults served %v", s.Stats().FaultsServed)
			}
		})
	}
}

func TestFaultRoutingAndCounts(t *testing.T) {
	s := start(t)
	if err := s.InjectFault(standin.RouteAll, standin.Fault{Kind: standin.Status500, Times: 2}); err != nil {
		t.Fatal(err)
	}
	if err := s.InjectFault(standin.RouteLogEvent, standin.Fault{Kind: standin.Status403, Times: 1}); err != nil {
		t.Fatal(err)
	}
	if err := s.InjectFault(standin.RouteDCSV2, standin.Fault{Kind: "bogus"}); err == nil {
		t.Fatal("unknown fault kind accepted")
	}
	dcs := s.SpecsURL(standin.V2) + "/" + key + ".json"
	steps := []struct {
		url  string
		code int
	}{
		{s.LogEventURL(), 403}, // route fault first
		{dcs, 500},
		{s.LogEventURL(), 500},
		{dcs, 200},
	}
	for i, st := range steps {
		method := "GET"
		if st.url == s.LogEventURL() {
			method = "POST"
		}
		code, _, _ := do(t, method, st.url, map[string]string{"STATSIG-API-KEY": key}, []byte(`{"events":[]}`))
		if code != st.code {
			t.Fatalf("step %d: status %d, want %d", i, code, st.code)
		}
	}
	// Unlimited faults last until cleared; the control API clears them.
	if code, _, b := do(t, "POST", s.URL()+"/_standin/fault?route=dcs_v2&kind=500", nil, nil); code != 200 {
		t.Fatalf("control fault: %d %s", code, b)
	}
	for range 3 {
		if code, _, _ := do(t, "GET", dcs, nil, nil); code != 500 {
			t.Fatalf("status %d, want 500", code)
		}
	}
	do(t, "DELETE", s.URL()+"/_standin/fault", nil, nil)
	if code, _, _ := do(t, "GET", dcs, nil, nil); code != 200 {
		t.Fatalf("after clearing: %d", code)
	}
}

func TestHangingRequestEndsOnClose(t *testing.T) {
	s := start(t)
	_ = s.InjectFault(standin.RouteAll, standin.Fault{Kind: standin.Timeout})
	done := make(chan error, 1)
	go func() {
		resp, err := http.Get(s.SpecsURL(standin.V2) + "/" + key + ".json")
		if err == nil {
			_ = resp.Body.Close()
		}
		done <- err
	}()
	time.Sleep(50 * time.Millisecond)
	s.Close()
	select {
	case err := <-done:
		t.Logf("hanging request ended by Close: %v", err)
	case <-time.After(3 * time.Second):
		t.Fatal("hanging request survived Close")
	}
}

func wantStatus(code int) func(*testing.T, *http.Response, error) {
	return func(t *testing.T, resp *http.Response, err error) {
		if err != nil || resp.StatusCode != code {
			t.Fatalf("want status %d, got %v %v", code, resp, err)
		}
	}
}

func body200(t *testing.T, resp *http.Response, err error) []byte {
	t.Helper()
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("want 200, got %v %v", resp, err)
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
