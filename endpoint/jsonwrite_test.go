package endpoint

import (
	"bytes"
	"encoding/json"
	"slices"
	"testing"

	"github.com/statsig-operator/statsig-operator/evaluator"
	"github.com/statsig-operator/statsig-operator/serving"
)

var jsonStrings = []string{"", "plain", `q"uote`, `back\slash`, "<a&b>", "tab\tnl\n\x01", "é", "\u2028\u2029",
	"\xff\xfe", "emoji 😀", "ctrl \x7f", "/slash"}

// The direct writers produce exactly encoding/json's bytes.
func FuzzWriteJSONString(f *testing.F) {
	for _, s := range jsonStrings {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var buf bytes.Buffer
		writeJSONString(&buf, s)
		want, _ := json.Marshal(s)
		if !bytes.Equal(buf.Bytes(), want) {
			t.Fatalf("%q: wrote %s, encoding/json %s", s, buf.Bytes(), want)
		}
	})
}

func FuzzWriteJSONRaw(f *testing.F) {
	for _, s := range []string{`{}`, `{"a": [1, 2.5e3, "x<y"], "b": {"c": null}}`, `"\u2028"`, "\"\u2028\"", `[1,]`,
		`{"a":`,
		` true `, `"é"`, "\"\xff\""} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		var buf bytes.Buffer
		ok := writeJSONRaw(&buf, raw)
		want, err := json.Marshal(json.RawMessage(raw))
		if ok != (err == nil) {
			t.Fatalf("%q: ok %v, encoding/json error %v", raw, ok, err)
		}
		if ok && !bytes.Equal(buf.Bytes(), want) {
			t.Fatalf("%q: wrote %s, encoding/json %s", raw, buf.Bytes(), want)
		}
	})
}

// Every gate, config, experiment and layer of the eval project, for a few users, encodes as
// the structs the handlers used to marshal: check_gate and get_config (single and map
// forms) and OFREP.
func TestDirectResponsesMatchEncodingJSON(t *testing.T) {
	env := newTestEnv(t, nil)
	p := env.reg.Get("eval")
	if p == nil {
		t.Fatal("no eval project")
	}
	ents := p.Entities().List()
	for _, raw := range []string{`{"userID":"a"}`, `{"userID":"b","email":"x@statsig.com","customIDs":{"companyID":"c1"}}`,
		`{"userID":"c","country":"US","custom":{"level":3}}`} {
		u, aerr := parseUser(json.RawMessage(raw))
		if aerr != nil {
			t.Fatal(aerr)
		}
		var gates []gateOut
		var configs []configOut
		for _, e := range append(slices.Clone(ents), serving.Entity{Name: "no_such_flag"}) {
			kind := ofrepKinds[e.Kind]
			if kind == "" {
				kind = kindConfig
			}
			f := env.srv.evaluateOFREP(p, u, e.Name, kind, false)
			checkWriter(t, e.Name, func(b *bytes.Buffer) bool { return writeOFREPFlag(b, f) }, f.success())
			g := p.Evaluator.CheckGate(u.user, e.Name)
			gate := gateOut{Name: e.Name, Value: g.Value, RuleID: g.RuleID, GroupName: g.GroupName}
			checkWriter(t, e.Name, func(b *bytes.Buffer) bool { return writeGate(b, gate) },
				gateResponse{Name: gate.Name, Value: gate.Value, RuleID: new(gate.RuleID), GroupName: optStr(gate.GroupName)})
			gates = append(gates, gate)
			both := []evaluator.ConfigResult{p.Evaluator.GetConfig(u.user, e.Name), p.Evaluator.GetExperiment(u.user, e.Name)}
			for _, c := range both {
				out := configOut{name: e.Name, value: c.Value, ruleID: c.RuleID, groupName: c.GroupName}
				checkWriter(t, e.Name, func(b *bytes.Buffer) bool { return writeConfig(b, out) }, out.response())
				configs = append(configs, out)
			}
		}
		gates = append(gates, gates[0], gates[1]) // repeated names: the map keeps one
		gm := map[string]gateResponse{}
		for _, g := range gates {
			gm[g.Name] = gateResponse{Name: g.Name, Value: g.Value, RuleID: new(g.RuleID), GroupName: optStr(g.GroupName)}
		}
		checkWriter(t, "gates", func(b *bytes.Buffer) bool {
			return writeByName(b, gates, func(g gateOut) string { return g.Name }, writeGate)
		}, gm)
		cm := map[string]configResponse{}
		for _, c := range configs {
			cm[c.name] = c.response()
		}
		checkWriter(t, "configs", func(b *bytes.Buffer) bool {
			return writeByName(b, configs, func(c configOut) string { return c.name }, writeConfig)
		}, cm)
	}
}

func checkWriter(t *testing.T, name string, write func(*bytes.Buffer) bool, v any) {
	t.Helper()
	var buf bytes.Buffer
	if !write(&buf) {
		t.Fatalf("%s: not written", name)
	}
	want, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Fatalf("%s:\nwrote %s\n want %s", name, buf.Bytes(), want)
	}
}
