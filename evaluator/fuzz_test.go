package evaluator

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// gateJSON is a feature gate whose one rule passes pass percent of the users who meet
// condition cond.
func gateJSON(pass, cond string) string {
	return `{"type":"feature_gate","salt":"s","enabled":true,"defaultValue":false,"idType":"userID",` +
		`"rules":[{"id":"r","passPercentage":` + pass + `,"conditions":["` + cond + `"],` +
		`"returnValue":true,"idType":"userID"}]}`
}

// hostilePayloads are seeds the fuzzers start from, and a table test on their own: each must
// load with an error or evaluate to a defined result, never panic or hang.
func hostilePayloads() []string {
	deep := strings.Repeat(`{"a":`, 5000) + "1" + strings.Repeat("}", 5000)
	bigList := make([]string, 1_000_000)
	for i := range bigList {
		bigList[i] = fmt.Sprintf(`"u%d"`, i)
	}
	cycle := `{"has_updates":true,"time":1,"feature_gates":{
		"a":` + gateJSON("100", "pb") + `,
		"b":` + gateJSON("100", "pa") + `},
		"dynamic_configs":{},"layer_configs":{},"condition_map":{
		"pa":{"type":"pass_gate","targetValue":"a","idType":"userID"},
		"pb":{"type":"pass_gate","targetValue":"b","idType":"userID"}}}`
	regex := `{"has_updates":true,"time":1,"feature_gates":{"re":` + gateJSON("100", "c") + `},
		"dynamic_configs":{},"layer_configs":{},"condition_map":{"c":{"type":"user_field","field":"email",` +
		`"operator":"str_matches","targetValue":"^(a+)+(?=b)$","idType":"userID"}}}`
	huge := `{"has_updates":true,"time":1e400,"feature_gates":{"g":` + gateJSON("1e308", "c") + `},
		"dynamic_configs":{},"layer_configs":{},"condition_map":{"c":{"type":"user_field","field":"level",` +
		`"operator":"gt","targetValue":1e999,"idType":"userID"}}}`
	list := `{"has_updates":true,"time":1,"feature_gates":{"l":` + gateJSON("100", "c") + `},
		"dynamic_configs":{},"layer_configs":{},"condition_map":{"c":{"type":"user_field","field":"userID",` +
		`"operator":"any","targetValue":[` + strings.Join(bigList, ",") + `],"idType":"userID"}}}`
	return []string{
		"", "null", "[]", `{"has_updates":false}`, `{"feature_gates":7}`, deep, cycle, regex, huge, list,
		"{\"has_updates\":true,\"feature_gates\":{\"\xff\xfe\":{\"rules\":[{\"conditions\":[\"\xc3\x28\"]}]}}}",
		`{"has_updates":true,"feature_gates":[{"name":"v1","rules":[{"conditions":[` +
			`{"type":"user_field","targetValue":{"a":[1,{"b":null}]},"operator":"eq"}]}]}]}`,
		`{"has_updates":true,"feature_gates":{"x":{"rules":"not a list"}},"condition_map":{}}`,
		`{"has_updates":true,"condition_map":{"c":{"type":3}}}`,
	}
}

var fuzzUsers = []string{
	`{"userID":"a_user","email":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaac","custom":{"level":1e308}}`,
	`{"userID":123,"customIDs":{"x":null},"custom":{"level":"NaN","tags":[1,"a",null]}}`,
	`{}`,
}

func loadAndEvaluate(t testing.TB, payload []byte, user []byte) {
	specs, err := Load(bytes.NewReader(payload), LoadOptions{})
	if err != nil {
		if errors.Is(err, ErrNoUpdates) || err.Error() != "" {
			return
		}
		t.Fatal("an error must say what failed")
	}
	var u User
	if json.Unmarshal(user, &u) != nil {
		return
	}
	e := New(Options{})
	e.SetSpecs(specs)
	kinds := []Kind{KindGate, KindDynamicConfig, KindExperiment, KindLayer, KindSegment, KindHoldout, KindAutotune}
	for _, k := range kinds {
		for _, name := range specs.Names(k) {
			switch k {
			case KindLayer:
				_ = e.GetLayer(&u, name)
			case KindDynamicConfig, KindExperiment, KindAutotune:
				_ = e.GetExperiment(&u, name)
			default:
				_ = e.CheckGate(&u, name)
			}
		}
	}
	_ = e.ClientInitializeResponse(&u, ClientInitOptions{})
}

func TestHostilePayloads(t *testing.T) {
	for i, p := range hostilePayloads() {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			done := make(chan struct{})
			go func() {
				defer close(done)
				for _, u := range fuzzUsers {
					loadAndEvaluate(t, []byte(p), []byte(u))
				}
			}()
			select {
			case <-done:
			case <-time.After(30 * time.Second):
				t.Fatal("hostile payload hung the evaluator")
			}
		})
	}
}

func TestCycleOfPassGatesIsAnError(t *testing.T) {
	specs, err := Load(strings.NewReader(hostilePayloads()[6]), LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	e := New(Options{})
	e.SetSpecs(specs)
	g := e.CheckGate(&User{}, "a")
	if g.Value || g.RuleID != "" || !strings.HasPrefix(g.Details.Reason, "Error:") {
		t.Fatalf("cycle: %+v, want false, no rule, an Error reason", g)
	}
}

func FuzzLoad(f *testing.F) {
	for _, p := range hostilePayloads()[:9] {
		f.Add([]byte(p))
	}
	f.Add([]byte(`{"has_updates":true,"time":1,"feature_gates":{},"dynamic_configs":{},"layer_configs":{},` +
		`"condition_map":{}}`))
	f.Fuzz(func(t *testing.T, payload []byte) {
		if len(payload) > 1<<20 {
			return
		}
		loadAndEvaluate(t, payload, []byte(fuzzUsers[0]))
	})
}

func FuzzEvaluateCondition(f *testing.F) {
	f.Add("user_field", "email", "str_matches", `"(a|aa)+$"`, `{"userID":"u","email":"aaaa"}`)
	f.Add("user_field", "appVersion", "version_gte", `"1.2.x"`, `{"appVersion":"1.3-rc"}`)
	f.Add("current_time", "", "on", `"2024-01-01T00:00:00Z"`, `{}`)
	f.Add("user_field", "tags", "array_contains_all", `["a",1,null]`, `{"custom":{"tags":["a","1"]}}`)
	f.Add("user_bucket", "", "any", `{"12":true,"x":1}`, `{"userID":"9"}`)
	f.Add("ua_based", "os_version", "version_gt", `"10"`,
		`{"userAgent":"Mozilla/5.0 (iPhone; CPU iPhone OS 10_3_1 like Mac OS X)"}`)
	f.Add("ip_based", "country", "any", `["US"]`, `{"ip":"8.8.8.8"}`)
	f.Fuzz(func(t *testing.T, typ, field, op, target, user string) {
		cond, err := json.Marshal(map[string]any{
			"type": typ, "field": field, "operator": op, "targetValue": json.RawMessage(target),
			"idType": "userID", "additionalValues": map[string]string{"salt": "s"},
		})
		if err != nil || !json.Valid([]byte(target)) {
			return
		}
		payload := fmt.Sprintf(`{"has_updates":true,"time":1,"feature_gates":{"g":%s},`+
			`"dynamic_configs":{},"layer_configs":{},"condition_map":{"c":%s}}`, gateJSON("50", "c"), cond)
		loadAndEvaluate(t, []byte(payload), []byte(user))
	})
}

// TestTruncatedPayloadIsAnError: a payload cut anywhere must fail to load, never load partially.
func TestTruncatedPayloadIsAnError(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(fixturesDir(t), "server-core", "eval_proj_dcs.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, cut := range []int{1, 100, len(raw) / 3, len(raw) / 2, len(raw) - 2, len(raw) - 1} {
		if _, err := Load(bytes.NewReader(raw[:cut]), LoadOptions{}); err == nil {
			t.Errorf("payload truncated to %d of %d bytes loaded without an error", cut, len(raw))
		}
	}
	if _, err := Load(bytes.NewReader(raw), LoadOptions{}); err != nil {
		t.Fatalf("the whole payload must load: %v", err)
	}
}

// FuzzLoadMutations changes the size and the type of one part of a valid payload (a section,
// a spec field, a rule list, a condition) and checks that the load either fails or gives a
// snapshot that evaluates without panicking.
func FuzzLoadMutations(f *testing.F) {
	base := `{"has_updates":true,"time":1,"feature_gates":{"g":` + gateJSON("50", "c") + `},` +
		`"dynamic_configs":{},"layer_configs":{},"condition_map":{"c":{"type":"user_field","field":"email",` +
		`"operator":"any","targetValue":["a@x"],"idType":"userID"}}}`
	parts := []string{`{}`, `[]`, `[1,2]`, `"x"`, `null`, `7`, `true`, `{"a":[{}]}`}
	targets := []string{`{}`, `{"g":` + gateJSON("50", "c") + `}`, `"rules":[`, `"targetValue":["a@x"]`,
		`"passPercentage":50`, `"conditions":["c"]`, `"condition_map":{`, `"time":1`}
	for i := range targets {
		f.Add(uint8(i), uint8(i), uint16(1))
	}
	f.Fuzz(func(t *testing.T, target, part uint8, repeat uint16) {
		tg := targets[int(target)%len(targets)]
		if !strings.Contains(base, tg) {
			return
		}
		p := parts[int(part)%len(parts)]
		n := int(repeat)%64 + 1
		var mutated string
		switch {
		case strings.HasSuffix(tg, "[") || strings.HasSuffix(tg, "{"): // grow a list or an object
			items := make([]string, n)
			for i := range items {
				if strings.HasSuffix(tg, "{") {
					items[i] = fmt.Sprintf(`"k%d":%s`, i, p)
				} else {
					items[i] = p
				}
			}
			mutated = strings.Replace(base, tg, tg+strings.Join(items, ",")+",", 1)
		default: // replace a value by one of another type
			key, _, _ := strings.Cut(tg, ":")
			mutated = strings.Replace(base, tg, key+":"+p, 1)
		}
		loadAndEvaluate(t, []byte(mutated), []byte(fuzzUsers[0]))
	})
}
