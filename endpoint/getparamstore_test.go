package endpoint

import (
	"encoding/json"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/statsig-operator/statsig-operator/evaluator"
	"github.com/statsig-operator/statsig-operator/serving"
)

// recordingSink keeps the exposures logged (no de-duplication).
type recordingSink struct {
	mu   sync.Mutex
	exps []evaluator.Exposure
}

func (r *recordingSink) LogExposure(_ []byte, e evaluator.Exposure, _ string) {
	r.mu.Lock()
	r.exps = append(r.exps, e)
	r.mu.Unlock()
}

func (r *recordingSink) LogCustom([]byte) error { return nil }

// names renders each exposure as kind/subject (gate, config, or layer:parameter).
func (r *recordingSink) names() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]string, 0, len(r.exps))
	for _, e := range r.exps {
		switch e.EventName {
		case evaluator.GateExposureEvent:
			out = append(out, "gate/"+e.Metadata["gate"])
		case evaluator.ConfigExposureEvent:
			out = append(out, "config/"+e.Metadata["config"])
		default:
			out = append(out, "layer/"+e.Metadata["config"]+":"+e.Metadata["parameterName"])
		}
	}
	return out
}

// demoEnv serves demo_proj_dcs.json (a parameter store with every reference kind) and the eval
// project's static store, recording exposures.
func demoEnv(t *testing.T) (*testEnv, *recordingSink) {
	t.Helper()
	rec := &recordingSink{}
	reg := serving.NewRegistry()
	reg.Set(loadProject(t, "demo", "server-core/demo_proj_dcs.json", rec, testKey, clientKey))
	srv, err := NewServer(Options{Registry: reg, Metrics: prometheus.NewRegistry()})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	return &testEnv{reg: reg, srv: srv, http: hs}, rec
}

func TestGetParameterStore(t *testing.T) {
	const user = `"user":{"userID":"ps-user-1"}`
	const store = `"storeName":"a_param_store"`
	for _, tc := range []struct {
		name      string
		body      string
		status    int
		values    map[string]string // parameter → JSON; "*" = any non-null, "?" = any
		exposures []string
	}{
		{"every parameter without parameterNames", `{` + store + `,` + user + `}`, 200,
			map[string]string{
				"a_string_param": "*", "a_bool_param": "?", "a_num_param": "?", "an_object_param": "?",
				"an_array_param": `[]`, "another_string_param": "?", "brock_an_object_param": "?",
			},
			[]string{
				"config/another_experiment", "config/three_groups", "gate/partial_gate", "layer/a_layer:my_obj",
				"config/a_dynamic_config", "config/brock_experiment",
			}},
		{"a static parameter logs nothing",
			`{"parameterStoreName":"a_param_store","parameterNames":["an_array_param"],` + user + `}`,
			200, map[string]string{"an_array_param": `[]`}, nil},
		{"a fallback of another type is returned, the gate still exposed",
			`{` + store + `,"parameterNames":["a_string_param"],"fallbacks":{"a_string_param":7},` + user + `}`,
			200, map[string]string{"a_string_param": `7`}, []string{"gate/partial_gate"}},
		{"a layer parameter of another type is not exposed",
			`{` + store + `,"parameterNames":["an_object_param"],"fallbacks":{"an_object_param":"s"},` + user + `}`,
			200, map[string]string{"an_object_param": `"s"`}, nil},
		{"an unknown parameter answers its fallback",
			`{` + store + `,"parameterNames":["nope","nope2"],"fallbacks":{"nope":"fb"},` + user + `}`,
			200, map[string]string{"nope": `"fb"`, "nope2": `null`}, nil},
		{"an unknown store", `{"storeName":"nope",` + user + `}`, 200, map[string]string{}, nil},
		{"exposure logging disabled",
			`{` + store + `,"parameterNames":["a_string_param"],` +
				`"statsigMetadata":{"exposureLoggingDisabled":true},` + user + `}`,
			200, map[string]string{"a_string_param": "*"}, nil},
		{"no store name", `{` + user + `}`, 400, nil, nil},
		{"no user", `{` + store + `}`, 400, nil, nil},
		{"an empty parameter name", `{` + store + `,"parameterNames":[""],` + user + `}`, 400, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env, rec := demoEnv(t)
			res := env.do(t, "POST", "/v1/get_parameter_store", tc.body, "statsig-api-key", clientKey)
			if res.status != tc.status {
				t.Fatalf("status %d, want %d: %s", res.status, tc.status, res.body)
			}
			if tc.status != 200 {
				return
			}
			var got paramStoreResponse
			res.json(t, &got)
			if len(got.Value) != len(tc.values) {
				t.Errorf("value = %s, want %d parameters", res.body, len(tc.values))
			}
			for p, want := range tc.values {
				v, ok := got.Value[p]
				switch {
				case !ok:
					t.Errorf("parameter %s missing: %s", p, res.body)
				case want == "*" && string(v) == "null":
					t.Errorf("parameter %s = null", p)
				case want != "*" && want != "?" && string(v) != want:
					t.Errorf("parameter %s = %s, want %s", p, v, want)
				}
			}
			gotExp, wantExp := rec.names(), slices.Clone(tc.exposures)
			slices.Sort(gotExp)
			slices.Sort(wantExp)
			if !slices.Equal(gotExp, wantExp) {
				t.Errorf("exposures %v, want %v", gotExp, wantExp)
			}
		})
	}
}

// The route answers what the evaluator reads (the values themselves are checked against
// Server Core by hack/test-exposures.sh).
func TestGetParameterStoreMatchesEvaluator(t *testing.T) {
	env, _ := demoEnv(t)
	ev := env.reg.Get("demo").Evaluator
	for _, uid := range []string{"a", "b", "c", "d", "e", "f"} {
		body := `{"storeName":"a_param_store","user":{"userID":"` + uid + `"}}`
		res := env.do(t, "POST", "/v1/get_parameter_store", body, "statsig-api-key", testKey)
		var got paramStoreResponse
		res.json(t, &got)
		u, err := evaluator.DecodeUser([]byte(`{"userID":"` + uid + `"}`))
		if err != nil {
			t.Fatal(err)
		}
		names, _ := ev.Specs().ParameterNames("a_param_store")
		for _, p := range names {
			want := ev.GetParameter(u, "a_param_store", p, nil).Value
			if !jsonEqualRaw(got.Value[p], want) {
				t.Errorf("user %s %s = %s, want %s", uid, p, got.Value[p], want)
			}
		}
	}
}

func jsonEqualRaw(a, b json.RawMessage) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	ja, _ := json.Marshal(x)
	jb, _ := json.Marshal(y)
	return string(ja) == string(jb)
}

// OFREP: <store>.<param> flags, typed as the parameter's value, exposed as getValue is.
func TestOFREPParameterStoreFlags(t *testing.T) {
	env, rec := demoEnv(t)
	ctx := `{"context":{"targetingKey":"ps-user-1"}}`
	flag := func(key string) response {
		return env.do(t, "POST", "/ofrep/v1/evaluate/flags/"+key, ctx, "Authorization", "Bearer "+clientKey)
	}
	res := flag("a_param_store.an_array_param")
	var f ofrepSuccess
	res.json(t, &f)
	if res.status != 200 || f.Reason != "STATIC" || f.Metadata["kind"] != kindParamStore {
		t.Errorf("static flag = %d %s", res.status, res.body)
	}
	res = flag("a_param_store.a_string_param")
	res.json(t, &f)
	if res.status != 200 || (f.Variant != "pass" && f.Variant != "fail") || f.Metadata["gate"] != "partial_gate" {
		t.Errorf("gate flag = %d %s", res.status, res.body)
	}
	if got := rec.names(); !slices.Equal(got, []string{"gate/partial_gate"}) {
		t.Errorf("exposures %v", got)
	}
	res = flag("a_param_store.nope")
	if res.status != 404 {
		t.Errorf("unknown parameter = %d %s", res.status, res.body)
	}
	// Existing entity keys are unchanged.
	if res = flag("partial_gate"); res.status != 200 {
		t.Errorf("gate key = %d %s", res.status, res.body)
	}
	res = env.do(t, "POST", "/ofrep/v1/evaluate/flags", ctx, "Authorization", "Bearer "+clientKey)
	var bulk ofrepBulkResponse
	res.json(t, &bulk)
	n := 0
	for _, fl := range bulk.Flags {
		if fl.Metadata["kind"] == kindParamStore {
			n++
		}
	}
	if n == 0 {
		t.Errorf("bulk has no parameter-store flags: %s", res.body)
	}
}

// paramFlag splits at the first dot whose left side is a store holding the right side.
func TestParamFlagKey(t *testing.T) {
	env, _ := demoEnv(t)
	p := env.reg.Get("demo")
	for key, want := range map[string]string{
		"a_param_store.an_array_param": "a_param_store/an_array_param",
		"a_param_store.nope":           "",
		"nope.an_array_param":          "",
		"a_param_store":                "",
		"a_param_store.":               "",
	} {
		st, pa, ok := paramFlag(p, key)
		got := ""
		if ok {
			got = st + "/" + pa
		}
		if got != want {
			t.Errorf("paramFlag(%q) = %q, want %q", key, got, want)
		}
	}
}
