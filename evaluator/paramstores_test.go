package evaluator

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// paramStorePayload has a passing and a failing gate, a config, an experiment, a layer and
// stores holding every parameter shape (and some Server Core decodes by shape, not ref_type).
const paramStorePayload = `{"has_updates":true,"time":1700000000000,"response_format":"dcs-v2",
"feature_gates":{
 "on":{"type":"feature_gate","salt":"s1","enabled":true,"defaultValue":false,"idType":"userID",
    "entity":"feature_gate",
  "rules":[{"name":"r","id":"rule_on","salt":"r","passPercentage":100,"conditions":["c_public"],
     "returnValue":true,"idType":"userID"}]},
 "off":{"type":"feature_gate","salt":"s2","enabled":true,"defaultValue":false,"idType":"userID",
    "entity":"feature_gate","rules":[]}},
"dynamic_configs":{
 "cfg":{"type":"dynamic_config","salt":"s3","enabled":true,"defaultValue":{"s":"x","n":3,"b":true,
    "a":[1],"o":{"k":1},"z":null},
  "idType":"userID","entity":"dynamic_config","rules":[],"version":4},
 "exp":{"type":"dynamic_config","salt":"s4","enabled":true,"defaultValue":{"color":"red"},
    "idType":"userID","entity":"experiment",
  "isActive":true,"rules":[]}},
"layer_configs":{
 "lay":{"type":"dynamic_config","salt":"s5","enabled":true,"defaultValue":{"size":12,"label":"big"},
    "idType":"userID","entity":"layer","rules":[]}},
"condition_map":{"c_public":{"type":"public","targetValue":null,"operator":null,"field":null,
   "additionalValues":{},"idType":"userID"}},
"sdk_keys_to_app_ids":{"client-a":"app_a"},
"param_stores":{
 "store":{"parameters":{
  "static_str":{"name":"static_str","ref_type":"static","param_type":"string","value":"hello"},
  "static_null":{"ref_type":"static","param_type":"object","value":null},
  "gate_on":{"name":"gate_on","ref_type":"gate","param_type":"string","gate_name":"on",
     "pass_value":"yes","fail_value":"no"},
  "gate_off":{"ref_type":"gate","param_type":"number","gate_name":"off","pass_value":1,"fail_value":2},
  "gate_missing":{"ref_type":"gate","param_type":"boolean","gate_name":"nope","pass_value":true,"fail_value":false},
  "cfg_s":{"ref_type":"dynamic_config","param_type":"string","config_name":"cfg","param_name":"s"},
  "cfg_missing_param":{"ref_type":"dynamic_config","param_type":"string","config_name":"cfg","param_name":"nope"},
  "cfg_unknown":{"ref_type":"dynamic_config","param_type":"string","config_name":"nope","param_name":"s"},
  "exp_color":{"ref_type":"experiment","param_type":"string","experiment_name":"exp","param_name":"color"},
  "layer_size":{"ref_type":"layer","param_type":"number","layer_name":"lay","param_name":"size"},
  "layer_missing":{"ref_type":"layer","param_type":"number","layer_name":"lay","param_name":"nope"},
  "shape_static":{"ref_type":"gate","param_type":"string","gate_name":"on","pass_value":"p",
     "fail_value":"f","value":"v"},
  "shape_experiment":{"ref_type":"dynamic_config","param_type":"string","experiment_name":"exp",
     "param_name":"color"}},
  "targetAppIDs":["app_a"],"version":3},
 "other":{"parameters":{},"targetAppIDs":[]},
 "bad_param":{"parameters":{"p":{"ref_type":"gate","param_type":"string","gate_name":"on"}}},
 "bad_version":{"parameters":{},"version":-1}}}`

func paramStoreEvaluator(t *testing.T) *Evaluator {
	t.Helper()
	s, err := Load(strings.NewReader(paramStorePayload), LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	e := New(Options{})
	e.SetSpecs(s)
	return e
}

func TestParameterStoreLoad(t *testing.T) {
	s := paramStoreEvaluator(t).Specs()
	if got, want := s.ParameterStoreNames(), []string{"other", "store"}; !slices.Equal(got, want) {
		t.Errorf("stores = %v, want %v", got, want)
	}
	for _, n := range []string{"param_stores.bad_param", "param_stores.bad_version"} {
		if !slices.Contains(s.Skipped(), n) {
			t.Errorf("Skipped() = %v, want %s in it", s.Skipped(), n)
		}
	}
	if names, ok := s.ParameterNames("store"); !ok || len(names) != 13 || names[0] != "cfg_missing_param" {
		t.Errorf("ParameterNames(store) = %v, %v", names, ok)
	}
	if _, ok := s.ParameterNames("nope"); ok {
		t.Error("ParameterNames(nope) ok")
	}
}

// TestGetParameter: values, the fallback's type and the exposures reading a parameter logs
// (as Server Core's getParameterStore(user, store).getValue(param, fallback)).
func TestGetParameter(t *testing.T) {
	e := paramStoreEvaluator(t)
	u := mustUser(t, json.RawMessage(`{"userID":"u1"}`))
	for _, tt := range []struct {
		store, param, fallback string
		want                   string
		fromStore              bool
		shape                  string
		exposures              []string // event name + config/gate (+ parameter)
		ruleID                 string
	}{
		{"store", "static_str", "", `"hello"`, true, RefStatic, nil, ""},
		{"store", "static_str", `"fb"`, `"hello"`, true, RefStatic, nil, ""},
		{"store", "static_str", `1`, `1`, false, RefStatic, nil, ""},
		{"store", "static_null", "", `null`, true, RefStatic, nil, ""},
		{"store", "static_null", `{}`, `{}`, false, RefStatic, nil, ""},
		{"store", "gate_on", `"fb"`, `"yes"`, true, RefGate, []string{GateExposureEvent + " on"}, "rule_on"},
		{"store", "gate_off", `0`, `2`, true, RefGate, []string{GateExposureEvent + " off"}, "default"},
		// a type mismatch still evaluates (and exposes) the gate
		{"store", "gate_off", `"fb"`, `"fb"`, false, RefGate, []string{GateExposureEvent + " off"}, "default"},
		{"store", "gate_missing", `true`, `false`, true, RefGate, []string{GateExposureEvent + " nope"}, ""},
		{"store", "cfg_s", "", `"x"`, true, RefDynamicConfig, []string{ConfigExposureEvent + " cfg"}, "default"},
		{"store", "cfg_s", `false`, `false`, false, RefDynamicConfig, []string{ConfigExposureEvent + " cfg"}, "default"},
		{"store", "cfg_missing_param", `"fb"`, `"fb"`, false, RefDynamicConfig,
			[]string{ConfigExposureEvent + " cfg"}, "default"},
		{"store", "cfg_unknown", "", `null`, false, RefDynamicConfig, []string{ConfigExposureEvent + " nope"}, ""},
		{"store", "exp_color", `"fb"`, `"red"`, true, RefExperiment, []string{ConfigExposureEvent + " exp"}, "default"},
		{"store", "layer_size", `0`, `12`, true, RefLayer, []string{LayerExposureEvent + " lay size"}, "default"},
		{"store", "layer_size", "null", `12`, true, RefLayer, []string{LayerExposureEvent + " lay size"}, "default"},
		// a layer parameter of another type, or none, is not exposed
		{"store", "layer_size", `"fb"`, `"fb"`, false, RefLayer, nil, "default"},
		{"store", "layer_missing", `0`, `0`, false, RefLayer, nil, "default"},
		{"store", "shape_static", "", `"v"`, true, RefStatic, nil, ""},
		{"store", "shape_experiment", "", `"red"`, true, RefExperiment, []string{ConfigExposureEvent + " exp"}, "default"},
		{"store", "nope", `"fb"`, `"fb"`, false, "", nil, ""},
		{"nope", "static_str", "", `null`, false, "", nil, ""},
		// target apps do not apply to server-side reads
		{"other", "x", `[]`, `[]`, false, "", nil, ""},
	} {
		t.Run(tt.store+"/"+tt.param+"/"+tt.fallback, func(t *testing.T) {
			var fb json.RawMessage
			if tt.fallback != "" {
				fb = json.RawMessage(tt.fallback)
			}
			r := e.GetParameter(u, tt.store, tt.param, fb)
			if !jsonEqual(r.Value, json.RawMessage(tt.want)) || r.FromStore != tt.fromStore || r.Shape != tt.shape {
				t.Errorf("value %s fromStore %v shape %q, want %s %v %q",
					r.Value, r.FromStore, r.Shape, tt.want, tt.fromStore, tt.shape)
			}
			if r.RuleID() != tt.ruleID {
				t.Errorf("RuleID() = %q, want %q", r.RuleID(), tt.ruleID)
			}
			var got []string
			for _, x := range r.Exposures() {
				s := x.EventName + " " + x.Metadata["gate"] + x.Metadata["config"]
				if p := x.Metadata["parameterName"]; p != "" {
					s += " " + p
				}
				got = append(got, s)
			}
			if !slices.Equal(got, tt.exposures) {
				t.Errorf("exposures = %v, want %v", got, tt.exposures)
			}
		})
	}
}

// TestClientInitializeResponseParamStores: Server Core's client format (hashed names, the
// decoded shape), filtered by app and by ParamStoreFilter.
func TestClientInitializeResponseParamStores(t *testing.T) {
	e := paramStoreEvaluator(t)
	res := gcir(t, e, `{"userID":"u"}`, ClientInitOptions{HashAlgorithm: HashDJB2})
	ps := res["param_stores"].(map[string]any)
	if got := sectionNames(res, "param_stores"); !slices.Equal(got, sortedStrings(DJB2("store"), DJB2("other"))) {
		t.Fatalf("stores = %v", got)
	}
	params := ps[DJB2("store")].(map[string]any)
	for name, want := range map[string]string{
		"static_null": `{"name":"static_null","ref_type":"static","param_type":"object","value":null}`,
		"gate_on": `{"name":"gate_on","ref_type":"gate","param_type":"string","gate_name":"` + DJB2("on") +
			`","pass_value":"yes","fail_value":"no"}`,
		"cfg_s": `{"name":"cfg_s","ref_type":"dynamic_config","param_type":"string","config_name":"` + DJB2("cfg") +
			`","param_name":"s"}`,
		"exp_color": `{"name":"exp_color","ref_type":"experiment","param_type":"string","experiment_name":"` + DJB2("exp") +
			`","param_name":"color"}`,
		"layer_size": `{"name":"layer_size","ref_type":"layer","param_type":"number","layer_name":"` + DJB2("lay") +
			`","param_name":"size"}`,
		"shape_static": `{"name":"shape_static","ref_type":"gate","param_type":"string","value":"v"}`,
		"shape_experiment": `{"name":"shape_experiment","ref_type":"dynamic_config","param_type":"string",` +
			`"experiment_name":"` + DJB2("exp") + `","param_name":"color"}`,
	} {
		got, _ := json.Marshal(params[name])
		if !jsonEqual(got, json.RawMessage(want)) {
			t.Errorf("%s = %s, want %s", name, got, want)
		}
	}
	for _, tt := range []struct {
		name string
		o    ClientInitOptions
		want []string
	}{
		{"no key", ClientInitOptions{}, []string{"other", "store"}},
		{"app key", ClientInitOptions{ClientSDKKey: "client-a"}, []string{"store"}},
		{"unknown key", ClientInitOptions{ClientSDKKey: "client-z"}, []string{"other", "store"}},
		{"target app", ClientInitOptions{TargetAppID: "app_b"}, []string{}},
		{"filter", ClientInitOptions{ParamStoreFilter: []string{"other"}, HasParamStoreFilter: true}, []string{"other"}},
		{"empty filter", ClientInitOptions{HasParamStoreFilter: true}, []string{}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tt.o.HashAlgorithm = HashNone
			if got := sectionNames(gcir(t, e, `{"userID":"u"}`, tt.o), "param_stores"); !slices.Equal(got, tt.want) {
				t.Errorf("stores = %v, want %v", got, tt.want)
			}
		})
	}
}

func sortedStrings(s ...string) []string { slices.Sort(s); return s }

// The exposures a parameter read logs are Server Core's typed-API ones: an experiment's has no
// rulePassed, a layer parameter's never has null secondary exposures, and neither
// de-duplicates against the get_experiment / get_layer exposure of the same result.
func TestParameterExposuresAreTyped(t *testing.T) {
	e := paramStoreEvaluator(t)
	u := mustUser(t, json.RawMessage(`{"userID":"u1"}`))
	exp := e.GetParameter(u, "store", "exp_color", nil).Exposures()[0]
	if _, ok := exp.Metadata["rulePassed"]; ok {
		t.Errorf("experiment exposure metadata = %v, want no rulePassed", exp.Metadata)
	}
	plain := e.GetExperiment(u, "exp").Exposure()
	id := "u:u1"
	if exp.DedupeKey(exp.DedupeIdentity(id, u, false)) == plain.DedupeKey(plain.DedupeIdentity(id, u, false)) {
		t.Error("a parameter-store experiment exposure de-duplicates against get_experiment's")
	}
	lay := e.GetParameter(u, "store", "layer_size", nil).Exposures()[0]
	if lay.SecondaryExposures == nil {
		t.Error("layer parameter exposure has null secondary exposures")
	}
	again := e.GetParameter(u, "store", "layer_size", json.RawMessage(`1`)).Exposures()[0]
	if lay.DedupeKey(lay.DedupeIdentity(id, u, false)) != again.DedupeKey(again.DedupeIdentity(id, u, false)) {
		t.Error("two reads of one layer parameter are keyed differently")
	}
}
