package evaluator

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"
)

func overrideEvaluator(t testing.TB, list ...Override) *Evaluator {
	t.Helper()
	e := New(Options{})
	e.SetSpecs(loadFixture(t, "server-core/eval_proj_dcs.json"))
	o, err := NewOverrides(list)
	if err != nil {
		t.Fatal(err)
	}
	e.SetOverrides(o)
	return e
}

func userJSON(t testing.TB, s string) *User { return mustUser(t, json.RawMessage(s)) }

// TestOverrides: Server Core's override adapter semantics (the exposure differential,
// hack/test-exposures.sh, compares them with Server Core on generated payloads).
//
//nolint:gocyclo,lll // one table of cases, each with its own checks
func TestOverrides(t *testing.T) {
	past, future := time.Now().Add(-time.Minute), time.Now().Add(time.Hour)
	alice := `{"userID":"alice","customIDs":{"companyID":"acme"}}`
	bob := `{"userID":"bob"}`
	tests := []struct {
		name      string
		overrides []Override
		user      string
		check     func(t *testing.T, e *Evaluator, u *User)
	}{
		{"global gate", []Override{{Kind: KindGate, Name: "test_public", Gate: false}}, bob, func(t *testing.T, e *Evaluator, u *User) {
			g := e.CheckGate(u, "test_public")
			if g.Value || g.RuleID != "override" || g.Details.Reason != "LocalOverride:Recognized" || g.IDType != "" {
				t.Errorf("got %+v", g)
			}
		}},
		{"userID beats custom ID beats everyone", []Override{
			{Kind: KindGate, Name: "test_public", Gate: false},
			{Kind: KindGate, Name: "test_public", Gate: true, IDs: []string{"acme"}},
			{Kind: KindGate, Name: "test_public", Gate: false, IDs: []string{"alice"}},
		}, alice, func(t *testing.T, e *Evaluator, u *User) {
			if g := e.CheckGate(u, "test_public"); g.Value {
				t.Errorf("userID override not first: %+v", g)
			}
			if g := e.CheckGate(userJSON(t, `{"userID":"zed","customIDs":{"companyID":"acme"}}`), "test_public"); !g.Value {
				t.Errorf("custom ID override not before everyone's: %+v", g)
			}
		}},
		{"the first of the same target wins", []Override{
			{Kind: KindGate, Name: "test_public", Gate: false, IDs: []string{"bob"}},
			{Kind: KindGate, Name: "test_public", Gate: true, IDs: []string{"bob"}},
		}, bob, func(t *testing.T, e *Evaluator, u *User) {
			if g := e.CheckGate(u, "test_public"); g.Value {
				t.Errorf("got %+v", g)
			}
		}},
		{"expired overrides do not apply; the next in force does", []Override{
			{Kind: KindGate, Name: "test_public", Gate: false, ExpiresAt: past},
			{Kind: KindGate, Name: "test_public", Gate: false, IDs: []string{"bob"}, ExpiresAt: past},
		}, bob, func(t *testing.T, e *Evaluator, u *User) {
			if g := e.CheckGate(u, "test_public"); !g.Value || g.RuleID == "override" {
				t.Errorf("expired override applied: %+v", g)
			}
		}},
		{"unexpired override applies", []Override{{Kind: KindGate, Name: "test_public", Gate: false, ExpiresAt: future}},
			bob, func(t *testing.T, e *Evaluator, u *User) {
				if g := e.CheckGate(u, "test_public"); g.Value {
					t.Errorf("got %+v", g)
				}
			}},
		{"nested gate: secondary exposure and reason", []Override{{Kind: KindGate, Name: "test_email", Gate: true}},
			bob, func(t *testing.T, e *Evaluator, u *User) {
				g := e.CheckGate(u, "test_nested_gate_condition")
				want := SecondaryExposure{Gate: "test_email", GateValue: "true", RuleID: "override"}
				if len(g.SecondaryExposures) == 0 || g.SecondaryExposures[0] != want || g.Details.Reason != "LocalOverride:Recognized" {
					t.Errorf("got %+v", g)
				}
			}},
		{"unknown gate", []Override{{Kind: KindGate, Name: "no_such_gate", Gate: true}}, bob,
			func(t *testing.T, e *Evaluator, u *User) {
				if g := e.CheckGate(u, "no_such_gate"); !g.Value || g.RuleID != "override" {
					t.Errorf("got %+v", g)
				}
			}},
		{"config value; experiment overrides do not answer get_config", []Override{
			{Kind: KindDynamicConfig, Name: "test_email_config", Value: json.RawMessage(`{"x":1}`)},
			{Kind: KindExperiment, Name: "test_experiment_no_targeting", Value: json.RawMessage(`{"y":2}`)},
		}, bob, func(t *testing.T, e *Evaluator, u *User) {
			if c := e.GetConfig(u, "test_email_config"); string(c.Value) != `{"x":1}` || c.RuleID != "override" {
				t.Errorf("config %+v", c)
			}
			if c := e.GetConfig(u, "test_experiment_no_targeting"); c.RuleID == "override" {
				t.Errorf("experiment override answered get_config: %+v", c)
			}
			if c := e.GetExperiment(u, "test_experiment_no_targeting"); string(c.Value) != `{"y":2}` {
				t.Errorf("experiment %+v", c)
			}
		}},
		{"experiment by group name", []Override{{Kind: KindExperiment, Name: "test_experiment_no_targeting", GroupName: "Test"},
			{Kind: KindExperiment, Name: "test_exp_random_id", GroupName: "No Such Group"}}, bob,
			func(t *testing.T, e *Evaluator, u *User) {
				c := e.GetExperiment(u, "test_experiment_no_targeting")
				if c.RuleID != "override" || string(c.Value) == "{}" || c.GroupName != "" {
					t.Errorf("group override %+v", c)
				}
				if c := e.GetExperiment(u, "test_exp_random_id"); string(c.Value) != "{}" {
					t.Errorf("unknown group: %s", c.Value)
				}
			}},
		{"layer value", []Override{{Kind: KindLayer, Name: "test_layer_with_no_exp", Value: json.RawMessage(`{"p":"v"}`)}}, bob,
			func(t *testing.T, e *Evaluator, u *User) {
				l := e.GetLayer(u, "test_layer_with_no_exp")
				if v, ok := l.Get("p"); !ok || string(v) != `"v"` || l.RuleID != "override" {
					t.Errorf("layer %+v", l)
				}
			}},
		{"parameter store: plain values and parameters", []Override{{Kind: KindParameterStore, Name: "test_parameter_store",
			Value: json.RawMessage(`{"bool_param":true,"n":3,"g":{"ref_type":"gate","param_type":"string","gate_name":"test_public","pass_value":"on","fail_value":"off"}}`)}},
			bob, func(t *testing.T, e *Evaluator, u *User) {
				for p, want := range map[string]string{"bool_param": "true", "n": "3", "g": `"on"`} {
					if r := e.GetParameter(u, "test_parameter_store", p, nil); string(r.Value) != want || !r.Overridden {
						t.Errorf("%s = %s (overridden %v), want %s", p, r.Value, r.Overridden, want)
					}
				}
			}},
		{"removed overrides stop applying", nil, bob, func(t *testing.T, e *Evaluator, u *User) {
			o, _ := NewOverrides([]Override{{Kind: KindGate, Name: "test_public", Gate: false}})
			e.SetOverrides(o)
			e.SetOverrides(nil)
			if g := e.CheckGate(u, "test_public"); !g.Value || g.RuleID == "override" {
				t.Errorf("got %+v", g)
			}
		}},
		{"a new snapshot keeps the overrides", []Override{{Kind: KindGate, Name: "test_public", Gate: false}}, bob,
			func(t *testing.T, e *Evaluator, u *User) {
				e.SetSpecs(loadFixture(t, "server-core/eval_proj_dcs.json"))
				if g := e.CheckGate(u, "test_public"); g.Value {
					t.Errorf("got %+v", g)
				}
			}},
		{"client initialize response only with includeLocalOverrides", []Override{{Kind: KindGate, Name: "test_public", Gate: false}},
			bob, func(t *testing.T, e *Evaluator, u *User) {
				value := func(include bool) any {
					r := e.ClientInitializeResponse(u, ClientInitOptions{HashAlgorithm: HashNone, IncludeLocalOverrides: include})
					return r[sectionGates].(map[string]any)["test_public"].(map[string]any)["value"]
				}
				if value(false) != true || value(true) != false {
					t.Errorf("without: %v, with: %v", value(false), value(true))
				}
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := overrideEvaluator(t, tc.overrides...)
			tc.check(t, e, userJSON(t, tc.user))
		})
	}
}

func TestNewOverridesRejects(t *testing.T) {
	for _, ov := range []Override{
		{Kind: KindGate},
		{Kind: KindDynamicConfig, Name: "c", Value: json.RawMessage(`[1]`)},
		{Kind: KindLayer, Name: "l"},
		{Kind: KindSegment, Name: "s", Value: json.RawMessage(`{}`)},
	} {
		if _, err := NewOverrides([]Override{ov}); err == nil {
			t.Errorf("accepted %+v", ov)
		}
	}
}

// BenchmarkCheckGateOverrides: check gate with no overrides, with 1,000 overrides of other
// gates (issue target: within 10% of none), and with 100 more of the checked gate itself, for
// other users' IDs (the user's IDs are looked up).
func BenchmarkCheckGateOverrides(b *testing.B) {
	for _, tc := range []struct {
		name         string
		others, self int
	}{{"none", 0, 0}, {"1000_other_gates", 1000, 0}, {"1000_other_gates+100_ids_on_this_gate", 1000, 100}} {
		b.Run(tc.name, func(b *testing.B) {
			e, u := benchSetup(b)
			var list []Override
			for i := range tc.others {
				list = append(list, Override{Kind: KindGate, Name: fmt.Sprintf("gate_%d", i), Gate: true})
			}
			for i := range tc.self {
				list = append(list, Override{Kind: KindGate, Name: "test_public", Gate: false,
					IDs: []string{fmt.Sprintf("user_%d", i)}})
			}
			o, err := NewOverrides(list)
			if err != nil {
				b.Fatal(err)
			}
			e.SetOverrides(o)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				_ = e.CheckGate(u, "test_public")
			}
		})
	}
}
