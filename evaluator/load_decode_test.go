package evaluator

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// decodeSpec must decode exactly as encoding/json's struct decoder does: same
// fields, same success or failure.
func TestDecodeSpecMatchesStructDecoder(t *testing.T) {
	var specs [][]byte
	for _, f := range []string{"server-core/eval_proj_dcs.json", "server-core/demo_proj_dcs.json",
		"node-js-server-sdk/rulesets_e2e_full_dcs.json", "go-sdk/download_config_specs.json"} {
		b, err := os.ReadFile(filepath.Join(fixturesDir(t), f))
		if err != nil {
			t.Fatal(err)
		}
		var top map[string]json.RawMessage
		if err := json.Unmarshal(b, &top); err != nil {
			t.Fatal(err)
		}
		for _, section := range []string{"feature_gates", "dynamic_configs", "layer_configs"} {
			var byName map[string]json.RawMessage
			var list []json.RawMessage
			if json.Unmarshal(top[section], &byName) == nil {
				for _, raw := range byName {
					specs = append(specs, raw)
				}
			} else if json.Unmarshal(top[section], &list) == nil {
				for _, raw := range list {
					specs = append(specs, raw)
				}
			}
		}
	}
	if len(specs) < 100 {
		t.Fatalf("only %d fixture specs", len(specs))
	}
	hostile := []string{
		`null`, `{}`, `[]`, `"x"`, `1`,
		`{"name":null,"enabled":null,"rules":null,"version":null,"isActive":null}`,
		`{"Name":"n","ENABLED":true,"IdType":"userID","DefaultValue":{"a":1},"Rules":[{"ID":"r","PassPercentage":50}]}`,
		`{"name":1}`, `{"enabled":"yes"}`, `{"rules":{}}`, `{"rules":[1]}`, `{"rules":[null,{"id":"r"}]}`,
		`{"version":1.5}`, `{"version":"1"}`, `{"version":99999999999999999999}`, `{"isActive":0}`,
		`{"explicitParameters":["a",null,"b"]}`, `{"explicitParameters":["a",1]}`, `{"targetAppIDs":"x"}`,
		`{"rules":[{"conditions":["c1",{"type":"public"},7,null]}]}`, `{"rules":[{"conditions":"c1"}]}`,
		`{"rules":[{"passPercentage":"50"}]}`, `{"rules":[{"salt":null,"groupName":3}]}`,
		`{"rules":[{"samplingRate":2.5}]}`, `{"rules":[{"isExperimentGroup":"true"}]}`,
		`{"defaultValue":null,"rules":[{"returnValue":null}]}`, `{"salt":"s","salt":"t"}`,
		`{"name":"a\u00e9\ud83d\ude00","unknown":{"deep":[1,2,{"x":null}]}}`,
		`{"version":1e2}`, `{"version":-0}`, `{"version":-}`, `{"rules":[{"passPercentage":1e400}]}`,
		`{"rules":[{"id":"a\"b\\c\/d\n","salt":"\ud800x"}]}`, `{"name":"x"`, `{"enabled":tru}`,
		`{"rules":[{}],}`, `{"rules":[{"conditions":["a",]}]}`, `{"salt" "x"}`, `{"salt":"x\q"}`,
		`{"defaultValue":{"a":[1,{"b":"\u0041"}]},"returnValue":nul}`, "{\"name\":\"a\tb\"}",
		`{"targetAppIDs":["\u00e9",null]}`, `{"rules":[{"returnValue":{"x":1}}]}  `,
	}
	for _, h := range hostile {
		specs = append(specs, []byte(h))
	}
	for _, raw := range specs {
		var want, got rawSpec
		wantErr := json.Unmarshal(raw, &want)
		gotErr := decodeSpec(raw, &got)
		if (wantErr == nil) != (gotErr == nil) {
			t.Errorf("%s: struct decoder err %v, decodeSpec err %v", raw, wantErr, gotErr)
			continue
		}
		if wantErr == nil && !reflect.DeepEqual(normalize(want), normalize(got)) {
			t.Errorf("%s:\n struct decoder %+v\n decodeSpec     %+v", raw, want, got)
		}
	}
}

// normalize compacts raw JSON so whitespace differences do not count. A JSON null counts as
// absent: encoding/json keeps it in a json.RawMessage, decodeSpec leaves the value unset
// (as json-iterator, its former reference, did), and build reads both as null.
func normalize(rs rawSpec) rawSpec {
	compact := func(r json.RawMessage) json.RawMessage {
		if r == nil || string(r) == "null" {
			return nil
		}
		var v any
		if json.Unmarshal(r, &v) != nil {
			return r
		}
		b, _ := json.Marshal(v)
		return b
	}
	rs.DefaultValue = compact(rs.DefaultValue)
	rules := make([]rawRule, len(rs.Rules))
	for i, r := range rs.Rules {
		r.ReturnValue = compact(r.ReturnValue)
		conds := make([]json.RawMessage, len(r.Conditions))
		for j, c := range r.Conditions {
			conds[j] = compact(c)
		}
		if r.Conditions != nil {
			r.Conditions = conds
		}
		rules[i] = r
	}
	if rs.Rules != nil {
		rs.Rules = rules
	}
	return rs
}
