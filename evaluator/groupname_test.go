package evaluator

import (
	"strings"
	"testing"
)

// groupNamePayload reproduces the group-name carry-over (issue 16, item 5): every outer rule
// passes gn_inner, whose rule has a group name, then fails on userID, so the result falls
// through to the default (or disabled) rule with "InnerGroup" left in the shared result.
const groupNamePayload = `{"has_updates":true,"time":1731000000000,"response_format":"dcs-v2",
"condition_map":{
 "pub":{"type":"public","idType":"userID"},
 "inner":{"type":"pass_gate","targetValue":"gn_inner","idType":"userID"},
 "nobody":{"type":"user_field","field":"userID","operator":"any","targetValue":["nobody"],"idType":"userID"}},
"feature_gates":{
 "gn_inner":{"type":"feature_gate","salt":"s1","enabled":true,"defaultValue":false,"idType":"userID","entity":"feature_gate",
  "rules":[{"name":"innerRule","id":"innerRule","salt":"innerRule","groupName":"InnerGroup","passPercentage":100,"conditions":["pub"],"returnValue":true,"idType":"userID"}]},
 "gn_outer":{"type":"feature_gate","salt":"s2","enabled":true,"defaultValue":false,"idType":"userID","entity":"feature_gate",
  "rules":[{"name":"outerRule","id":"outerRule","salt":"outerRule","groupName":"OuterGroup","passPercentage":100,"conditions":["inner","nobody"],"returnValue":true,"idType":"userID"}]}},
"dynamic_configs":{
 "gn_config":{"type":"dynamic_config","salt":"s3","enabled":true,"defaultValue":{"a":1},"idType":"userID","entity":"dynamic_config",
  "rules":[{"name":"cfgRule","id":"cfgRule","salt":"cfgRule","groupName":"CfgGroup","passPercentage":100,"conditions":["inner","nobody"],"returnValue":{"a":2},"idType":"userID"}]},
 "gn_exp":{"type":"dynamic_config","salt":"s4","enabled":true,"defaultValue":{"a":1},"idType":"userID","entity":"experiment","isActive":true,
  "rules":[{"name":"expRule","id":"expRule","salt":"expRule","groupName":"Test","passPercentage":100,"conditions":["inner","nobody"],"returnValue":{"a":2},"idType":"userID","isExperimentGroup":true}]},
 "gn_exp_disabled":{"type":"dynamic_config","salt":"s5","enabled":false,"defaultValue":{"a":1},"idType":"userID","entity":"experiment","isActive":true,
  "rules":[{"name":"expRule2","id":"expRule2","salt":"expRule2","groupName":"Test","passPercentage":100,"conditions":["inner","nobody"],"returnValue":{"a":2},"idType":"userID","isExperimentGroup":true}]},
 "gn_exp_plain":{"type":"dynamic_config","salt":"s6","enabled":true,"defaultValue":{"a":1},"idType":"userID","entity":"experiment","isActive":true,
  "rules":[{"name":"expRule3","id":"expRule3","salt":"expRule3","groupName":"Test","passPercentage":100,"conditions":["inner","nobody"],"returnValue":{"a":2},"idType":"userID","isExperimentGroup":true},
   {"name":"plain","id":"plain","salt":"plain","passPercentage":100,"conditions":["pub"],"returnValue":{"a":3},"idType":"userID"}]},
 "gn_exp_group":{"type":"dynamic_config","salt":"s7","enabled":true,"defaultValue":{"a":1},"idType":"userID","entity":"experiment","isActive":true,
  "rules":[{"name":"grp","id":"grp","salt":"grp","groupName":"Control","passPercentage":100,"conditions":["inner"],"returnValue":{"a":4},"idType":"userID","isExperimentGroup":true}]}},
"layer_configs":{
 "gn_layer":{"type":"dynamic_config","salt":"s8","enabled":true,"defaultValue":{"a":1},"idType":"userID","entity":"layer",
  "rules":[{"name":"layerRule","id":"layerRule","salt":"layerRule","groupName":"LayerGroup","passPercentage":100,"conditions":["inner","nobody"],"returnValue":{"a":2},"idType":"userID"}]},
 "gn_layer_del":{"type":"dynamic_config","salt":"s9","enabled":true,"defaultValue":{"a":1},"idType":"userID","entity":"layer",
  "rules":[{"name":"delRule","id":"delRule","salt":"delRule","passPercentage":100,"conditions":["pub"],"returnValue":{},"idType":"userID","configDelegate":"gn_exp"}]},
 "gn_layer_grp":{"type":"dynamic_config","salt":"s10","enabled":true,"defaultValue":{"a":1},"idType":"userID","entity":"layer",
  "rules":[{"name":"delRule2","id":"delRule2","salt":"delRule2","passPercentage":100,"conditions":["pub"],"returnValue":{},"idType":"userID","configDelegate":"gn_exp_group"}]}},
"experiment_to_layer":{"gn_exp":"gn_layer_del","gn_exp_group":"gn_layer_grp"}}`

// TestGroupNameCarryOver pins the group names Server Core (@statsig/statsig-node-core 0.23.2)
// reports on groupNamePayload: getExperiment and getLayer keep the nested gate's "InnerGroup"
// after a fall-through (SDKGroupName); its client initialize response, like Statsig's HTTP API
// ("null if the gate failed"), names only the group of the reported rule (GroupName).
func TestGroupNameCarryOver(t *testing.T) {
	s, err := Load(strings.NewReader(groupNamePayload), LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	e := New(Options{})
	e.SetSpecs(s)
	u := mustUser(t, []byte(`{"userID":"u1"}`))
	cases := []struct {
		kind          Kind
		name, ruleID  string
		group, sdkGrp string
	}{
		{KindGate, "gn_inner", "innerRule", "InnerGroup", ""},
		{KindGate, "gn_outer", "default", "", ""},
		{KindDynamicConfig, "gn_config", "default", "", "InnerGroup"},
		{KindExperiment, "gn_exp", "default", "", "InnerGroup"},
		{KindExperiment, "gn_exp_disabled", "disabled", "", "InnerGroup"},
		{KindExperiment, "gn_exp_plain", "plain", "", ""},
		{KindExperiment, "gn_exp_group", "grp", "Control", "Control"},
		{KindLayer, "gn_layer", "default", "", "InnerGroup"},
		{KindLayer, "gn_layer_del", "default", "", "InnerGroup"},
		{KindLayer, "gn_layer_grp", "grp", "Control", "Control"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var ruleID, group, sdkGrp string
			switch tc.kind {
			case KindGate:
				r := e.CheckGate(u, tc.name)
				ruleID, group = r.RuleID, r.GroupName
			case KindLayer:
				r := e.GetLayer(u, tc.name)
				ruleID, group, sdkGrp = r.RuleID, r.GroupName, r.SDKGroupName
			default:
				r := e.GetExperiment(u, tc.name)
				ruleID, group, sdkGrp = r.RuleID, r.GroupName, r.SDKGroupName
				if c := e.GetConfig(u, tc.name); c.GroupName != group || c.SDKGroupName != sdkGrp {
					t.Errorf("GetConfig group names %q/%q, GetExperiment's %q/%q", c.GroupName, c.SDKGroupName, group, sdkGrp)
				}
			}
			if ruleID != tc.ruleID || group != tc.group || (tc.kind != KindGate && sdkGrp != tc.sdkGrp) {
				t.Errorf("rule %q group %q sdk group %q, want %q %q %q", ruleID, group, sdkGrp, tc.ruleID, tc.group, tc.sdkGrp)
			}
		})
	}
}

// TestGroupNameClientInit: the client initialize response has group_name only for the rule it
// reports (Server Core's, recorded on groupNamePayload).
func TestGroupNameClientInit(t *testing.T) {
	s, err := Load(strings.NewReader(groupNamePayload), LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	e := New(Options{})
	e.SetSpecs(s)
	out := e.ClientInitializeResponse(mustUser(t, []byte(`{"userID":"u1"}`)), ClientInitOptions{HashAlgorithm: HashNone})
	want := map[string]string{ // entry → group_name ("" = absent)
		"feature_gates/gn_inner": "", "feature_gates/gn_outer": "",
		"dynamic_configs/gn_config": "", "dynamic_configs/gn_exp": "", "dynamic_configs/gn_exp_disabled": "",
		"dynamic_configs/gn_exp_plain": "", "dynamic_configs/gn_exp_group": "Control",
		"layer_configs/gn_layer": "", "layer_configs/gn_layer_del": "", "layer_configs/gn_layer_grp": "Control",
	}
	for key, w := range want {
		section, name, _ := strings.Cut(key, "/")
		entry, ok := out[section].(map[string]any)[name].(map[string]any)
		if !ok {
			t.Errorf("%s: no entry", key)
			continue
		}
		g, has := entry["group_name"]
		if (w == "" && has) || (w != "" && g != w) {
			t.Errorf("%s group_name = %v (present %v), want %q", key, g, has, w)
		}
	}
}
