package evaluator

import (
	"encoding/json"
	"testing"
	"time"
)

func TestParseSamplingConfig(t *testing.T) {
	for _, tc := range []struct {
		name, sdkConfigs string
		want             SamplingConfig
	}{
		{"absent", `{}`, SamplingConfig{SpecTTL: time.Minute, DedupeTTL: time.Minute}},
		{"on", `{"sampling_mode":"on","special_case_sampling_rate":101}`,
			SamplingConfig{Mode: "on", SpecialRate: 101, HasSpecialRate: true, SpecTTL: time.Minute, DedupeTTL: time.Minute}},
		{"shadow, string rate truncated", `{"sampling_mode":"shadow","special_case_sampling_rate":"10.9"}`,
			SamplingConfig{Mode: "shadow", SpecialRate: 10, HasSpecialRate: true, SpecTTL: time.Minute, DedupeTTL: time.Minute}},
		{"unknown mode is off", `{"sampling_mode":"ON","special_case_sampling_rate":true}`,
			SamplingConfig{SpecTTL: time.Minute, DedupeTTL: time.Minute}},
		{"ttls", `{"sampling_mode":"on","exposure_spec_sampling_ttl_ms":1500,"exposure_dedupe_ttl_ms":"20"}`,
			SamplingConfig{Mode: "on", SpecTTL: 1500 * time.Millisecond, DedupeTTL: 20 * time.Millisecond, HasDedupeTTL: true}},
		{"negative saturates to 0", `{"special_case_sampling_rate":-5}`,
			SamplingConfig{HasSpecialRate: true, SpecTTL: time.Minute, DedupeTTL: time.Minute}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var raw map[string]json.RawMessage
			if err := json.Unmarshal([]byte(tc.sdkConfigs), &raw); err != nil {
				t.Fatal(err)
			}
			if got := parseSamplingConfig(raw); got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestSamplingRateAndTest(t *testing.T) {
	for _, tc := range []struct {
		name     string
		s        Sampling
		wantRate uint64
		wantHas  bool
		sampled  bool
	}{
		{"rule rate, multiple", Sampling{RuleID: "r", Rate: 10, HasRate: true, SpecNameHash: 20}, 10, true, true},
		{"rule rate, not multiple", Sampling{RuleID: "r", Rate: 10, HasRate: true, SpecNameHash: 21}, 10, true, false},
		{"xor of the four hashes", Sampling{RuleID: "r", Rate: 4, HasRate: true,
			SpecNameHash: 0b1100, RuleIDHash: 0b0110, UserHash: 0b0001, AdditionalHash: 0b0011}, 4, true, true},
		{"no rate: sampled", Sampling{RuleID: "r", SpecNameHash: 21}, 0, false, true},
		{"default rule takes the special rate", Sampling{RuleID: "default", Rate: 10, HasRate: true,
			SpecNameHash: 202, Config: SamplingConfig{SpecialRate: 101, HasSpecialRate: true}}, 101, true, true},
		{"disabled rule takes the special rate", Sampling{RuleID: "disabled",
			SpecNameHash: 5, Config: SamplingConfig{SpecialRate: 101, HasSpecialRate: true}}, 101, true, false},
		{"empty rule takes the special rate", Sampling{RuleID: "",
			Config: SamplingConfig{SpecialRate: 3, HasSpecialRate: true}}, 3, true, true},
		{"no special rate configured: the rule's",
			Sampling{RuleID: "default", Rate: 7, HasRate: true, SpecNameHash: 14}, 7, true, true},
		{"rate 0: only a zero hash", Sampling{RuleID: "r", HasRate: true, SpecNameHash: 1}, 0, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rate, has := tc.s.EffectiveRate()
			if rate != tc.wantRate || has != tc.wantHas {
				t.Fatalf("rate %d %v, want %d %v", rate, has, tc.wantRate, tc.wantHas)
			}
			if got := tc.s.IsSampled(rate, has); got != tc.sampled {
				t.Errorf("sampled %v, want %v", got, tc.sampled)
			}
		})
	}
}

// TestExposureSamplingFacts: what each exposure carries for the decision.
func TestExposureSamplingFacts(t *testing.T) {
	ev := New(Options{})
	u, err := DecodeUser([]byte(`{"userID":"u1","customIDs":{"companyID":"c1"}}`))
	if err != nil {
		t.Fatal(err)
	}

	ev.SetSpecs(loadFixture(t, "server-core/dcs_with_checksum.json"))
	if s := ev.CheckGate(u, "any").Exposure().Sampling; s != nil {
		t.Errorf("no sdk_configs sampling_mode: Sampling = %+v, want nil", s)
	}

	ev.SetSpecs(loadFixture(t, "server-core/dcs_with_sampling.json"))
	g := ev.CheckGate(u, "test_rule_sampling").Exposure().Sampling
	if g == nil || g.Config.Mode != "on" || g.Rate != 201 || !g.HasRate || g.ForwardAll || g.AnalyticalGate ||
		g.AdditionalHash != 1 || g.RuleID != "6X3qJgyfwA81IJ2dxI7lYp" || g.UserHash != userSamplingHash(u, "userID") {
		t.Errorf("test_rule_sampling: %+v", g)
	}
	if f := ev.CheckGate(u, "test_forward_all_exposures").Exposure().Sampling; f == nil || !f.ForwardAll {
		t.Errorf("test_forward_all_exposures: %+v", f)
	}
	if n := ev.CheckGate(u, "no_such_gate").Exposure().Sampling; n == nil || n.RuleIDHash != 0 ||
		n.SpecNameHash != internedHash("no_such_gate") || n.UserHash != userSamplingHash(u, "") {
		t.Errorf("unrecognised gate: %+v", n)
	}

}

// TestExposureSamplingAnalytical: nested gates without samplingRate, layer parameters,
// configs and manual exposures.
func TestExposureSamplingAnalytical(t *testing.T) {
	ev := New(Options{})
	u, err := DecodeUser([]byte(`{"userID":"u1","customIDs":{"companyID":"c1"}}`))
	if err != nil {
		t.Fatal(err)
	}
	ev.SetSpecs(loadFixture(t, "server-core/dcs_with_analytical_exposure_sampling.json"))
	// parent_gate passes analytics_gate, whose rule has no samplingRate: an analytical gate.
	if p := ev.CheckGate(u, "parent_gate").Exposure().Sampling; p == nil || !p.AnalyticalGate {
		t.Errorf("parent_gate: %+v", p)
	}
	if a := ev.CheckGate(u, "analytics_gate").Exposure().Sampling; a == nil || a.AnalyticalGate || a.HasRate {
		t.Errorf("analytics_gate itself: %+v", a)
	}
	l, ok := ev.GetLayer(u, "json_sampled_layer").ParameterExposure("param")
	if !ok || l.Sampling == nil || l.Sampling.AdditionalHash != internedHash("param") ||
		l.Sampling.UserHash != userSamplingHash(u, "") {
		t.Errorf("layer parameter: %+v", l.Sampling)
	}
	c := ev.GetConfig(u, "parent_config").Exposure().Sampling
	if c == nil || c.UserHash != userSamplingHash(u, "") || c.AdditionalHash != 1 || !c.AnalyticalGate {
		t.Errorf("config: %+v", c)
	}
	g := ev.CheckGate(u, "parent_gate").Exposure().Manual().Sampling
	if g.UserHash != userSamplingHash(u, "") {
		t.Errorf("manual gate exposure keeps the unit ID in its user hash")
	}
}
