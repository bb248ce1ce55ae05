package clients

import (
	"encoding/json"
	"os"
	"reflect"
	"slices"
	"testing"

	statsig "github.com/statsig-io/go-sdk"
)

const goSDKKey = "secret-clients-go-sdk"

// v1Names lists the gates, configs and layers of a v1 payload.
func v1Names(t *testing.T, raw []byte) (gates, configs, layers []string) {
	var p struct {
		FeatureGates   []struct{ Name string } `json:"feature_gates"`
		DynamicConfigs []struct{ Name string } `json:"dynamic_configs"`
		LayerConfigs   []struct{ Name string } `json:"layer_configs"`
	}
	if err := json.Unmarshal(raw, &p); err != nil {
		t.Fatal(err)
	}
	for _, g := range p.FeatureGates {
		gates = append(gates, g.Name)
	}
	for _, c := range p.DynamicConfigs {
		configs = append(configs, c.Name)
	}
	for _, l := range p.LayerConfigs {
		layers = append(layers, l.Name)
	}
	slices.Sort(gates)
	slices.Sort(configs)
	slices.Sort(layers)
	return gates, configs, layers
}

var goSDKUsers = []statsig.User{
	{UserID: "123", Email: "testuser@statsig.com"},
	{UserID: "9", Email: "jkw@statsig.com", Country: "US", AppVersion: "1.2.3"},
	{UserID: "4", Email: "a@gmail.com", Custom: map[string]any{"level": 9}},
	{
		UserID:    "abc",
		IpAddress: "1.0.0.0",
		UserAgent: "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36", //nolint:lll // a real user agent, kept whole
	},
	{CustomIDs: map[string]string{"stableID": "device-1", "companyID": "statsig"}},
}

// TestGoSDKThroughForwardProxy initializes Statsig's Go SDK from the endpoint's forward proxy
// and checks it evaluates exactly as the same SDK bootstrapped from the payload file.
func TestGoSDKThroughForwardProxy(t *testing.T) {
	for _, rel := range []string{"go-sdk/download_config_specs.json", "node-js-server-sdk/rulesets_e2e_full_dcs.json"} {
		t.Run(rel, func(t *testing.T) { goSDKThroughProxy(t, rel) })
	}
}

func goSDKThroughProxy(t *testing.T, rel string) {
	raw, err := os.ReadFile(fixture(t, rel))
	if err != nil {
		t.Fatal(err)
	}
	base := serve(t, rel, goSDKKey, nil)
	off := statsig.StatsigLoggerOptions{
		DisableInitDiagnostics: true,
		DisableSyncDiagnostics: true,
		DisableApiDiagnostics:  true,
	}
	proxied, details := statsig.NewClientWithDetails(
		goSDKKey,
		&statsig.Options{API: base + "/v1", StatsigLoggerOptions: off},
	)
	defer proxied.Shutdown()
	if !details.Success || details.Source != statsig.SourceNetwork {
		t.Fatalf(
			"go-sdk did not initialize from the proxy: success=%v source=%s err=%v",
			details.Success,
			details.Source,
			details.Error,
		)
	}
	direct := statsig.NewClientWithOptions(goSDKKey, &statsig.Options{LocalMode: true, BootstrapValues: string(raw)})
	defer direct.Shutdown()

	gates, configs, layers := v1Names(t, raw)
	if len(gates) == 0 || len(configs) == 0 {
		t.Fatal("fixture has no gates or configs")
	}
	n := 0
	for _, u := range goSDKUsers {
		for _, g := range gates {
			got, want := proxied.GetGateWithExposureLoggingDisabled(u, g), direct.GetGateWithExposureLoggingDisabled(u, g)
			if got.Value != want.Value || got.RuleID != want.RuleID {
				t.Errorf(
					"gate %s user %s: proxied %v/%s, direct %v/%s",
					g,
					u.UserID,
					got.Value,
					got.RuleID,
					want.Value,
					want.RuleID,
				)
			}
			n++
		}
		for _, c := range configs {
			got, want := proxied.GetConfigWithExposureLoggingDisabled(u, c), direct.GetConfigWithExposureLoggingDisabled(u, c)
			if got.RuleID != want.RuleID || got.GroupName != want.GroupName || !reflect.DeepEqual(got.Value, want.Value) {
				t.Errorf(
					"config %s user %s: proxied %s %v, direct %s %v",
					c,
					u.UserID,
					got.RuleID,
					got.Value,
					want.RuleID,
					want.Value,
				)
			}
			n++
		}
		for _, l := range layers {
			got, want := proxied.GetLayerWithExposureLoggingDisabled(u, l), direct.GetLayerWithExposureLoggingDisabled(u, l)
			if got.RuleID != want.RuleID || got.AllocatedExperimentName != want.AllocatedExperimentName ||
				!reflect.DeepEqual(got.Value, want.Value) {
				t.Errorf("layer %s user %s: proxied %s, direct %s", l, u.UserID, got.RuleID, want.RuleID)
			}
			n++
		}
	}
	t.Logf("%d evaluations identical through the proxy", n)
}
