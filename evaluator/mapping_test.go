package evaluator

import (
	"bytes"
	"slices"
	"strings"
	"testing"
)

// mappingNow is the clock of the config-mapping tests: rules starting later have not started.
const mappingNow = int64(1_700_000_000_000)

// mappingEvaluator loads testdata/mapping_dcs.json, which maps gates, a config, an experiment
// and a layer (semantics §2.13).
func mappingEvaluator(t *testing.T) *Evaluator {
	t.Helper()
	s, err := Load(bytes.NewReader(readTestdata(t, "mapping_dcs.json")), LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Skipped()) != 0 {
		t.Fatalf("skipped %v", s.Skipped())
	}
	e := New(Options{Now: func() int64 { return mappingNow }})
	e.SetSpecs(s)
	return e
}

func TestConfigMappingGates(t *testing.T) {
	e := mappingEvaluator(t)
	// or_half passes for users whose hash of "salt_half.or_half_salt.<id>" (the mapped gate's
	// salt, the rule's) is in the lower half.
	var halfIn, halfOut string
	for i := 0; halfIn == "" || halfOut == ""; i++ {
		id := "u" + strings.Repeat("x", i%3) + string(rune('a'+i%26)) + string(rune('a'+i/26%26))
		if hashRule("salt_half", "or_half_salt", id)%10000 < 5000 {
			halfIn = id
		} else {
			halfOut = id
		}
	}
	const u0 = `{"userID":"u"}`
	for _, tt := range []struct {
		name, gate, user string
		value            bool
		rule, idType     string
		version          int
		mapped           string
		sec              []SecondaryExposure
	}{
		{"started rule passes: the mapped gate", "g_src", `{"userID":"u","country":"US"}`,
			true, "dst_rule", "stableID", 7, "g_dst", nil},
		{"conditions fail: the gate itself", "g_src", `{"userID":"u","country":"DE"}`,
			false, "src_rule", "userID", 1, "", nil},
		{"not started yet", "g_future", u0, false, "default", "userID", 0, "", nil},
		{"0%, then an unknown rule", "g_zero", u0, false, "default", "userID", 0, "", nil},
		{"pass percentage hashed with the spec's salt: in", "g_half", `{"userID":"` + halfIn + `"}`,
			true, "dst_rule", "stableID", 7, "g_dst", nil},
		{"pass percentage hashed with the spec's salt: out", "g_half", `{"userID":"` + halfOut + `"}`,
			false, "default", "userID", 0, "", nil},
		{"an unknown new config: the next mapping", "g_missing_first", u0,
			true, "dst_rule", "stableID", 7, "g_dst", nil},
		{"the rule's own secondary exposures are dropped", "g_gated", u0,
			true, "dst_rule", "stableID", 7, "g_dst", nil},
		{"a name with no spec is mapped too", "g_nospec", u0, true, "dst_rule", "stableID", 7, "g_dst", nil},
		// As Server Core: the nested gate's mapping resets the shared result, so the outer gate
		// reports the mapped gate's id type, version and overrideConfigName.
		{"nested mapped gate", "g_outer", `{"userID":"u","country":"US"}`, true, "outer_rule", "stableID", 7, "g_dst",
			[]SecondaryExposure{{Gate: "g_src", GateValue: "true", RuleID: "dst_rule"}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			g := e.CheckGate(user(t, tt.user), tt.gate)
			if g.Value != tt.value || g.RuleID != tt.rule || g.IDType != tt.idType || g.Details.Version != tt.version ||
				g.OverrideConfigName != tt.mapped {
				t.Errorf("got %v %q %q v%d mapped %q, want %v %q %q v%d %q", g.Value, g.RuleID, g.IDType, g.Details.Version,
					g.OverrideConfigName, tt.value, tt.rule, tt.idType, tt.version, tt.mapped)
			}
			if !slices.Equal(g.SecondaryExposures, tt.sec) {
				t.Errorf("secondary exposures %v, want %v", g.SecondaryExposures, tt.sec)
			}
			m := g.Exposure().Metadata
			if got, ok := m["overrideConfigName"]; got != tt.mapped || ok != (tt.mapped != "") {
				t.Errorf("exposure overrideConfigName %q (%v), want %q", got, ok, tt.mapped)
			}
			if m["gate"] != tt.gate {
				t.Errorf("exposure names %q, want the gate asked for", m["gate"])
			}
		})
	}
}

func TestConfigMappingConfigsAndLayers(t *testing.T) {
	e := mappingEvaluator(t)
	us, de := user(t, `{"userID":"u","country":"US"}`), user(t, `{"userID":"u","country":"DE"}`)
	if c := e.GetConfig(us, "cfg_src"); string(c.Value) != `{"v":"dst"}` || c.OverrideConfigName != "cfg_dst" ||
		c.Exposure().Metadata["overrideConfigName"] != "cfg_dst" || c.Exposure().Metadata["config"] != "cfg_src" {
		t.Errorf("config: %s %q %v", c.Value, c.OverrideConfigName, c.Exposure().Metadata)
	}
	if c := e.GetConfig(de, "cfg_src"); string(c.Value) != `{"v":"src"}` || c.OverrideConfigName != "" {
		t.Errorf("config, not mapped: %s %q", c.Value, c.OverrideConfigName)
	}
	x := e.GetExperiment(us, "exp_src")
	if string(x.Value) != `{"v":"test"}` || x.RuleID != "exp_rule" || x.GroupName != "Test" || !x.IsUserInExperiment {
		t.Errorf("experiment: %s %q %q %v", x.Value, x.RuleID, x.GroupName, x.IsUserInExperiment)
	}
	l := e.GetLayer(us, "layer_src")
	if string(l.Value()) != `{"p":"dst"}` || l.OverrideConfigName != "layer_dst" {
		t.Errorf("layer: %s %q", l.Value(), l.OverrideConfigName)
	}
	// Server Core 0.23.2 names the mapped config in a manual layer exposure only.
	px := l.ManualParameterExposure("p")
	if px.Metadata["overrideConfigName"] != "layer_dst" || px.Metadata["config"] != "layer_src" {
		t.Errorf("manual layer parameter exposure: %v", px.Metadata)
	}
	if px, ok := l.ParameterExposure("p"); !ok || px.Metadata["overrideConfigName"] != "" {
		t.Errorf("layer parameter exposure: %v", px.Metadata)
	}
	// The client initialize response is mapped the same way, under the entity's own name.
	res := gcir(t, e, `{"userID":"u","country":"US"}`, ClientInitOptions{HashAlgorithm: HashNone})
	configs := res["dynamic_configs"].(map[string]any)
	if v := configs["cfg_src"].(map[string]any)["value"].(map[string]any)["v"]; v != "dst" {
		t.Errorf("client initialize response cfg_src: %v", v)
	}
	if v := res["feature_gates"].(map[string]any)["g_src"].(map[string]any)["rule_id"]; v != "dst_rule" {
		t.Errorf("client initialize response g_src: %v", v)
	}
	// the mapped experiment's is_experiment_active (Server Core 0.23.2, observed)
	if v := configs["exp_src"].(map[string]any)["is_experiment_active"]; v != false {
		t.Errorf("client initialize response exp_src is_experiment_active: %v", v)
	}
	// The first nested use of a mapped gate in the response resets the result (g_outer reports
	// the mapped gate's id type); later ones hit Server Core's memo (g_outer2 keeps its own).
	gates := res["feature_gates"].(map[string]any)
	a, b := gates["g_outer"].(map[string]any)["id_type"], gates["g_outer2"].(map[string]any)["id_type"]
	if a != "stableID" || b != "userID" {
		t.Errorf("client initialize response id types of g_outer, g_outer2: %v %v", a, b)
	}
}
