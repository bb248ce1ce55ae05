package evaluator

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// TestClientInitializeResponseMatchesServerCore compares feature_gates, dynamic_configs and
// layer_configs with Server Core's getClientInitializeResponse output (hash "none").
func TestClientInitializeResponseMatchesServerCore(t *testing.T) {
	dir := fixturesDir(t)
	raw, err := os.ReadFile(filepath.Join(dir, "generated", "server_core_gcir_samples.json"))
	if err != nil {
		t.Fatal(err)
	}
	var samples struct {
		Responses []struct {
			User     json.RawMessage            `json:"user"`
			Response map[string]json.RawMessage `json:"response"`
		} `json:"responses"`
	}
	if err := json.Unmarshal(raw, &samples); err != nil {
		t.Fatal(err)
	}
	e := New(Options{})
	e.SetSpecs(loadFixture(t, "server-core/eval_proj_dcs.json"))
	e.SetIDLists(setIDLists{"company_id_list": readIDList(t, filepath.Join(dir, "server-core", "company_id_list"))})
	for i, s := range samples.Responses {
		got, err := json.Marshal(e.ClientInitializeResponse(mustUser(t, s.User), ClientInitOptions{HashAlgorithm: "none"}))
		if err != nil {
			t.Fatal(err)
		}
		var gotMap map[string]json.RawMessage
		if err := json.Unmarshal(got, &gotMap); err != nil {
			t.Fatal(err)
		}
		for _, section := range []string{"feature_gates", "dynamic_configs", "layer_configs"} {
			var want, have map[string]json.RawMessage
			_ = json.Unmarshal(s.Response[section], &want)
			_ = json.Unmarshal(gotMap[section], &have)
			if len(want) != len(have) {
				t.Errorf("response %d %s: %d entries, want %d", i, section, len(have), len(want))
			}
			for name, w := range want {
				if !jsonEqual(have[name], w) {
					t.Errorf("response %d %s[%s]:\n got %s\nwant %s", i, section, name, have[name], w)
				}
			}
		}
		for _, k := range []string{"time", "has_updates", "hash_used", "evaluated_keys"} {
			if !jsonEqual(gotMap[k], s.Response[k]) {
				t.Errorf("response %d %s = %s, want %s", i, k, gotMap[k], s.Response[k])
			}
		}
	}
}

func TestDJB2(t *testing.T) {
	for _, tt := range []struct{ in, want string }{{"test_public", "3968762550"}, {"", "0"}} {
		if got := DJB2(tt.in); got != tt.want {
			t.Errorf("DJB2(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}
