package standin_test

import (
	"encoding/json"
	"strconv"
	"testing"

	"github.com/statsig-operator/statsig-operator/test/standin"
)

func TestSetGateBothFormats(t *testing.T) {
	s := start(t)
	// A gate present in both loaded payloads.
	var v1 struct {
		FeatureGates []struct {
			Name string `json:"name"`
		} `json:"feature_gates"`
	}
	_ = json.Unmarshal(s.Payload(standin.V1), &v1)
	var v2 struct {
		FeatureGates map[string]json.RawMessage `json:"feature_gates"`
	}
	_ = json.Unmarshal(s.Payload(standin.V2), &v2)
	var gate2 string
	for name := range v2.FeatureGates {
		gate2 = name
		break
	}
	gate1 := v1.FeatureGates[0].Name
	t0v2, t0v1 := s.Time(standin.V2), s.Time(standin.V1)

	code, _, b := do(t, "POST", s.URL()+"/_standin/gate?name="+gate2+"&pass_percentage=25", nil, nil)
	if code != 200 {
		t.Fatalf("flip v2 gate: %d %s", code, b)
	}
	if s.Time(standin.V2) != t0v2+1000 || s.Time(standin.V1) != t0v1+1000 {
		t.Fatalf("times after flip: %d %d", s.Time(standin.V2), s.Time(standin.V1))
	}
	var p2 struct {
		FeatureGates map[string]struct {
			Enabled bool `json:"enabled"`
			Rules   []struct {
				ID             string   `json:"id"`
				PassPercentage float64  `json:"passPercentage"`
				Conditions     []string `json:"conditions"`
			} `json:"rules"`
		} `json:"feature_gates"`
		ConditionMap map[string]struct {
			Type string `json:"type"`
		} `json:"condition_map"`
		Time int64 `json:"time"`
	}
	if err := json.Unmarshal(s.Payload(standin.V2), &p2); err != nil {
		t.Fatal(err)
	}
	g := p2.FeatureGates[gate2]
	if !g.Enabled || len(g.Rules) != 1 || g.Rules[0].PassPercentage != 25 || len(g.Rules[0].Conditions) != 1 ||
		p2.ConditionMap[g.Rules[0].Conditions[0]].Type != "public" ||
		p2.Time != s.Time(standin.V2) {
		t.Fatalf("v2 gate after flip: %+v", g)
	}
	if len(p2.FeatureGates) != len(v2.FeatureGates) {
		t.Fatal("flip changed the number of gates")
	}

	if err := s.SetGate(gate1, 100); err != nil {
		t.Fatal(err)
	}
	var p1 struct {
		FeatureGates []struct {
			Name  string `json:"name"`
			Rules []struct {
				PassPercentage float64 `json:"passPercentage"`
				Conditions     []struct {
					Type string `json:"type"`
				} `json:"conditions"`
			} `json:"rules"`
		} `json:"feature_gates"`
	}
	if err := json.Unmarshal(s.Payload(standin.V1), &p1); err != nil {
		t.Fatal(err)
	}
	if r := p1.FeatureGates[0].Rules; len(r) != 1 || r[0].PassPercentage != 100 || r[0].Conditions[0].Type != "public" {
		t.Fatalf("v1 gate after flip: %+v", p1.FeatureGates[0])
	}

	for _, tc := range []struct{ q string }{
		{"name=nope&pass_percentage=5"}, {"name=" + gate2 + "&pass_percentage=500"}, {"pass_percentage=5"},
	} {
		if code, _, _ := do(t, "POST", s.URL()+"/_standin/gate?"+tc.q, nil, nil); code == 200 {
			t.Errorf("gate %s accepted", tc.q)
		}
	}
	// A client polling with the pre-flip time gets the new payload.
	code, _, b = do(t, "GET", s.SpecsURL(standin.V2)+"/"+key+".json?sinceTime="+strconv.FormatInt(t0v2, 10), nil, nil)
	if code != 200 || string(topLevel(t, b)["has_updates"]) != "true" {
		t.Fatalf("poll after flip: %d %.100s", code, b)
	}
}

func TestStatsEndpoint(t *testing.T) {
	s := start(t)
	do(t, "GET", s.SpecsURL(standin.V2)+"/"+key+".json", nil, nil)
	code, _, b := do(t, "GET", s.URL()+"/_standin/stats", nil, nil)
	var st standin.Stats
	if code != 200 || json.Unmarshal(b, &st) != nil || st.FullPayloads["v2"] != 1 || st.Time["v2"] != s.Time(standin.V2) {
		t.Fatalf("stats: %d %s", code, b)
	}
	if len(s.Requests()) != 1 {
		t.Fatalf("control requests must not be logged: %+v", s.Requests())
	}
	s.ResetRequests()
	if len(s.Requests()) != 0 || s.Stats().FullPayloads["v2"] != 0 {
		t.Fatal("ResetRequests left data")
	}
}
