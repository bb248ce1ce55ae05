package standin_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"testing"

	"github.com/statsig-operator/statsig-operator/test/standin"
)

func TestDCS(t *testing.T) {
	s := start(t)
	t2, t1 := s.Time(standin.V2), s.Time(standin.V1)
	cs := string(topLevel(t, s.Payload(standin.V2))["checksum"])
	var checksum string
	_ = json.Unmarshal([]byte(cs), &checksum)
	if t2 == 0 || t1 == 0 || checksum == "" {
		t.Fatalf("payload index: time v2=%d v1=%d checksum=%q", t2, t1, checksum)
	}
	v2 := s.SpecsURL(standin.V2) + "/" + key + ".json"
	v1 := s.SpecsURL(standin.V1) + "/" + key + ".json"
	tests := []struct {
		name     string
		method   string
		url      string
		hdr      map[string]string
		body     string
		code     int
		noUpdate bool
		time     int64
	}{
		{name: "v2 full", method: "GET", url: v2, code: 200, time: t2},
		{name: "v2 older since", method: "GET", url: v2 + "?sinceTime=" + strconv.FormatInt(t2-1, 10), code: 200, time: t2},
		{
			name:     "v2 current since",
			method:   "GET",
			url:      v2 + "?sinceTime=" + strconv.FormatInt(t2, 10),
			code:     200,
			noUpdate: true,
		},
		{name: "v2 same checksum", method: "GET", url: v2 + "?checksum=" + checksum, code: 200, noUpdate: true},
		{name: "v1 full", method: "GET", url: v1, code: 200, time: t1},
		{
			name:   "v1 header key",
			method: "GET",
			url:    s.SpecsURL(standin.V1),
			hdr:    map[string]string{"STATSIG-API-KEY": key},
			code:   200,
			time:   t1,
		},
		{
			name:     "v1 POST since in body",
			method:   "POST",
			url:      s.SpecsURL(standin.V1),
			hdr:      map[string]string{"STATSIG-API-KEY": key},
			body:     `{"sinceTime":` + strconv.FormatInt(t1, 10) + `}`,
			code:     200,
			noUpdate: true,
		},
		{name: "unknown key", method: "GET", url: s.SpecsURL(standin.V2) + "/secret-other.json", code: 401},
		{name: "forbidden key", method: "GET", url: s.SpecsURL(standin.V2) + "/secret-forbidden.json", code: 403},
		{name: "no key", method: "GET", url: s.SpecsURL(standin.V1), code: 401},
		{name: "unknown path", method: "GET", url: s.URL() + "/v3/nothing", code: 404},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, _, b := do(t, tc.method, tc.url, tc.hdr, []byte(tc.body))
			if code != tc.code {
				t.Fatalf("status %d, want %d: %.200s", code, tc.code, b)
			}
			if code != 200 {
				return
			}
			m := topLevel(t, b)
			if got := string(m["has_updates"]); (got == "false") != tc.noUpdate {
				t.Fatalf("has_updates %s, want no-update=%v", got, tc.noUpdate)
			}
			if tc.time != 0 && string(m["time"]) != strconv.FormatInt(tc.time, 10) {
				t.Fatalf("time %s, want %d", m["time"], tc.time)
			}
		})
	}
}

func TestBumpChangesTimeAndChecksum(t *testing.T) {
	s := start(t)
	before := topLevel(t, s.Payload(standin.V2))
	t0 := s.Time(standin.V2)
	if got := s.Bump(); got != t0+1000 {
		t.Fatalf("Bump() = %d, want %d", got, t0+1000)
	}
	code, _, b := do(t, "GET", s.SpecsURL(standin.V2)+"/"+key+".json?sinceTime="+strconv.FormatInt(t0, 10), nil, nil)
	after := topLevel(t, b)
	if code != 200 || string(after["time"]) != strconv.FormatInt(t0+1000, 10) {
		t.Fatalf("after bump: %d time=%s", code, after["time"])
	}
	if bytes.Equal(after["checksum"], before["checksum"]) {
		t.Fatalf("checksum unchanged after bump: %s", after["checksum"])
	}
	if !bytes.Equal(after["feature_gates"], before["feature_gates"]) {
		t.Fatal("bump changed more than time and checksum")
	}
	// The control API bumps too.
	if code, _, b := do(t, "POST", s.URL()+"/_standin/bump", nil, nil); code != 200 ||
		!bytes.Contains(b, []byte(strconv.FormatInt(t0+2000, 10))) {
		t.Fatalf("control bump: %d %s", code, b)
	}
}

func TestSetPayloadMovesTimeForward(t *testing.T) {
	s := start(t)
	t0 := s.Time(standin.V2)
	if err := s.SetPayload(standin.V2, fixture(t, "server-core/dcs_with_checksum.json")); err != nil {
		t.Fatal(err)
	}
	if got := s.Time(standin.V2); got < t0+1000 {
		t.Fatalf("time %d after replacing the payload, want ≥ %d", got, t0+1000)
	}
	for _, bad := range []string{``, `[]`, `{"feature_gates":{}}`, `{"time":"x"}`, `{"time":1`} {
		if err := s.SetPayload(standin.V2, []byte(bad)); err == nil {
			t.Errorf("SetPayload(%q) succeeded", bad)
		}
	}
}

func TestGzipWhenAccepted(t *testing.T) {
	s := start(t)
	file := s.SpecsURL(standin.V2) + "/" + key + ".json"
	code, h, b := do(t, "GET", file, map[string]string{"Accept-Encoding": "br, gzip"}, nil)
	if code != 200 || h.Get("Content-Encoding") != "gzip" {
		t.Fatalf("status %d encoding %q", code, h.Get("Content-Encoding"))
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	plain, err := io.ReadAll(zr)
	if err != nil || !bytes.Equal(plain, s.Payload(standin.V2)) {
		t.Fatalf("gzip body does not decode to the payload: %v", err)
	}
	if st := s.Stats(); st.FullPayloads["v2"] != 1 || st.Requests["dcs_v2"] != 1 {
		t.Fatalf("stats %+v", st)
	}
	if reqs := s.RequestsTo(standin.RouteDCSV2); len(reqs) != 1 || reqs[0].Header.Get("Accept-Encoding") != "br, gzip" ||
		reqs[0].Method != http.MethodGet {
		t.Fatalf("request log %+v", reqs)
	}
}
