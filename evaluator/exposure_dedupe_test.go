package evaluator

import (
	"reflect"
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

// ExposureKey and ExposureSampling are what Exposure() would give, for every gate, config
// and experiment of the eval project, users with and without the unit IDs, and unknown names.
func TestExposureKeyMatchesExposure(t *testing.T) {
	e := New(Options{})
	s := loadFixture(t, "server-core/eval_proj_dcs.json")
	e.SetSpecs(s)
	users := []string{`{"userID":"a"}`, `{"userID":"b","customIDs":{"companyID":"c1","stableID":"s"}}`,
		`{"customIDs":{"companyID":"c2"}}`, `{"userID":"x","email":"a@statsig.com","country":"US"}`}
	gates := append(s.Names(KindGate), "no_such_gate")
	configs := append(append(s.Names(KindDynamicConfig), s.Names(KindExperiment)...), "no_such_config")
	for _, raw := range users {
		u, err := DecodeUser([]byte(raw))
		if err != nil {
			t.Fatal(err)
		}
		ident := "u:" + u.UserID.IDString()
		for _, name := range gates {
			r := e.CheckGate(u, name)
			x := r.Exposure()
			if got, want := r.ExposureKey(ident, u), x.DedupeKey(x.DedupeIdentity(ident, u, false)); string(got[:]) != want {
				t.Fatalf("gate %s, user %s: ExposureKey differs from the exposure's key", name, raw)
			}
			if !reflect.DeepEqual(r.ExposureSampling(), x.Sampling) {
				t.Fatalf("gate %s: sampling differs", name)
			}
		}
		for _, name := range configs {
			for _, r := range []ConfigResult{e.GetConfig(u, name), e.GetExperiment(u, name)} {
				x := r.Exposure()
				if got, want := r.ExposureKey(ident, u), x.DedupeKey(x.DedupeIdentity(ident, u, false)); string(got[:]) != want {
					t.Fatalf("config %s, user %s: ExposureKey differs from the exposure's key", name, raw)
				}
				if !reflect.DeepEqual(r.ExposureSampling(), x.Sampling) {
					t.Fatalf("config %s: sampling differs", name)
				}
			}
		}
	}
	r := e.CheckGate(mustUser(t, []byte(`{"userID":"a"}`)), "test_public")
	u := mustUser(t, []byte(`{"userID":"a"}`))
	if n := testing.AllocsPerRun(100, func() { _ = r.ExposureKey("u:a", u) }); n != 0 {
		t.Errorf("ExposureKey allocates %v times", n)
	}
}
