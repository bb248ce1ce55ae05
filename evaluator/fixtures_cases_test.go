package evaluator

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

func evaluatorFor(t *testing.T, rel string, opts Options) *Evaluator {
	t.Helper()
	e := New(opts)
	e.SetSpecs(loadFixture(t, rel))
	return e
}

func user(t *testing.T, raw string) *User { t.Helper(); return mustUser(t, json.RawMessage(raw)) }

// chatGPTAndroidUA is the user agent of Server Core's dcs_user_agent_versions tests.
const chatGPTAndroidUA = "ChatGPT/1.2025.315 (Android 15; V2225; build 2531527)"

// TestServerCoreFixtureExpectations ports the expectations of Server Core's own tests on the
// smaller fixtures (listed in test/fixtures/testdata/statsig/README.md and docs/semantics.md §8).
func TestServerCoreFixtureExpectations(t *testing.T) {
	tests := []struct {
		fixture, gate, user string
		value               bool
		rule                string
		noExposures         bool
	}{
		{"server-core/dcs_missing_gates.json", "test_fail_gate_not_found", `{"userID":"u"}`, true, "", true},
		{"server-core/dcs_missing_gates.json", "test_fail_gate_not_set", `{"userID":"u"}`, true, "", true},
		{"server-core/dcs_missing_gates.json", "test_pass_gate_not_found", `{"userID":"u"}`, false, "", true},
		{"server-core/dcs_missing_gates.json", "test_pass_gate_not_set", `{"userID":"u"}`, false, "", true},
		{"server-core/dcs_non_case_sensitive.json", "test_none_case_sensitive", `{"customIDs":{"stableID":"s"}}`,
			true, "", false},
		{"server-core/dcs_non_case_sensitive.json", "test_none_case_sensitive", `{"userID":"a_user"}`, true, "", false},
		// the rule matches; its pass percentage is 0
		{"server-core/dcs_user_agent_versions.json", "test_browser_version",
			`{"userID":"u","userAgent":"` + chatGPTAndroidUA + `"}`, false, "test_browser_version_rule_id", false},
		{"server-core/dcs_user_agent_versions.json", "test_browser_version", `{"userID":"u"}`, false, "default", false},
		{"server-core/dcs_user_agent_versions.json", "test_os_version",
			`{"userID":"u","userAgent":"` + chatGPTAndroidUA + `","custom":{"os_version":"Android 15"}}`,
			false, "default", false},
	}
	for _, tt := range tests {
		t.Run(filepath.Base(tt.fixture)+"/"+tt.gate, func(t *testing.T) {
			g := evaluatorFor(t, tt.fixture, Options{}).CheckGate(user(t, tt.user), tt.gate)
			if g.Value != tt.value || (tt.rule != "" && g.RuleID != tt.rule) {
				t.Fatalf("got value %v rule %q, want %v %q", g.Value, g.RuleID, tt.value, tt.rule)
			}
			if tt.noExposures && len(g.SecondaryExposures) != 0 {
				t.Fatalf("missing gates must not produce exposures: %v", g.SecondaryExposures)
			}
		})
	}
}

func TestBigNumbersRoundTrip(t *testing.T) {
	c := evaluatorFor(t, "server-core/big_number_dcs.json", Options{}).GetConfig(&User{}, "big_number")
	for _, lit := range []string{"1e+21", "1e+60", "9999999999", "0.9999999999999991"} {
		if !strings.Contains(string(c.Value), lit) {
			t.Errorf("value %s lost the literal %s", c.Value, lit)
		}
	}
}

func TestDisableUserAgentParsingAndCountryLookup(t *testing.T) {
	u := user(t, `{"userID":"u","userAgent":"`+chatGPTAndroidUA+`"}`)
	e := evaluatorFor(t, "server-core/dcs_user_agent_versions.json", Options{DisableUserAgentParsing: true})
	if g := e.CheckGate(u, "test_browser_version"); g.Value {
		t.Fatalf("UA parsing disabled, gate still passed: %+v", g)
	}
	specs := `{"has_updates":true,"time":1,"feature_gates":{"us":{"type":"feature_gate","salt":"s","enabled":true,` +
		`"defaultValue":false,"idType":"userID","rules":[{"id":"r","passPercentage":100,"conditions":["c"],` +
		`"returnValue":true,"idType":"userID"}]}},"dynamic_configs":{},"layer_configs":{},` +
		`"condition_map":{"c":{"type":"ip_based","field":"country","operator":"any","targetValue":["US"],"idType":"userID"}}}`
	for _, tt := range []struct {
		disable bool
		want    bool
	}{{false, true}, {true, false}} {
		s, err := Load(strings.NewReader(specs), LoadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		e := New(Options{DisableCountryLookup: tt.disable})
		e.SetSpecs(s)
		if got := e.CheckGate(user(t, `{"userID":"u","ip":"8.8.8.8"}`), "us").Value; got != tt.want {
			t.Errorf("DisableCountryLookup=%v: 8.8.8.8 in US = %v, want %v", tt.disable, got, tt.want)
		}
	}
}

// TestLayerParameterExposures uses the go-sdk v1 layer fixture: explicit parameters carry the
// allocated experiment, implicit ones do not (docs/semantics.md §2.10.3); missing parameters log nothing.
func TestLayerParameterExposures(t *testing.T) {
	e := evaluatorFor(t, "go-sdk/layer_exposure_download_config_specs.json", Options{})
	if got := e.Specs().Format(); got != "v1" {
		t.Fatalf("format %q, want v1", got)
	}
	l := e.GetLayer(user(t, `{"userID":"dloomb"}`), "explicit_vs_implicit_parameter_layer")
	if l.AllocatedExperiment != "experiment" {
		t.Fatalf("allocated %q, want experiment", l.AllocatedExperiment)
	}
	explicit, ok := l.ParameterExposure("an_int")
	if !ok || explicit.Metadata["isExplicitParameter"] != "true" ||
		explicit.Metadata["allocatedExperiment"] != "experiment" {
		t.Fatalf("explicit exposure %+v", explicit)
	}
	implicit, ok := l.ParameterExposure("a_string")
	if !ok || implicit.Metadata["isExplicitParameter"] != "false" || implicit.Metadata["allocatedExperiment"] != "" {
		t.Fatalf("implicit exposure %+v", implicit)
	}
	if _, ok := l.ParameterExposure("does_not_exist"); ok {
		t.Fatal("a missing parameter must not be exposed")
	}
	if u := e.GetLayer(user(t, `{"userID":"u"}`), "unallocated_layer"); u.AllocatedExperiment != "" {
		t.Fatalf("unallocated layer allocated %q", u.AllocatedExperiment)
	}
}

// TestV1AndV2FixturesLoad loads every payload fixture; the node SDK's v1 rulesets are the same
// project as eval_proj_dcs.json, so their counts match.
func TestV1AndV2FixturesLoad(t *testing.T) {
	for _, rel := range []string{
		"go-sdk/download_config_specs.json", "go-sdk/download_config_specs_ua_gates.json",
		"node-js-server-sdk/rulesets_e2e_full_dcs.json", "server-core/demo_proj_dcs.json",
		"server-core/check_gate_perf_dcs.json", "server-core/dcs_target_app_filtering.json",
		"server-core/dcs_with_checksum.json", "server-core/dcs_with_sdk_configs.json",
		"server-core/dcs_with_sampling.json", "server-core/dcs_with_analytical_exposure_sampling.json",
	} {
		s := loadFixture(t, rel)
		if s.Time() == 0 && rel != "server-core/dcs_with_checksum.json" {
			t.Errorf("%s: no time", rel)
		}
	}
	v1 := loadFixture(t, "node-js-server-sdk/rulesets_e2e_full_dcs.json")
	if v1.Format() != "v1" || v1.Counts().FeatureGates == 0 || v1.Counts().Layers == 0 {
		t.Fatalf("v1 rulesets: %s %+v", v1.Format(), v1.Counts())
	}
}

// TestExposureRecordsMatchServerCore checks exposure metadata against the log_event request
// Server Core sent for the same evaluations.
func TestExposureRecordsMatchServerCore(t *testing.T) {
	e := evaluatorFor(t, "server-core/eval_proj_dcs.json", Options{})
	u := user(t, `{"userID":"a_user","email":"a_user@statsig.com","customIDs":{"companyID":"123","stableID":""}}`)
	g := e.CheckGate(u, "test_public").Exposure()
	want := map[string]string{"gate": "test_public", "gateValue": "true", "ruleID": "6X3qJgyfwA81IJ2dxI7lYp",
		"reason": "Network:Recognized", "configVersion": "70"}
	for k, v := range want {
		if g.Metadata[k] != v {
			t.Errorf("gate exposure %s = %q, want %q", k, g.Metadata[k], v)
		}
	}
	if g.EventName != GateExposureEvent || g.Metadata["lcut"] != "1767981029384" {
		t.Errorf("gate exposure %+v", g)
	}
	unknown := e.CheckGate(u, "not_a_real_gate").Exposure()
	if unknown.Metadata["reason"] != "Network:Unrecognized" || unknown.Metadata["ruleID"] != "" ||
		unknown.Metadata["gateValue"] != "false" {
		t.Errorf("unrecognized gate exposure %+v", unknown.Metadata)
	}
	c := e.GetExperiment(u, "test_exp_5050_targeting").Exposure()
	if c.EventName != ConfigExposureEvent || c.Metadata["config"] != "test_exp_5050_targeting" ||
		c.Metadata["rulePassed"] == "" {
		t.Errorf("config exposure %+v", c)
	}
}
