package endpoint

import (
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/statsig-operator/statsig-operator/evaluator"
	"github.com/statsig-operator/statsig-operator/serving"
)

// TestGroupNameNotCarriedOver: a result that fell through to the default rule names no group
// in any API answer (Statsig's HTTP API: group_name is null unless a rule matched), while a
// matched experiment group still does.
func TestGroupNameNotCarriedOver(t *testing.T) {
	// The evaluator's minimal reproduction: every gn_* spec but gn_inner and gn_exp_group passes
	// gn_inner (group "InnerGroup") and falls through to its default.
	raw, err := os.ReadFile(filepath.Join("..", "evaluator", "testdata", "group_name_dcs.json"))
	if err != nil {
		t.Fatal(err)
	}
	ev, pl, err := LoadPayload(raw, evaluator.Options{})
	if err != nil {
		t.Fatal(err)
	}
	reg := serving.NewRegistry()
	p := &serving.Project{Name: "gn", Revision: pl.SHA256[:12], Evaluator: ev, Payload: pl}
	p.SetKeys(scopedKeys(testKey)...)
	reg.Set(p)
	srv, err := NewServer(Options{Registry: reg, MaxBodyBytes: 64 << 10, Metrics: prometheus.NewRegistry()})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	env := &testEnv{reg: reg, srv: srv, http: hs}
	const user = `"user":{"userID":"u1"},"statsigMetadata":{"exposureLoggingDisabled":true}`
	ctx := `{"context":{"targetingKey":"u1"}}`
	tests := []struct {
		name, path, body string
		want             []string // substrings of the answer
	}{
		{"check_gate", "/v1/check_gate", `{"gateName":"gn_outer",` + user + `}`,
			[]string{`"rule_id":"default"`, `"group_name":null`}},
		{"get_config config", "/v1/get_config", `{"configName":"gn_config",` + user + `}`,
			[]string{`"rule_id":"default"`, `"group_name":null`}},
		{"get_config experiment", "/v1/get_config", `{"configName":"gn_exp",` + user + `}`,
			[]string{`"group_name":null`}},
		{"get_experiment", "/v1/get_experiment", `{"experimentName":"gn_exp",` + user + `}`,
			[]string{`"rule_id":"default"`}},
		{"get_layer", "/v1/get_layer", `{"layerName":"gn_layer",` + user + `}`, []string{`"default"`}},
		{"get_layer delegated", "/v1/get_layer", `{"layerName":"gn_layer_del",` + user + `}`,
			[]string{`"allocatedExperimentName":"gn_exp"`}},
		{"client initialize", "/v1/get_client_initialize_response", `{"hash":"none",` + user + `}`,
			[]string{`"gn_exp"`, `"group_name":"Control"`}},
		{"ofrep config", "/ofrep/v1/evaluate/flags/gn_config", ctx,
			[]string{`"variant":"default"`, `"reason":"DEFAULT"`}},
		{"ofrep experiment", "/ofrep/v1/evaluate/flags/gn_exp", ctx, []string{`"variant":"default"`}},
		{"ofrep layer", "/ofrep/v1/evaluate/flags/gn_layer", ctx, []string{`"variant":"default"`}},
		{"ofrep bulk", "/ofrep/v1/evaluate/flags", ctx, []string{`"variant":"Control"`}},
		{"matched group", "/v1/get_config", `{"configName":"gn_exp_group",` + user + `}`,
			[]string{`"group_name":"Control"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := env.do(t, "POST", tt.path, tt.body, "statsig-api-key", testKey, "Authorization", "Bearer "+testKey)
			body := string(res.body)
			if res.status != 200 {
				t.Fatalf("status %d: %s", res.status, body)
			}
			if strings.Contains(body, "InnerGroup") {
				t.Errorf("a nested gate's group name leaked: %s", body)
			}
			for _, w := range tt.want {
				if !strings.Contains(body, w) {
					t.Errorf("answer lacks %s: %s", w, body)
				}
			}
		})
	}
}
