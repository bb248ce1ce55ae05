package evaluator

import (
	"os"
	"path/filepath"
	"testing"
)

// testdata/group_name_dcs.json reproduces the group-name carry-over (issue 16, item 5): every
// outer rule passes gn_inner, whose rule has a group name, then fails on userID, so the result
// falls through to the default (or disabled) rule with "InnerGroup" left in the shared result.
// endpoint's tests serve it too.
func loadGroupNamePayload(t *testing.T) *Specs {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "group_name_dcs.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	s, err := Load(f, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestGroupNameCarryOver pins the group names Server Core (@statsig/statsig-node-core 0.23.2)
// reports on testdata/group_name_dcs.json: getExperiment and getLayer keep the nested gate's "InnerGroup"
// after a fall-through (SDKGroupName); its client initialize response, like Statsig's HTTP API
// ("null if the gate failed"), names only the group of the reported rule (GroupName).
func TestGroupNameCarryOver(t *testing.T) {
	e := New(Options{})
	e.SetSpecs(loadGroupNamePayload(t))
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
// reports, and is_experiment_active from the (delegated) experiment's spec, not from what a
// nested gate left in the shared result (Server Core's, recorded on testdata/group_name_dcs.json).
func TestGroupNameClientInit(t *testing.T) {
	e := New(Options{})
	e.SetSpecs(loadGroupNamePayload(t))
	out := e.ClientInitializeResponse(mustUser(t, []byte(`{"userID":"u1"}`)), ClientInitOptions{HashAlgorithm: HashNone})
	tests := []struct {
		section, name string
		group         string // "" = absent
		active        any    // nil = absent
	}{
		{"feature_gates", "gn_inner", "", nil},
		{"feature_gates", "gn_outer", "", nil},
		{"dynamic_configs", "gn_config", "", nil},
		{"dynamic_configs", "gn_exp", "", true},
		{"dynamic_configs", "gn_exp_disabled", "", true},
		{"dynamic_configs", "gn_exp_plain", "", true},
		{"dynamic_configs", "gn_exp_group", "Control", true},
		{"layer_configs", "gn_layer", "", nil},
		{"layer_configs", "gn_layer_del", "", true},
		{"layer_configs", "gn_layer_grp", "Control", true},
	}
	for _, tt := range tests {
		entry, ok := out[tt.section].(map[string]any)[tt.name].(map[string]any)
		if !ok {
			t.Errorf("%s/%s: no entry", tt.section, tt.name)
			continue
		}
		if g, has := entry["group_name"]; (tt.group == "" && has) || (tt.group != "" && g != tt.group) {
			t.Errorf("%s/%s group_name = %v (present %v), want %q", tt.section, tt.name, g, has, tt.group)
		}
		if a := entry["is_experiment_active"]; a != tt.active {
			t.Errorf("%s/%s is_experiment_active = %v, want %v", tt.section, tt.name, a, tt.active)
		}
	}
}
