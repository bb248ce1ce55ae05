package endpoint

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/statsig-operator/statsig-operator/evaluator"
	"github.com/statsig-operator/statsig-operator/serving"
)

// groupNamePayload: every "gn_*" spec but gn_group passes gn_inner (a rule with group name
// "InnerGroup") and then falls through to its default, which has no group (issue 16, item 5).
const groupNamePayload = `{"has_updates":true,"time":1731000000000,
"condition_map":{
 "pub":{"type":"public","idType":"userID"},
 "inner":{"type":"pass_gate","targetValue":"gn_inner","idType":"userID"},
 "nobody":{"type":"user_field","field":"userID","operator":"any","targetValue":["nobody"],"idType":"userID"}},
"feature_gates":{
 "gn_inner":{"type":"feature_gate","salt":"s1","enabled":true,"defaultValue":false,"idType":"userID","entity":"feature_gate",
  "rules":[{"name":"r1","id":"r1","salt":"r1","groupName":"InnerGroup","passPercentage":100,"conditions":["pub"],"returnValue":true,"idType":"userID"}]},
 "gn_gate":{"type":"feature_gate","salt":"s2","enabled":true,"defaultValue":false,"idType":"userID","entity":"feature_gate",
  "rules":[{"name":"r2","id":"r2","salt":"r2","groupName":"G","passPercentage":100,"conditions":["inner","nobody"],"returnValue":true,"idType":"userID"}]}},
"dynamic_configs":{
 "gn_config":{"type":"dynamic_config","salt":"s3","enabled":true,"defaultValue":{"a":1},"idType":"userID","entity":"dynamic_config",
  "rules":[{"name":"r3","id":"r3","salt":"r3","groupName":"C","passPercentage":100,"conditions":["inner","nobody"],"returnValue":{"a":2},"idType":"userID"}]},
 "gn_exp":{"type":"dynamic_config","salt":"s4","enabled":true,"defaultValue":{"a":1},"idType":"userID","entity":"experiment","isActive":true,
  "rules":[{"name":"r4","id":"r4","salt":"r4","groupName":"Test","passPercentage":100,"conditions":["inner","nobody"],"returnValue":{"a":2},"idType":"userID","isExperimentGroup":true}]},
 "gn_group":{"type":"dynamic_config","salt":"s5","enabled":true,"defaultValue":{"a":1},"idType":"userID","entity":"experiment","isActive":true,
  "rules":[{"name":"r5","id":"r5","salt":"r5","groupName":"Control","passPercentage":100,"conditions":["inner"],"returnValue":{"a":3},"idType":"userID","isExperimentGroup":true}]}},
"layer_configs":{
 "gn_layer":{"type":"dynamic_config","salt":"s6","enabled":true,"defaultValue":{"a":1},"idType":"userID","entity":"layer",
  "rules":[{"name":"r6","id":"r6","salt":"r6","groupName":"L","passPercentage":100,"conditions":["inner","nobody"],"returnValue":{"a":2},"idType":"userID"}]}}}`

// TestGroupNameNotCarriedOver: a result that fell through to the default rule names no group
// in any API answer (Statsig's HTTP API: group_name is null unless a rule matched), while a
// matched experiment group still does.
func TestGroupNameNotCarriedOver(t *testing.T) {
	ev, pl, err := LoadPayload([]byte(groupNamePayload), evaluator.Options{})
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
		{"check_gate", "/v1/check_gate", `{"gateName":"gn_gate",` + user + `}`, []string{`"rule_id":"default"`, `"group_name":null`}},
		{"get_config config", "/v1/get_config", `{"configName":"gn_config",` + user + `}`, []string{`"rule_id":"default"`, `"group_name":null`}},
		{"get_config experiment", "/v1/get_config", `{"configName":"gn_exp",` + user + `}`, []string{`"group_name":null`}},
		{"get_experiment", "/v1/get_experiment", `{"experimentName":"gn_exp",` + user + `}`, []string{`"rule_id":"default"`}},
		{"get_layer", "/v1/get_layer", `{"layerName":"gn_layer",` + user + `}`, []string{`"default"`}},
		{"client initialize", "/v1/get_client_initialize_response", `{"hash":"none",` + user + `}`, []string{`"gn_exp"`, `"group_name":"Control"`}},
		{"ofrep config", "/ofrep/v1/evaluate/flags/gn_config", ctx, []string{`"variant":"default"`, `"reason":"DEFAULT"`}},
		{"ofrep experiment", "/ofrep/v1/evaluate/flags/gn_exp", ctx, []string{`"variant":"default"`}},
		{"ofrep layer", "/ofrep/v1/evaluate/flags/gn_layer", ctx, []string{`"variant":"default"`}},
		{"ofrep bulk", "/ofrep/v1/evaluate/flags", ctx, []string{`"variant":"Control"`}},
		{"matched group", "/v1/get_config", `{"configName":"gn_group",` + user + `}`, []string{`"group_name":"Control"`}},
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
