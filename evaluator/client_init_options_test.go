package evaluator

import (
	"encoding/json"
	"slices"
	"strconv"
	"testing"
)

type obj = map[string]any

// gcir builds a client initialize response and decodes it as a client would.
func gcir(t *testing.T, e *Evaluator, user string, o ClientInitOptions) map[string]any {
	t.Helper()
	raw, err := json.Marshal(e.ClientInitializeResponse(mustUser(t, json.RawMessage(user)), o))
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func sectionNames(res map[string]any, section string) []string {
	m := res[section].(map[string]any)
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	slices.Sort(names)
	return names
}

// TestClientInitializeResponseAppFiltering: entities are filtered by app only when the client key
// (or target app) names an app, as Server Core's GCIR (an unknown key filters nothing).
func TestClientInitializeResponseAppFiltering(t *testing.T) {
	e := New(Options{})
	e.SetSpecs(loadFixture(t, "server-core/dcs_target_app_filtering.json"))
	all := []string{"cmab_app_a", "cmab_app_b", "config_app_a", "config_app_b",
		"exp_app_a", "exp_app_b", "gate_app_a", "gate_app_b",
		"gate_no_target", "layer_app_a", "layer_app_b"}
	for _, tt := range []struct {
		name string
		o    ClientInitOptions
		want []string
	}{
		{"no key", ClientInitOptions{}, all},
		{"unknown client key", ClientInitOptions{ClientSDKKey: "client-unknown"}, all},
		{"known client key", ClientInitOptions{ClientSDKKey: "client-super-key"},
			[]string{"cmab_app_a", "config_app_a", "exp_app_a", "gate_app_a", "layer_app_a"}},
		{"target app", ClientInitOptions{TargetAppID: "app_b"},
			[]string{"cmab_app_b", "config_app_b", "exp_app_b", "gate_app_b", "layer_app_b"}},
		{"target app no entity has", ClientInitOptions{TargetAppID: "app_z"}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tt.o.HashAlgorithm = HashNone
			res := gcir(t, e, `{"userID":"u"}`, tt.o)
			got := make([]string, 0, len(all))
			for _, sec := range []string{"feature_gates", "dynamic_configs", "layer_configs"} {
				got = append(got, sectionNames(res, sec)...)
			}
			slices.Sort(got)
			if !slices.Equal(got, tt.want) {
				t.Errorf("entities %v, want %v", got, tt.want)
			}
		})
	}
}

// TestClientInitializeResponseOptions covers Server Core's ClientInitResponseOptions.
func TestClientInitializeResponseOptions(t *testing.T) {
	e := New(Options{})
	e.SetSpecs(loadFixture(t, "server-core/demo_proj_dcs.json"))
	// Fails third_gate on its default rule without secondary exposures, nested_gate_a with some.
	user := `{"userID":"x"}`
	base := gcir(t, e, user, ClientInitOptions{HashAlgorithm: HashNone})
	sections := []string{"feature_gates", "dynamic_configs", "layer_configs"}
	for _, tt := range []struct {
		name  string
		o     ClientInitOptions
		check func(t *testing.T, res map[string]any)
	}{
		{"removeIdType", ClientInitOptions{RemoveIDType: true}, func(t *testing.T, res map[string]any) {
			n := 0
			for _, sec := range sections {
				for name, v := range res[sec].(map[string]any) {
					n++
					if _, ok := v.(map[string]any)["id_type"]; ok {
						t.Errorf("%s %s has id_type", sec, name)
					}
				}
			}
			if n == 0 {
				t.Error("no entries")
			}
		}},
		{"removeDefaultValueGates", ClientInitOptions{RemoveDefaultValueGates: true}, func(t *testing.T, res map[string]any) {
			removed := 0
			for name, v := range base["feature_gates"].(map[string]any) {
				g := v.(map[string]any)
				dflt := g["value"] == false && g["rule_id"] == "default" && len(g["secondary_exposures"].([]any)) == 0
				_, kept := res["feature_gates"].(map[string]any)[name]
				if kept == dflt {
					t.Errorf("gate %s (default value: %v) kept: %v", name, dflt, kept)
				}
				if !kept {
					removed++
				}
			}
			if removed == 0 || len(res["feature_gates"].(map[string]any)) == 0 {
				t.Errorf("removed %d gates of %d: the fixture should have both kinds",
					removed, len(base["feature_gates"].(map[string]any)))
			}
		}},
		{"feature gate filter",
			ClientInitOptions{FeatureGateFilter: []string{"partial_gate", "not_a_gate"}, HasFeatureGateFilter: true},
			func(t *testing.T, res map[string]any) {
				if got := sectionNames(res, "feature_gates"); !slices.Equal(got, []string{"partial_gate"}) {
					t.Errorf("gates %v", got)
				}
				if len(res["dynamic_configs"].(map[string]any)) != len(base["dynamic_configs"].(map[string]any)) {
					t.Error("a gate filter changed dynamic_configs")
				}
			}},
		{"empty layer filter", ClientInitOptions{LayerFilter: []string{}, HasLayerFilter: true}, func(t *testing.T, res obj) {
			if n := len(res["layer_configs"].(map[string]any)); n != 0 {
				t.Errorf("%d layers, want none", n)
			}
		}},
		{"experiment filter keeps dynamic configs",
			ClientInitOptions{ExperimentFilter: []string{}, HasExperimentFilter: true},
			func(t *testing.T, res map[string]any) {
				for name, v := range res["dynamic_configs"].(map[string]any) {
					if _, exp := v.(map[string]any)["is_experiment_active"]; exp {
						t.Errorf("experiment %s not filtered", name)
					}
				}
				if len(res["dynamic_configs"].(map[string]any)) == 0 {
					t.Error("dynamic configs filtered too")
				}
			}},
		{"dynamic config filter keeps experiments",
			ClientInitOptions{DynamicConfigFilter: []string{"a_dynamic_config"}, HasDynamicConfigFilter: true},
			func(t *testing.T, res map[string]any) {
				for name, v := range res["dynamic_configs"].(map[string]any) {
					if _, exp := v.(map[string]any)["is_experiment_active"]; !exp && name != "a_dynamic_config" {
						t.Errorf("dynamic config %s not filtered", name)
					}
				}
			}},
		{"removeExperimentsInLayers", ClientInitOptions{RemoveExperimentsInLayers: true}, func(t *testing.T, res obj) {
			if _, ok := base["dynamic_configs"].(map[string]any)["a_experiment"].(map[string]any)["is_in_layer"]; !ok {
				t.Fatal("fixture: a_experiment is expected in a layer")
			}
			for name, v := range res["dynamic_configs"].(map[string]any) {
				if _, ok := v.(map[string]any)["is_in_layer"]; ok {
					t.Errorf("experiment %s in a layer kept", name)
				}
			}
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tt.o.HashAlgorithm = HashNone
			tt.check(t, gcir(t, e, user, tt.o))
		})
	}
}

// TestClientInitializeResponseTopLevel: sdkInfo, param_stores, pa_hash (values observed with
// Server Core 0.23.2).
func TestClientInitializeResponseTopLevel(t *testing.T) {
	e := New(Options{})
	e.SetSpecs(loadFixture(t, "server-core/big_number_dcs.json"))
	info := map[string]string{"sdkType": "t", "sdkVersion": "v", "sessionId": "s"}
	for _, tt := range []struct {
		name, user string
		want       map[string]string // top-level key → JSON; "" = absent
	}{
		{"plain user", `{"userID":"u"}`, map[string]string{
			"sdkInfo": `{"sdkType":"t","sdkVersion":"v","sessionId":"s"}`, "param_stores": `{}`, "pa_hash": "",
			"session_recording_rate": "", "can_record_session": "",
		}},
		{"private attributes", `{"userID":"u","privateAttributes":{"secret":"x"}}`,
			map[string]string{"pa_hash": `"945973806"`}},
		{"empty private attributes", `{"userID":"u","privateAttributes":{}}`, map[string]string{"pa_hash": ""}},
		{"non-string private attribute", `{"userID":"u","privateAttributes":{"a":1,"b":null}}`,
			map[string]string{"pa_hash": `"` + sumDJB2("a:1", "b:") + `"`}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res := gcir(t, e, tt.user, ClientInitOptions{SDKInfo: info})
			for k, want := range tt.want {
				v, ok := res[k]
				if want == "" {
					if ok {
						t.Errorf("%s = %v, want absent", k, v)
					}
					continue
				}
				got, _ := json.Marshal(v)
				if !jsonEqual(got, json.RawMessage(want)) {
					t.Errorf("%s = %s, want %s", k, got, want)
				}
			}
		})
	}
}

func sumDJB2(parts ...string) string {
	var s uint32
	for _, p := range parts {
		s += djb2Uint32(p)
	}
	return strconv.FormatUint(uint64(s), 10)
}

// TestClientInitializeResponseUser: the response's user is the user as Server Core logs it
// (LoggedUser: Statsig's fields only, the evaluator's environment), not as received.
func TestClientInitializeResponseUser(t *testing.T) {
	for _, tt := range []struct {
		name, env, user, want string
	}{
		{"undefined fields dropped", "", `{"userID":"u","osName":"iOS","privateAttributes":{"a":"b"}}`, `{"userID":"u"}`},
		{"environment", "staging", `{"userID":"u"}`, `{"userID":"u","statsigEnvironment":{"tier":"staging"}}`},
		{"user's environment wins", "staging", `{"userID":"u","statsigEnvironment":{"tier":"dev"}}`,
			`{"userID":"u","statsigEnvironment":{"tier":"dev"}}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := New(Options{Environment: tt.env})
			e.SetSpecs(loadFixture(t, "server-core/big_number_dcs.json"))
			got, _ := json.Marshal(gcir(t, e, tt.user, ClientInitOptions{})["user"])
			if !jsonEqual(got, json.RawMessage(tt.want)) {
				t.Errorf("user %s, want %s", got, tt.want)
			}
		})
	}
}

// TestClientInitializeResponseV2: the v2 format maps each secondary exposure to the djb2 hash of
// "gate:gateValue:ruleID" (as Server Core 0.23.2 does, observed) and lists it under "exposures".
func TestClientInitializeResponseV2(t *testing.T) {
	e := New(Options{})
	e.SetSpecs(loadFixture(t, "server-core/demo_proj_dcs.json"))
	for _, algo := range []string{HashNone, HashDJB2} {
		v1 := gcir(t, e, `{"userID":"x"}`, ClientInitOptions{HashAlgorithm: algo})
		v2 := gcir(t, e, `{"userID":"x"}`, ClientInitOptions{HashAlgorithm: algo, ResponseFormat: ResponseFormatV2})
		exposures := v2["exposures"].(map[string]any)
		n := 0
		for _, sec := range []string{"feature_gates", "dynamic_configs", "layer_configs"} {
			for name, v := range v1[sec].(map[string]any) {
				e1, e2 := v.(map[string]any), v2[sec].(map[string]any)[name].(map[string]any)
				for _, field := range []string{"secondary_exposures", "undelegated_secondary_exposures"} {
					l1, ok := e1[field].([]any)
					if !ok {
						continue
					}
					l2 := e2[field].([]any)
					if len(l1) != len(l2) {
						t.Fatalf("%s %s %s: %d keys for %d exposures", sec, name, field, len(l2), len(l1))
					}
					for i, x := range l1 {
						m := x.(map[string]any)
						key := DJB2(m["gate"].(string) + ":" + m["gateValue"].(string) + ":" + m["ruleID"].(string))
						if l2[i] != key || !jsonEqualAny(exposures[key], x) {
							t.Errorf("%s %s %s[%d] = %v (%v), want %s (%v)", sec, name, field, i, l2[i], exposures[key], key, x)
						}
						n++
					}
				}
				if _, ok := e2["parameter_rule_ids"]; ok {
					t.Errorf("%s %s: parameter_rule_ids in v2", sec, name)
				}
			}
		}
		if n == 0 || len(exposures) == 0 {
			t.Fatalf("%s: no exposures to check", algo)
		}
	}
}

func jsonEqualAny(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return jsonEqual(x, y)
}

// TestSessionReplayInfo: the session replay fields, as Server Core computes them.
func TestSessionReplayInfo(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	tb := func(v bool) *bool { return &v }
	s := func(v string) *string { return &v }
	gate := func(name string) bool { return name == "passing_gate" }
	for _, tt := range []struct {
		name   string
		info   sessionReplayInfo
		random float64
		want   string
	}{
		{"empty", sessionReplayInfo{}, 0.5, `{"can_record_session":true}`},
		{"blocked", sessionReplayInfo{RecordingBlocked: tb(true)}, 0.5,
			`{"can_record_session":false,"recording_blocked":true}`},
		{"not blocked, sampled in", sessionReplayInfo{RecordingBlocked: tb(false), SamplingRate: f(0.5)}, 0.5,
			`{"can_record_session":true,"recording_blocked":false,"session_recording_rate":0.5}`},
		{"sampled out", sessionReplayInfo{SamplingRate: f(0.4)}, 0.5,
			`{"can_record_session":false,"session_recording_rate":0.4}`},
		{"targeting gate passes", sessionReplayInfo{TargetingGate: s("passing_gate")}, 0.5,
			`{"can_record_session":true,"passes_session_recording_targeting":true}`},
		{"targeting gate fails", sessionReplayInfo{TargetingGate: s("other")}, 0.5,
			`{"can_record_session":false,"passes_session_recording_targeting":false}`},
		{"triggers", sessionReplayInfo{
			EventTriggers: map[string]sessionReplayTrigger{
				"ev": {Values: &[]string{"a"}, SamplingRate: f(0.6)}, "low": {SamplingRate: f(0.1)}, "plain": {},
			},
			ExposureTriggers: map[string]sessionReplayTrigger{"gate_x": {SamplingRate: f(1)}},
			PrivacySettings:  &sessionReplayPrivacy{PrivacyMode: "input", MaskedElements: &[]string{"#m"}},
		}, 0.5, `{"can_record_session":true,
			"session_recording_event_triggers":{
				"ev":{"values":["a"],"passes_sampling":true},"low":{"passes_sampling":false},"plain":{}},
			"session_recording_exposure_triggers":{"` + DJB2("gate_x") + `":{"passes_sampling":true}},
			"session_recording_privacy_settings":{"privacy_mode":"input","masked_elements":["#m"]}}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out := map[string]any{}
			tt.info.addTo(out, DJB2, gate, tt.random)
			got, _ := json.Marshal(out)
			if !jsonEqual(got, json.RawMessage(tt.want)) {
				t.Errorf("got %s\nwant %s", got, tt.want)
			}
		})
	}
}
