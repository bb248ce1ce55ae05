package standin_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"testing"

	"github.com/klauspost/compress/zstd"
)

func TestLogEvent(t *testing.T) {
	batch := []byte(`{"events":[` +
		`{"eventName":"statsig::gate_exposure","value":null,"metadata":{"gate":"g","gateValue":"true"},` +
		`"user":{"userID":"u1"},"time":1795392063951,"secondaryExposures":[]},` +
		`{"eventName":"custom","value":3,"metadata":null,"user":{"userID":"u2"},"time":1}],` +
		`"statsigMetadata":{"sdkType":"statsig-operator"}}`)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	if _, err := zw.Write(batch); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	ze, _ := zstd.NewWriter(nil)
	zs := ze.EncodeAll(batch, nil)
	tests := []struct {
		name string
		enc  string
		body []byte
		code int
	}{
		{"plain", "", batch, 202},
		{"gzip", "gzip", gz.Bytes(), 202},
		{"zstd", "zstd", zs, 202},
		{"gzip sniffed", "", gz.Bytes(), 202},
		{"bad gzip", "gzip", []byte("not gzip"), 400},
		{"not json", "", []byte("nope"), 400},
		{"no events", "", []byte(`{"statsigMetadata":{}}`), 400},
		{"unknown encoding", "br", batch, 400},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := start(t)
			hdr := map[string]string{
				"STATSIG-API-KEY":     key,
				"statsig-event-count": "2",
				"statsig-retry-count": "1",
				"Content-Type":        "application/json",
			}
			if tc.enc != "" {
				hdr["Content-Encoding"] = tc.enc
			}
			code, _, b := do(t, "POST", s.LogEventURL(), hdr, tc.body)
			if code != tc.code {
				t.Fatalf("status %d, want %d: %s", code, tc.code, b)
			}
			if code != 202 {
				if s.EventCount() != 0 {
					t.Fatal("events recorded from a rejected request")
				}
				return
			}
			if string(b) != `{"success":true}` {
				t.Fatalf("answer %s", b)
			}
			evs := s.Events()
			if len(evs) != 2 || s.EventCount() != 2 || evs[0].EventName != "statsig::gate_exposure" ||
				evs[0].Metadata["gate"] != "g" ||
				evs[1].User["userID"] != "u2" ||
				evs[0].Time.String() != "1795392063951" {
				t.Fatalf("events %+v", evs)
			}
			bs := s.LogEventBatches()
			if len(bs) != 1 || bs[0].EventCount != 2 || bs[0].RetryCount != 1 ||
				bs[0].StatsigMetadata["sdkType"] != "statsig-operator" {
				t.Fatalf("batches %+v", bs)
			}
			code, _, b = do(t, "GET", s.URL()+"/_standin/events", nil, nil)
			var raw []json.RawMessage
			if code != 200 || json.Unmarshal(b, &raw) != nil || len(raw) != 2 {
				t.Fatalf("control events: %d %s", code, b)
			}
		})
	}
}

func TestLogEventNeedsKey(t *testing.T) {
	s := start(t)
	hdr := map[string]string{"STATSIG-API-KEY": "secret-wrong"}
	if code, _, _ := do(t, "POST", s.LogEventURL(), hdr, []byte(`{"events":[]}`)); code != 401 {
		t.Fatalf("status %d, want 401", code)
	}
}
