package endpoint

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"reflect"
	"testing"
	"time"

	"github.com/statsig-operator/statsig-operator/serving"
)

// TestExposureSamplingOnTheWire: check_gate through the endpoint, the sink and the real
// sender with sdk_configs sampling_mode "on" (docs/semantics.md §4.4). The users and the
// two sampled ones are those @statsig/statsig-node-core 0.23.2 chose for the same calls
// (eventlog/testdata/nodecore/sampling.txt).
func TestExposureSamplingOnTheWire(t *testing.T) {
	st, sink := standinSink(t, false)
	reg := serving.NewRegistry()
	reg.Set(loadProject(t, "sampling", "server-core/dcs_with_sampling.json", sink, testKey))
	srv, err := NewServer(Options{Registry: reg})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	env := &testEnv{reg: reg, srv: srv, http: hs}

	users := 0
	for i := range 2000 {
		if i%3 == 1 || i%5 == 2 { // the Node run gave these users custom IDs
			continue
		}
		users++
		for _, gate := range []string{"test_rule_sampling", "test_forward_all_exposures"} {
			body := fmt.Sprintf(`{"gateName":%q,"user":{"userID":"sa_u%d"}}`, gate, i)
			if res := env.do(t, "POST", "/v1/check_gate", body, "statsig-api-key", testKey); res.status != 200 {
				t.Fatalf("check_gate = %d %s", res.status, res.body)
			}
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := sink.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	sampled := map[string]map[string]any{}
	forwarded := 0
	for _, e := range st.Events() {
		var got struct {
			User            struct{ UserID string } `json:"user"`
			Metadata        map[string]string       `json:"metadata"`
			StatsigMetadata map[string]any          `json:"statsigMetadata"`
		}
		if err := json.Unmarshal(e.Raw, &got); err != nil {
			t.Fatal(err)
		}
		switch got.Metadata["gate"] {
		case "test_rule_sampling":
			sampled[got.User.UserID] = got.StatsigMetadata
		case "test_forward_all_exposures":
			forwarded++
			if len(got.StatsigMetadata) != 0 {
				t.Errorf("forwardAllExposures exposure has statsigMetadata %v", got.StatsigMetadata)
			}
		}
	}
	if forwarded != users {
		t.Errorf("%d forwardAllExposures exposures, want all %d", forwarded, users)
	}
	on := map[string]any{"samplingMode": "on", "samplingRate": 201.0, "shadowLogged": "logged"}
	want := map[string]map[string]any{
		"sa_u0":    {}, // the first of its (spec, rule): logged without sampling
		"sa_u534":  on, // sampled at 201
		"sa_u1196": on,
	}
	if !reflect.DeepEqual(sampled, want) {
		t.Errorf("test_rule_sampling exposures logged %v, want %v", sampled, want)
	}
}
