package eventlog

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/statsig-operator/statsig-operator/evaluator"
)

// captureSender keeps every event delivered, decoded.
type captureSender struct {
	mu     sync.Mutex
	events []map[string]any
}

func (c *captureSender) Send(_ context.Context, body []byte, _ string, _, _ int) error {
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		return err
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		return err
	}
	var b struct {
		Events []map[string]any `json:"events"`
	}
	if err := json.Unmarshal(raw, &b); err != nil {
		return err
	}
	c.mu.Lock()
	c.events = append(c.events, b.Events...)
	c.mu.Unlock()
	return nil
}

// nodeUsers are the users the Node harness evaluated, in order: n with a userID (some with
// a companyID, some with a stableID and teamID, some with an email), then n/10 with a
// companyID only.
func nodeUsers(n int, prefix string) []string {
	out := make([]string, 0, n+n/10)
	for i := range n {
		u := map[string]any{"userID": fmt.Sprintf("%s%d", prefix, i)}
		if i%3 == 1 {
			u["customIDs"] = map[string]string{"companyID": fmt.Sprintf("co%d", i%11)}
		}
		if i%5 == 2 {
			u["customIDs"] = map[string]string{"stableID": fmt.Sprintf("s%d", i), "teamID": fmt.Sprintf("t%d", i%13)}
		}
		if i%7 == 3 {
			u["email"] = fmt.Sprintf("x%d@example.com", i)
		}
		b, _ := json.Marshal(u)
		out = append(out, string(b))
	}
	for i := range n / 10 {
		out = append(out, fmt.Sprintf(`{"customIDs":{"companyID":"only%d"}}`, i))
	}
	return out
}

// planUsers is nodeUsers(2000, prefix), or the users listed in the JSON file prefix names.
func planUsers(t *testing.T, prefix string) []string {
	if !strings.HasSuffix(prefix, ".json") {
		return nodeUsers(2000, prefix)
	}
	b, err := os.ReadFile(prefix)
	if err != nil {
		t.Fatal(err)
	}
	var list []json.RawMessage
	if err := json.Unmarshal(b, &list); err != nil {
		t.Fatal(err)
	}
	out := make([]string, len(list))
	for i, u := range list {
		out[i] = string(u)
	}
	return out
}

type nodeCall struct{ kind, name, param string }

func readCalls(t *testing.T, path string) []nodeCall {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var list []struct{ Kind, Name, Param string }
	if err := json.Unmarshal(b, &list); err != nil {
		t.Fatal(err)
	}
	out := make([]nodeCall, len(list))
	for i, c := range list {
		out[i] = nodeCall{c.Kind, c.Name, c.Param}
	}
	return out
}

// evalProjSampling turns eval_proj_dcs.json into the payload the Node run served: shadow
// mode, special-case rate 3, and samplingRate 5, 7, 11, 5, … on each spec's rules in order.
func evalProjSampling(p map[string]any) {
	p["sdk_configs"].(map[string]any)["sampling_mode"] = "shadow"
	p["sdk_configs"].(map[string]any)["special_case_sampling_rate"] = 3
	for _, sec := range []string{"feature_gates", "dynamic_configs", "layer_configs"} {
		for _, sp := range p[sec].(map[string]any) {
			for i, r := range sp.(map[string]any)["rules"].([]any) {
				r.(map[string]any)["samplingRate"] = []int{5, 7, 11}[i%3]
			}
		}
	}
}

// TestSamplingMatchesServerCore replays what the Node harness did with
// @statsig/statsig-node-core 0.23.2 (docs/semantics.md §4.4) and compares which exposures
// are logged, and their statsigMetadata, with what Server Core sent (testdata/nodecore).
func TestSamplingMatchesServerCore(t *testing.T) {
	const sc = "../test/fixtures/testdata/statsig/server-core/"
	gate := func(n string) nodeCall { return nodeCall{"gate", n, ""} }
	for _, tc := range []struct {
		name, dcs, prefix string // prefix: nodeUsers; a .json path: users listed in testdata
		calls             []nodeCall
		mod               func(map[string]any) // changes the payload before it is loaded
	}{
		{"sampling", sc + "dcs_with_sampling.json", "sa_u", []nodeCall{
			gate("test_rule_sampling"), gate("test_forward_all_exposures"), gate("no_such_gate"),
			{"config", "no_such_config", ""}, gate("test_rule_sampling"),
		}, nil},
		{"analytical", sc + "dcs_with_analytical_exposure_sampling.json", "an_u", []nodeCall{
			gate("parent_gate"), gate("analytics_gate"), {"config", "parent_config", ""},
			{"experiment", "parent_experiment", ""}, {"layer", "parent_layer", "param"},
			{"layer", "json_sampled_layer", "param"}, {"layer", "json_sampled_layer", "other"},
		}, nil},
		{"sdkconfigs", sc + "dcs_with_sdk_configs.json", "sd_u", []nodeCall{
			gate("no_such_gate"), {"config", "no_such_config", ""}, {"layer", "no_such_layer", "p"},
		}, nil},
		// dcs_with_analytical_exposure_sampling.json with a samplingRate on analytics_gate,
		// a gate on a custom unit type and a config that ends on its default rule.
		{"rates", "testdata/nodecore/dcs_rates.json", "an_u", []nodeCall{
			gate("parent_gate"), gate("analytics_gate"), {"config", "parent_config", ""},
			{"experiment", "parent_experiment", ""}, {"layer", "parent_layer", "param"},
			gate("company_gate"), {"config", "default_config", ""},
		}, nil},
		// dcs_rates.json in shadow mode, with an experiment whose passing rule is not an
		// experiment group (read as an experiment, then as a config: Server Core logs one).
		{"shadow", "testdata/nodecore/dcs_shadow.json", "an_u", []nodeCall{
			gate("parent_gate"), {"experiment", "exp_not_group", ""}, {"config", "exp_not_group", ""},
			{"layer", "parent_layer", "param"}, gate("company_gate"),
		}, nil},
		// Manual exposures (manuallyLog*Exposure; our POST /v1/log_exposure).
		{"manual", "testdata/nodecore/dcs_shadow.json", "an_u", []nodeCall{
			{"mgate", "parent_gate", ""}, {"mconfig", "parent_config", ""}, {"mexperiment", "exp_not_group", ""},
			{"mlayer", "parent_layer", "param"}, {"mgate", "company_gate", ""},
		}, nil},
		// Edge-case IDs in shadow mode (every exposure reports its sampling outcome): 1-char
		// and empty userIDs, no userID, non-ASCII, long IDs, empty and several custom IDs.
		{"short", "testdata/nodecore/dcs_shadow.json", "testdata/nodecore/users_short.json", []nodeCall{
			{"experiment", "exp_not_group", ""}, gate("company_gate"), {"layer", "parent_layer", "param"},
		}, nil},
		// A useNewLayerEval layer: each parameter's exposure carries the rule that set it.
		{"newlayer", "testdata/nodecore/dcs_newlayer.json", "an_u", []nodeCall{
			{"layer", "new_layer", "a"}, {"layer", "new_layer", "b"}, {"layer", "new_layer", "c"},
		}, nil},
		// The eval project in shadow mode with rates on every rule: every gate, config,
		// experiment and layer parameter for 60 users with assorted attributes.
		{"evalproj", sc + "eval_proj_dcs.json", "testdata/nodecore/users_evalproj.json",
			readCalls(t, "testdata/nodecore/calls_evalproj.json"), evalProjSampling},
	} {
		t.Run(tc.name, func(t *testing.T) {
			raw, err := os.ReadFile(tc.dcs)
			if err != nil {
				t.Fatal(err)
			}
			if tc.mod != nil {
				var payload map[string]any
				dec := json.NewDecoder(bytes.NewReader(raw))
				dec.UseNumber()
				if err := dec.Decode(&payload); err != nil {
					t.Fatal(err)
				}
				tc.mod(payload)
				if raw, err = json.Marshal(payload); err != nil {
					t.Fatal(err)
				}
			}
			specs, err := evaluator.Load(bytes.NewReader(raw), evaluator.LoadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			ev := evaluator.New(evaluator.Options{})
			ev.SetSpecs(specs)
			cs := &captureSender{}
			l, err := New(Options{Sender: cs, FlushInterval: time.Hour, MaxQueueSize: 2000,
				Registerer: prometheus.NewRegistry()})
			if err != nil {
				t.Fatal(err)
			}
			users := planUsers(t, tc.prefix)
			index := map[string]int{}
			for ui, raw := range users {
				u, err := evaluator.DecodeUser([]byte(raw))
				if err != nil {
					t.Fatal(err)
				}
				index[string(mustCanon(t, raw))] = ui
				for _, c := range tc.calls {
					exp, ok := nodeExposure(ev, u, c)
					if !ok {
						continue
					}
					l.EnqueueExposure(Event{EventName: exp.EventName, User: json.RawMessage(raw), Time: exp.Time,
						Metadata: exp.Metadata, SecondaryExposures: exp.SecondaryExposures, Sampling: exp.Sampling},
						exp.DedupeKey(raw)) // each user's JSON is its identity here
				}
			}
			if err := l.Shutdown(context.Background()); err != nil {
				t.Fatal(err)
			}
			got := make([]string, 0, len(cs.events))
			for _, e := range cs.events {
				ub, _ := json.Marshal(e["user"])
				m := e["metadata"].(map[string]any)
				ci := -1
				for i, c := range tc.calls {
					name, _ := m["gate"].(string)
					if name == "" {
						name, _ = m["config"].(string)
					}
					if c.name == name && (c.param == "" || c.param == m["parameterName"]) {
						ci = i
						break
					}
				}
				got = append(got, fmt.Sprintf("%d %d %s", index[string(mustCanon(t, string(ub)))], ci,
					metaString(e["statsigMetadata"].(map[string]any))))
			}
			want := readNodeExpectations(t, "testdata/nodecore/"+tc.name+".txt.gz")
			gotSet := map[string]bool{}
			for _, g := range got {
				gotSet[g] = true
			}
			mismatches := 0
			for _, w := range want {
				if !gotSet[w] {
					mismatches++
					if mismatches < 1000 {
						t.Errorf("Server Core logged %q, we did not", w)
					}
				}
				delete(gotSet, w)
			}
			for g := range gotSet {
				mismatches++
				if mismatches < 1000 {
					t.Errorf("we logged %q, Server Core did not", g)
				}
			}
			if len(got) != len(want) {
				t.Errorf("logged %d exposures, Server Core %d", len(got), len(want))
			}
			t.Logf("%d users × %d calls: %d exposures logged by Server Core, %d mismatches",
				len(users), len(tc.calls), len(want), mismatches)
		})
	}
}

// nodeExposure is the exposure one call of the Node plan logs (m*: a manual one).
func nodeExposure(ev *evaluator.Evaluator, u *evaluator.User, c nodeCall) (evaluator.Exposure, bool) {
	var exp evaluator.Exposure
	switch strings.TrimPrefix(c.kind, "m") {
	case "gate":
		exp = ev.CheckGate(u, c.name).Exposure()
	case "config":
		exp = ev.GetConfig(u, c.name).Exposure()
	case "experiment":
		exp = ev.GetExperiment(u, c.name).Exposure()
	case "layer":
		var ok bool
		if exp, ok = ev.GetLayer(u, c.name).ParameterExposure(c.param); !ok {
			return exp, false
		}
	}
	if strings.HasPrefix(c.kind, "m") {
		exp.Metadata["isManualExposure"] = "true"
		exp = exp.Manual()
	}
	return exp, true
}

func mustCanon(t *testing.T, raw string) []byte {
	var v any
	if err := json.Unmarshal([]byte(raw), &v); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(v)
	return b
}

func metaString(m map[string]any) string {
	if len(m) == 0 {
		return "-"
	}
	rate := "null"
	if r, ok := m["samplingRate"].(float64); ok {
		rate = fmt.Sprint(int64(r))
	}
	return fmt.Sprintf("%v:%s:%v", m["samplingMode"], rate, m["shadowLogged"])
}

func readNodeExpectations(t *testing.T, path string) []string {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	sc := bufio.NewScanner(zr)
	for sc.Scan() {
		if line := sc.Text(); line != "" && !strings.HasPrefix(line, "#") {
			out = append(out, line)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
