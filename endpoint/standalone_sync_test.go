package endpoint

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/statsig-operator/statsig-operator/serving"
	"github.com/statsig-operator/statsig-operator/test/standin"
)

// serve --specs-url: a gate flipped in the stand-in reaches an open event stream and the
// next bulk evaluation.
func TestStandaloneSpecsURLPushes(t *testing.T) {
	st := standin.New(standin.Options{})
	if err := st.SetPayload(standin.V2, readFixture(t, "server-core/eval_proj_dcs.json")); err != nil {
		t.Fatal(err)
	}
	if err := st.Start(); err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	addrFile := filepath.Join(t.TempDir(), "addr")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- RunStandalone(ctx, StandaloneOptions{
			SpecsURL: st.SpecsURL(standin.V2), SyncInterval: 50 * time.Millisecond,
			Listen: "127.0.0.1:0", Keys: []string{testKey}, ClientKeys: []string{clientKey},
			DisableLogging: true, AddrFile: addrFile,
		})
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("RunStandalone = %v", err)
		}
	}()
	var base string
	for deadline := time.Now().Add(10 * time.Second); base == ""; time.Sleep(20 * time.Millisecond) {
		if b, err := os.ReadFile(addrFile); err == nil && len(b) > 0 {
			base = "http://" + string(b)
		} else if time.Now().After(deadline) {
			t.Fatal("standalone never listened")
		}
	}
	gate := func() string {
		req, _ := http.NewRequest("POST", base+"/ofrep/v1/evaluate/flags/test_public",
			strings.NewReader(`{"context":{"targetingKey":"u1"}}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-API-Key", clientKey)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = res.Body.Close() }()
		var b strings.Builder
		_, _ = io.Copy(&b, res.Body)
		return b.String()
	}
	before := gate()
	s, res := openStream(t, http.DefaultClient, base, serving.StreamToken(clientKey), "")
	if s == nil {
		t.Fatalf("stream = %d", res.StatusCode)
	}
	defer s.close()
	if err := st.SetGate("test_public", 0); err != nil {
		t.Fatal(err)
	}
	ev, ok := s.next(t, true, 10*time.Second)
	if !ok {
		t.Fatal("no event after the gate flipped in the stand-in")
	}
	refetchOf(t, ev)
	if after := gate(); after == before || !strings.Contains(after, `"value":false`) {
		t.Fatalf("gate before %s, after %s", before, after)
	}
}
