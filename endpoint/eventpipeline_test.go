package endpoint

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/statsig-operator/statsig-operator/evaluator"
	"github.com/statsig-operator/statsig-operator/serving"
)

// TestEventPipeline sends custom events and exposures through the endpoint, the eventlog
// adapter and the real sender to the Statsig stand-in: N events in, exactly N delivered,
// private attributes never leave, repeated exposures are deduped.
func TestEventPipeline(t *testing.T) {
	st, sink := standinSink(t, false)
	env := newTestEnv(t, sink)

	const batches, perBatch = 10, 50
	for b := range batches {
		events := make([]string, 0, perBatch)
		for i := range perBatch {
			events = append(events,
				fmt.Sprintf(`{"eventName":"purchase","value":%d,"metadata":{"sku":"s%d"}}`, b*perBatch+i, i))
		}
		body := `{"user":{"userID":"buyer","privateAttributes":{"ssn":"123-45-6789"}},` +
			`"events":[` + strings.Join(events, ",") + `]}`
		res := env.do(t, "POST", "/v1/log_event", body, "statsig-api-key", testKey)
		if res.status != 202 || string(res.body) != `{"success":true}` {
			t.Fatalf("log_event = %d %s", res.status, res.body)
		}
	}
	const users = 20
	for i := range users {
		for range 3 { // repeats are deduped
			body := fmt.Sprintf(`{"gateName":"test_public","user":{"userID":"exposed-%d"}}`, i)
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
	custom, exposures := 0, 0
	for _, ev := range st.Events() {
		switch ev.EventName {
		case "purchase":
			custom++
			if strings.Contains(string(ev.Raw), "ssn") || strings.Contains(string(ev.Raw), "privateAttributes") {
				t.Fatalf("private attributes delivered: %s", ev.Raw)
			}
		case "statsig::gate_exposure":
			exposures++
		}
	}
	if custom != batches*perBatch {
		t.Errorf("%d custom events delivered, want exactly %d", custom, batches*perBatch)
	}
	if exposures != users {
		t.Errorf("%d gate exposures delivered, want exactly %d (one per user after dedupe)", exposures, users)
	}
}

// TestLoggedUserCarriesEnvironmentAndGlobalCustom checks what every event's user is, as
// Server Core logs it: the project's environment tier and global custom fields are added,
// private attributes and non-Statsig fields are dropped, for exposures and custom events alike.
func TestLoggedUserCarriesEnvironmentAndGlobalCustom(t *testing.T) {
	st, sink := standinSink(t, false)
	ev, pl, err := LoadPayload(readFixture(t, "server-core/eval_proj_dcs.json"),
		evaluator.Options{Environment: "staging", GlobalCustomFields: map[string]any{"region": "eu", "x": 0}})
	if err != nil {
		t.Fatal(err)
	}
	p := &serving.Project{Name: "staging", Revision: "r", Evaluator: ev, Payload: pl, Events: sink}
	p.SetKeys(scopedKeys(testKey)...)
	reg := serving.NewRegistry()
	reg.Set(p)
	srv, err := NewServer(Options{Registry: reg})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	env := &testEnv{reg: reg, srv: srv, http: hs}
	user := `{"userID":"a","custom":{"x":1},"privateAttributes":{"ssn":"1"},"favouriteColour":"red"}`
	if res := env.do(t, "POST", "/v1/check_gate", `{"gateName":"test_public","user":`+user+`}`,
		"statsig-api-key", testKey); res.status != 200 {
		t.Fatalf("check_gate = %d %s", res.status, res.body)
	}
	if res := env.do(t, "POST", "/v1/log_event", `{"user":`+user+`,"events":[{"eventName":"e"}]}`,
		"statsig-api-key", testKey); res.status != 202 {
		t.Fatalf("log_event = %d %s", res.status, res.body)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := sink.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"userID": "a", "custom": map[string]any{"region": "eu", "x": 1.0},
		"statsigEnvironment": map[string]any{"tier": "staging"},
	}
	events := st.Events()
	if len(events) != 2 {
		t.Fatalf("%d events delivered, want 2", len(events))
	}
	for _, e := range events {
		var got struct {
			User map[string]any `json:"user"`
		}
		if err := json.Unmarshal(e.Raw, &got); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got.User, want) {
			t.Errorf("%s: user %v, want %v", e.EventName, got.User, want)
		}
	}
}
