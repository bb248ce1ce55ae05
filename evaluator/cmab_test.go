package evaluator

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// readTestdata reads a file of evaluator/testdata.
func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// cmabEvaluator loads testdata/cmab_dcs.json: one CMAB per path of Server Core's evaluate_cmab
// (semantics §2.13).
func cmabEvaluator(t *testing.T) *Evaluator {
	t.Helper()
	s, err := Load(bytes.NewReader(readTestdata(t, "cmab_dcs.json")), LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Skipped()) != 0 {
		t.Fatalf("skipped %v", s.Skipped())
	}
	e := New(Options{})
	e.SetSpecs(s)
	return e
}

// exploreIndex is Server Core's group for a unit without a model: the 10000 buckets of
// sha256(salt "." unit) split evenly between the groups.
func exploreIndex(salt, unit string, groups int) int {
	sum := sha256.Sum256([]byte(salt + "." + unit))
	h := binary.BigEndian.Uint64(sum[:8])
	return int(float64(h%10000) / (10000 / float64(groups)))
}

func TestCMABGetExperiment(t *testing.T) {
	e := cmabEvaluator(t)
	exploreUser := `{"userID":"u1","customIDs":{"stableID":"stable-42"}}`
	explored := []string{"A", "B", "C"}[exploreIndex("se", "stable-42", 3)]
	type sec = SecondaryExposure
	const u0, def, fails = `{"userID":"u"}`, `{"arm":"def"}`, "inlineTargetingRules"
	exploredValue := `{"arm":"` + strings.ToLower(explored) + `"}`
	for _, tt := range []struct {
		name, cmab, user   string
		value, rule, group string
		version            int
		active, passed     bool
		sec                []sec
	}{
		{"disabled", "cmab_disabled", u0, def, "prestart", "", 3, false, false, nil},
		{"no groups", "cmab_nogroups", u0, def, "prestart", "", 1, true, false, nil},
		{"targeting fails", "cmab_target_fail", u0, def, fails, "", 2, true, false,
			[]sec{{"gate_fail", "false", "default"}}},
		{"targeting fails on a rule: its group name stays", "cmab_target_zero", u0, def, fails, "nobody", 2, true,
			false,
			[]sec{{"gate_zero", "false", "rule_zero"}}},
		{"targeting segment: no exposure", "cmab_target_segment", u0, def, fails, "", 2, true, false, nil},
		{"unknown targeting gate: an exposure with no rule", "cmab_target_unknown", u0, def, fails, "", 2, true,
			false,
			[]sec{{"no_such_gate", "false", ""}}},
		{"explore by hash", "cmab_explore", exploreUser, exploredValue, "g" + explored + ":explore", explored, 4, true,
			true,
			[]sec{{"gate_pass", "true", "rule_pass"}}},
		// A: 1.5 + 3 + 5 = 9.5; B: 3 - 3 + 2 + 0.5 = 2.5 (+4 for tags ["x"]); C: no weights, no score
		{"model, higher is better", "cmab_model",
			`{"userID":"u","country":"US","custom":{"age":30,"plan":"pro","score":"0.5"}}`,
			`{"arm":"a"}`, "gA", "A", 5, true, true, nil},
		{"model, categorical on a list's JSON", "cmab_model",
			`{"userID":"u","country":"DE","custom":{"age":30,"plan":"pro","tags":["x"],"Score":1}}`,
			`{"arm":"b"}`, "gB", "B", 5, true, true, nil},
		{"model, lower is better", "cmab_model_lower", `{"userID":"u","country":"US","custom":{"age":30}}`,
			`{"arm":"b"}`, "gB", "B", 5, true, true, nil},
		{"model, sampled: explores (one group)", "cmab_sampled", u0, `{"arm":"only"}`, "gO:explore", "Only", 1, true, true,
			nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := e.GetExperiment(user(t, tt.user), tt.cmab)
			if string(r.Value) != tt.value || r.RuleID != tt.rule || r.SDKGroupName != tt.group || r.GroupName != tt.group {
				t.Errorf("value %s rule %q group %q/%q, want %s %q %q", r.Value, r.RuleID, r.SDKGroupName, r.GroupName,
					tt.value, tt.rule, tt.group)
			}
			if r.Details.Reason != "Network:Recognized" || !r.Details.HasVersion || r.Details.Version != tt.version {
				t.Errorf("details %+v", r.Details)
			}
			if r.IsExperimentActive != tt.active || r.Passed != tt.passed || r.IsUserInExperiment {
				t.Errorf("active %v passed %v in experiment %v", r.IsExperimentActive, r.Passed, r.IsUserInExperiment)
			}
			if !slices.Equal(r.SecondaryExposures, tt.sec) {
				t.Errorf("secondary exposures %v, want %v", r.SecondaryExposures, tt.sec)
			}
			x := r.Exposure()
			if x.Metadata["config"] != tt.cmab || x.Metadata["ruleID"] != tt.rule ||
				x.Metadata["rulePassed"] != map[bool]string{true: "true", false: "false"}[tt.passed] ||
				x.Metadata["configVersion"] == "" {
				t.Errorf("exposure metadata %v", x.Metadata)
			}
		})
	}
	// Only get_experiment consults cmab_configs.
	c := e.GetConfig(user(t, `{"userID":"u"}`), "cmab_explore")
	if c.Details.Reason != "Network:Unrecognized" || string(c.Value) != "{}" {
		t.Errorf("get_config of a CMAB: %s %s", c.Value, c.Details.Reason)
	}
	if c := e.GetExperiment(user(t, `{"userID":"u"}`), "cmab_missing"); c.Details.Reason != "Network:Unrecognized" {
		t.Errorf("unknown CMAB: %s", c.Details.Reason)
	}
}

// A targeting gate that falls through after a nested gate's rule wrote a group name:
// getExperiment reports it (Server Core's shared result), the client initialize response does
// not (the response evaluated the gate before, so its nested gate is a memo hit there).
func TestCMABTargetingGroupCarryOver(t *testing.T) {
	e := cmabEvaluator(t)
	r := e.GetExperiment(user(t, `{"userID":"u"}`), "cmab_target_nested")
	if r.RuleID != "inlineTargetingRules" || r.SDKGroupName != "everyone" || r.GroupName != "" {
		t.Errorf("rule %q group %q / %q, want inlineTargetingRules everyone / none", r.RuleID, r.SDKGroupName, r.GroupName)
	}
	res := gcir(t, e, `{"userID":"u"}`, ClientInitOptions{HashAlgorithm: HashNone})
	if g, ok := res["dynamic_configs"].(map[string]any)["cmab_target_nested"].(map[string]any)["group_name"]; ok {
		t.Errorf("client initialize response group_name %v, want none", g)
	}
}

func TestCMABFixtureTargetApp(t *testing.T) {
	e := evaluatorFor(t, "server-core/dcs_target_app_filtering.json", Options{})
	r := e.GetExperiment(user(t, `{"userID":"u"}`), "cmab_app_a")
	var v map[string]string
	if err := json.Unmarshal(r.Value, &v); err != nil || v["arm"] != "a" || len(v) != 1 || r.RuleID != "prestart" {
		t.Fatalf("cmab_app_a: %s %q (Server Core: {\"arm\":\"a\"})", r.Value, r.RuleID)
	}
}

func TestCMABClientInitializeResponse(t *testing.T) {
	e := cmabEvaluator(t)
	u := `{"userID":"u1","customIDs":{"stableID":"stable-42"}}`
	res := gcir(t, e, u, ClientInitOptions{HashAlgorithm: HashNone})
	configs := res["dynamic_configs"].(map[string]any)
	got, _ := json.Marshal(configs["cmab_explore"])
	explored := []string{"A", "B", "C"}[exploreIndex("se", "stable-42", 3)]
	want := `{"group_name":"` + explored + `","id_type":"stableID","is_device_based":true,"name":"cmab_explore",` +
		`"rule_id":"g` + explored + `:explore",` +
		`"secondary_exposures":[{"gate":"gate_pass","gateValue":"true","ruleID":"rule_pass"}],` +
		`"value":{"arm":"` + strings.ToLower(explored) + `"}}`
	if string(got) != want {
		t.Errorf("cmab_explore entry\n got %s\nwant %s", got, want)
	}
	got, _ = json.Marshal(configs["cmab_disabled"])
	want = `{"id_type":"userID","is_device_based":false,"name":"cmab_disabled","rule_id":"prestart",` +
		`"secondary_exposures":[],"value":{"arm":"def"}}`
	if string(got) != want {
		t.Errorf("cmab_disabled entry\n got %s\nwant %s", got, want)
	}
	// filtered by their own target apps (a CMAB without any is left out) and the experiment filter
	res = gcir(t, e, u, ClientInitOptions{HashAlgorithm: HashNone, TargetAppID: "app_x"})
	if names := sectionNames(res, "dynamic_configs"); !slices.Equal(names, []string{"cmab_explore"}) {
		t.Errorf("target app: %v", names)
	}
	res = gcir(t, e, u, ClientInitOptions{HashAlgorithm: HashNone, HasExperimentFilter: true,
		ExperimentFilter: []string{"cmab_model"}})
	if names := sectionNames(res, "dynamic_configs"); !slices.Equal(names, []string{"cmab_model"}) {
		t.Errorf("experiment filter: %v", names)
	}
}
