package evaluator

import (
	"strings"
	"testing"
)

func TestExposureDedupeKey(t *testing.T) {
	gate := func(value, rule string) Exposure {
		return Exposure{EventName: GateExposureEvent, Metadata: map[string]string{
			"gate": "g", "gateValue": value, "ruleID": rule, "reason": "Network:Recognized",
		}}
	}
	base := gate("true", "r1").DedupeKey("u:a")
	for _, tc := range []struct {
		name string
		key  string
		same bool
	}{
		{"same exposure, same user", gate("true", "r1").DedupeKey("u:a"), true},
		{"another reason or time is the same exposure", func() string {
			e := gate("true", "r1")
			e.Metadata["reason"], e.Time = "Bootstrap", 42
			return e.DedupeKey("u:a")
		}(), true},
		{"another value", gate("false", "r1").DedupeKey("u:a"), false},
		{"another rule", gate("true", "r2").DedupeKey("u:a"), false},
		{"another user", gate("true", "r1").DedupeKey("u:b"), false},
		{"a custom ID", gate("true", "r1").DedupeKey("u:a;companyID:c"), false},
		{"another event", Exposure{EventName: ConfigExposureEvent, Metadata: map[string]string{
			"gate": "g", "gateValue": "true", "ruleID": "r1"}}.DedupeKey("u:a"), false},
		// field boundaries are kept: "g|x" as a gate name is not gate "g" plus something else
		{"boundaries", Exposure{EventName: GateExposureEvent, Metadata: map[string]string{
			"gate": "g", "gateValue": "true", "ruleID": "r1u:a"}}.DedupeKey(""), false},
	} {
		if got := tc.key == base; got != tc.same {
			t.Errorf("%s: same key = %v, want %v", tc.name, got, tc.same)
		}
	}
	if n := len(gate("true", "r1").DedupeKey("u:" + strings.Repeat("x", 1<<20))); n != 16 {
		t.Errorf("key of a 1 MiB identity is %d bytes, want 16", n)
	}
}
