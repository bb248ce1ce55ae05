package evaluator

import (
	"slices"
	"strings"
	"testing"
)

// A spec whose JSON fails to decode is left out, and its name is reported by Specs.Skipped;
// the rest of the payload loads.
func TestSkippedSpecs(t *testing.T) {
	tests := []struct {
		name, payload string
		want          []string
	}{
		{
			name: "v2",
			payload: `{"has_updates":true,"time":1,"feature_gates":{
				"good":{"name":"good","type":"feature_gate","entity":"feature_gate","salt":"s",` +
				`"enabled":true,"defaultValue":false,"rules":[]},
				"bad":{"name":"bad","enabled":"yes","rules":[]},
				"also_good":{"name":"also_good","enabled":false,"rules":[]}},
				"dynamic_configs":{"cfg":{"rules":{}}},"layer_configs":{},"condition_map":{}}`,
			want: []string{"bad", "cfg"},
		},
		{
			name: "v1",
			payload: `{"has_updates":true,"time":1,"feature_gates":[
				{"name":"good","enabled":true,"rules":[]},
				{"name":"bad","version":1.5,"rules":[]},
				{"enabled":true},
				{"name":7}],
				"dynamic_configs":[],"layer_configs":[]}`,
			want: []string{"bad", "feature_gates[2]", "feature_gates[3]"},
		},
		{
			name:    "none",
			payload: `{"has_updates":true,"feature_gates":{"good":{"enabled":true,"rules":[]}},"condition_map":{}}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Load(strings.NewReader(tt.payload), LoadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if got := s.Skipped(); !slices.Equal(got, tt.want) {
				t.Fatalf("Skipped() = %q, want %q", got, tt.want)
			}
			if !s.Has(KindGate, "good") {
				t.Fatal("the good gate is missing")
			}
			for _, name := range tt.want {
				if s.Has(KindGate, name) || s.Has(KindDynamicConfig, name) {
					t.Fatalf("skipped spec %q is in the snapshot", name)
				}
			}
			// a resync of the same payload reports the same specs
			again, err := Load(strings.NewReader(tt.payload), LoadOptions{Previous: s})
			if err != nil {
				t.Fatal(err)
			}
			if got := again.Skipped(); !slices.Equal(got, tt.want) {
				t.Fatalf("resync: Skipped() = %q, want %q", got, tt.want)
			}
		})
	}
}

// A spec section of the wrong shape is a load error, never an empty section: a mistyped
// payload must not replace a good snapshot.
func TestMistypedSectionsFailTheLoad(t *testing.T) {
	tests := []struct{ name, payload, want string }{
		{"v2 gates as a list of numbers", `{"has_updates":true,"time":1,"feature_gates":[1,2],` +
			`"dynamic_configs":{},"layer_configs":{},"condition_map":{}}`, "feature_gates[0] must be a spec object"},
		{"v2 sections then an array", `{"has_updates":true,"time":1,"feature_gates":{},"dynamic_configs":[],` +
			`"layer_configs":{},"condition_map":{}}`, "dynamic_configs is v1-shaped in a v2 payload"},
		{"v1 sections then an object", `{"has_updates":true,"time":1,"feature_gates":[],"dynamic_configs":{}}`,
			"dynamic_configs is v2-shaped in a v1 payload"},
		{"a section of another type", `{"has_updates":true,"feature_gates":"x","condition_map":{}}`,
			"feature_gates must be an object or an array"},
		{"condition map of another type", `{"has_updates":true,"feature_gates":{},"condition_map":[]}`,
			"condition_map must be an object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(strings.NewReader(tt.payload), LoadOptions{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one mentioning %q", err, tt.want)
			}
		})
	}
}
