package inject_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/statsig-operator/statsig-operator/inject"
	"github.com/statsig-operator/statsig-operator/inject/injecttest"
	"github.com/statsig-operator/statsig-operator/serving"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name     string
		ann      map[string]string
		gates    []string
		unit     string
		problems []string
	}{
		{"list sorted and deduplicated", map[string]string{inject.AnnGates: "new_checkout, dark_mode,new_checkout"},
			[]string{"dark_mode", "new_checkout"}, "workload", nil},
		{"unit literal", map[string]string{inject.AnnGates: "a", inject.AnnUnit: "literal:team-a"},
			[]string{"a"}, "literal:team-a", nil},
		{"bad unit", map[string]string{inject.AnnGates: "a", inject.AnnUnit: "cluster"},
			[]string{"a"}, "workload", []string{"unit"}},
		{"empty list", map[string]string{inject.AnnGates: " , "}, nil, "workload", []string{"lists no names"}},
		{"bad user-custom", map[string]string{inject.AnnGates: "a", inject.AnnUserCustom: "[1]"},
			[]string{"a"}, "workload", []string{"user-custom"}},
		{"bad strict", map[string]string{inject.AnnGates: "a", inject.AnnStrict: "yes"},
			[]string{"a"}, "workload", []string{"strict"}},
		{"bad exposure-logging-disabled", map[string]string{inject.AnnGates: "a", inject.AnnExposureLoggingDisabled: "1"},
			[]string{"a"}, "workload", []string{"exposure-logging-disabled"}},
		{"rollout without gate", map[string]string{inject.AnnRolloutImagePrefix + "app": "img:2"},
			nil, "workload", []string{"rollout-gate: is missing"}},
		{"rollout without variant", map[string]string{inject.AnnRolloutGate: "g"},
			nil, "workload", []string{"has no variant"}},
		{"rollout env not JSON", map[string]string{inject.AnnRolloutGate: "g", inject.AnnRolloutEnvPrefix + "app": "K=V"},
			nil, "workload", []string{"rollout-env.app", "has no variant"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, problems := inject.Parse(tt.ann, inject.Unit{Kind: inject.UnitWorkload})
			if !reflect.DeepEqual(req.Gates, tt.gates) {
				t.Errorf("gates = %v, want %v", req.Gates, tt.gates)
			}
			if req.Unit.String() != tt.unit {
				t.Errorf("unit = %s, want %s", req.Unit, tt.unit)
			}
			if len(problems) != len(tt.problems) {
				t.Fatalf("problems = %q, want %d matching %q", problems, len(tt.problems), tt.problems)
			}
			for i, want := range tt.problems {
				if !strings.Contains(problems[i], want) {
					t.Errorf("problem %q does not mention %q", problems[i], want)
				}
			}
		})
	}
}

func TestEnvName(t *testing.T) {
	tests := []struct{ prefix, name, want string }{
		{"STATSIG_GATE_", "new_checkout", "STATSIG_GATE_NEW_CHECKOUT"},
		{"STATSIG_GATE_", "dark-mode.v2", "STATSIG_GATE_DARK_MODE_V2"},
		{"STATSIG_CONFIG_", "Prix été", "STATSIG_CONFIG_PRIX__T_"},
		{"STATSIG_GATE_", "9lives", "STATSIG_GATE_9LIVES"},
	}
	for _, tt := range tests {
		if got := inject.EnvName(tt.prefix, tt.name, ""); got != tt.want {
			t.Errorf("EnvName(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestWorkloadOf(t *testing.T) {
	ctrl := true
	owner := func(kind, name string) []metav1.OwnerReference {
		return []metav1.OwnerReference{{Kind: kind, Name: name, Controller: &ctrl}}
	}
	tests := []struct {
		name             string
		meta             metav1.ObjectMeta
		wantName, wantKd string
	}{
		{"deployment pod", metav1.ObjectMeta{
			OwnerReferences: owner("ReplicaSet", "checkout-7d9f8b6c5"),
			Labels:          map[string]string{"pod-template-hash": "7d9f8b6c5"},
		}, "checkout", "Deployment"},
		{"bare replicaset", metav1.ObjectMeta{OwnerReferences: owner("ReplicaSet", "checkout-abc")},
			"checkout-abc", "ReplicaSet"},
		{"statefulset pod", metav1.ObjectMeta{OwnerReferences: owner("StatefulSet", "db")}, "db", "StatefulSet"},
		{"app label", metav1.ObjectMeta{Name: "x", Labels: map[string]string{"app.kubernetes.io/name": "web"}}, "web", "App"},
		{"bare pod", metav1.ObjectMeta{GenerateName: "job-"}, "job", "Pod"},
	}
	for _, tt := range tests {
		n, k := inject.WorkloadOf(&tt.meta)
		if n != tt.wantName || k != tt.wantKd {
			t.Errorf("%s: WorkloadOf = %s/%s, want %s/%s", tt.name, k, n, tt.wantKd, tt.wantName)
		}
	}
}

func testProject(t testing.TB, sink serving.EventSink) *serving.Project {
	t.Helper()
	p, err := injecttest.Project("demo", "rev1", injecttest.Payload{
		Gates:       map[string]float64{"new_checkout": 100, "new-checkout": 100, "dark_mode": 0, "half": 50},
		Configs:     map[string]map[string]any{"limits": {"max": 20}},
		Experiments: map[string]map[string]any{"button": {"color": "blue"}},
		Layers:      map[string]map[string]any{"ui": {"theme": "light"}},
	}, sink)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestEvaluate(t *testing.T) {
	sink := &injecttest.Sink{}
	p := testProject(t, sink)
	req, problems := inject.Parse(map[string]string{
		inject.AnnGates: "new_checkout, new-checkout, dark_mode", inject.AnnConfigs: "limits",
		inject.AnnExperiments: "button", inject.AnnLayers: "ui", inject.AnnOFREP: "true",
		inject.AnnUserCustom: `{"team":"payments"}`,
	}, inject.Unit{Kind: inject.UnitWorkload})
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	subject := inject.Subject{Namespace: "shop", Workload: "checkout", WorkloadKind: "Deployment"}
	o, problems := inject.Evaluate(p, &req, subject, "http://ep.ns.svc")
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	env := map[string]string{}
	for _, v := range o.Env {
		env[v.Name] = v.Value
	}
	want := map[string]string{
		"STATSIG_GATE_NEW_CHECKOUT": "true", "STATSIG_GATE_DARK_MODE": "false",
		"STATSIG_CONFIG_LIMITS": `{"max":20}`, "STATSIG_EXPERIMENT_BUTTON": `{"color":"blue"}`,
		"STATSIG_EXPERIMENT_BUTTON_GROUP": "Test", "STATSIG_LAYER_UI": `{"theme":"light"}`,
		"OFREP_ENDPOINT": "http://ep.ns.svc",
	}
	for k, v := range want {
		if env[k] != v {
			t.Errorf("%s = %q, want %q", k, env[k], v)
		}
	}
	// "new-checkout" sorts before "new_checkout", so it keeps the plain name.
	if got := o.Results.Gates["new-checkout"].Env; got != "STATSIG_GATE_NEW_CHECKOUT" {
		t.Errorf("new-checkout env = %s", got)
	}
	if got := o.Results.Gates["new_checkout"].Env; !strings.HasPrefix(got, "STATSIG_GATE_NEW_CHECKOUT_") ||
		len(got) != len("STATSIG_GATE_NEW_CHECKOUT_")+8 {
		t.Errorf("new_checkout env = %s, want a hash suffix", got)
	}
	if o.Results.Unit.ID != "checkout" || o.Results.Revision != "rev1" {
		t.Errorf("results = %+v", o.Results)
	}
	o.LogExposures()
	got := sink.Snapshot()
	// 3 gates + 1 config + 1 experiment + 1 layer parameter.
	if len(got) != 6 {
		t.Fatalf("exposures = %d, want 6", len(got))
	}
	var user map[string]any
	_ = json.Unmarshal(got[0].User, &user)
	if user["userID"] != "checkout" || user["custom"].(map[string]any)["team"] != "payments" ||
		user["custom"].(map[string]any)["namespace"] != "shop" {
		t.Errorf("logged user = %s", got[0].User)
	}
}

// A pod that disables exposure logging gets its results and logs nothing.
func TestEvaluateWithExposureLoggingDisabled(t *testing.T) {
	sink := &injecttest.Sink{}
	p := testProject(t, sink)
	req, problems := inject.Parse(map[string]string{
		inject.AnnGates: "new_checkout", inject.AnnExposureLoggingDisabled: "true",
	}, inject.Unit{Kind: inject.UnitWorkload})
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	o, problems := inject.Evaluate(p, &req, inject.Subject{Namespace: "shop", Workload: "checkout"}, "")
	if len(problems) > 0 || len(o.Env) == 0 {
		t.Fatalf("problems %v, env %v", problems, o.Env)
	}
	o.LogExposures()
	if n := len(sink.Snapshot()); n != 0 || o.Exposures() != 0 {
		t.Errorf("%d exposures logged (Exposures() = %d), want none", n, o.Exposures())
	}
}

// A parameter store is injected as one JSON object of its parameters, each read (and exposed)
// as Server Core's getValue reads it.
func TestEvaluateParamStores(t *testing.T) {
	sink := &injecttest.Sink{}
	p, err := injecttest.Project("demo", "rev1", injecttest.Payload{
		Gates:   map[string]float64{"on": 100},
		Configs: map[string]map[string]any{"limits": {"max": 20}},
		Layers:  map[string]map[string]any{"ui": {"theme": "light"}},
		ParamStores: map[string]map[string]any{"checkout-params": {
			"title": map[string]any{"ref_type": "static", "param_type": "string", "value": "Hi"},
			"mode": map[string]any{"ref_type": "gate", "param_type": "string", "gate_name": "on",
				"pass_value": "new", "fail_value": "old"},
			"max": map[string]any{"ref_type": "dynamic_config", "param_type": "number",
				"config_name": "limits", "param_name": "max"},
			"theme": map[string]any{"ref_type": "layer", "param_type": "string", "layer_name": "ui", "param_name": "theme"},
			"gone":  map[string]any{"ref_type": "layer", "param_type": "string", "layer_name": "ui", "param_name": "nope"},
		}},
	}, sink)
	if err != nil {
		t.Fatal(err)
	}
	wl := inject.Unit{Kind: inject.UnitWorkload}
	subject := inject.Subject{Namespace: "shop", Workload: "checkout"}
	req, problems := inject.Parse(map[string]string{inject.AnnParamStores: "checkout-params"}, wl)
	if len(problems) > 0 || !inject.Requested(map[string]string{inject.AnnParamStores: "x"}) {
		t.Fatal(problems)
	}
	o, problems := inject.Evaluate(p, &req, subject, "")
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	want := `{"gone":null,"max":20,"mode":"new","theme":"light","title":"Hi"}`
	if len(o.Env) != 1 || o.Env[0].Name != "STATSIG_PARAM_STORE_CHECKOUT_PARAMS" || o.Env[0].Value != want {
		t.Errorf("env = %+v, want STATSIG_PARAM_STORE_CHECKOUT_PARAMS=%s", o.Env, want)
	}
	if r := o.Results.ParamStores["checkout-params"]; string(r.Value) != want {
		t.Errorf("results = %+v", o.Results.ParamStores)
	}
	o.LogExposures()
	got := make([]string, 0, 3)
	for _, e := range sink.Snapshot() {
		got = append(got, e.Exposure.EventName)
	}
	// gate, config and the layer parameter the layer has (static values log nothing).
	if len(got) != 3 {
		t.Errorf("exposures = %v, want 3", got)
	}
	req, _ = inject.Parse(map[string]string{inject.AnnParamStores: "nope"}, wl)
	if _, problems := inject.Evaluate(p, &req, subject, ""); len(problems) != 1 ||
		!strings.Contains(problems[0], `parameter store "nope"`) {
		t.Errorf("problems = %q", problems)
	}
}

func TestEvaluateProblems(t *testing.T) {
	p := testProject(t, nil)
	tests := []struct {
		name string
		ann  map[string]string
		want string
	}{
		{"unknown gate", map[string]string{inject.AnnGates: "nope"}, `gate "nope" is not in StatsigSpec demo`},
		{"unknown layer", map[string]string{inject.AnnLayers: "nope"}, `layer "nope"`},
		{"gate as config", map[string]string{inject.AnnConfigs: "new_checkout"}, `dynamic config "new_checkout"`},
		{"pod unit on a workload", map[string]string{inject.AnnGates: "half", inject.AnnUnit: "pod"}, "unit pod has no ID"},
	}
	for _, tt := range tests {
		req, _ := inject.Parse(tt.ann, inject.Unit{Kind: inject.UnitWorkload})
		_, problems := inject.Evaluate(p, &req, inject.Subject{Namespace: "ns", Workload: "w"}, "")
		if len(problems) != 1 || !strings.Contains(problems[0], tt.want) {
			t.Errorf("%s: problems = %q, want one containing %q", tt.name, problems, tt.want)
		}
	}
}

func TestApplyToPodSpecKeepsUserValues(t *testing.T) {
	p := testProject(t, nil)
	req, _ := inject.Parse(map[string]string{inject.AnnGates: "new_checkout, dark_mode"},
		inject.Unit{Kind: inject.UnitWorkload})
	o, _ := inject.Evaluate(p, &req, inject.Subject{Workload: "w"}, "")
	spec := corev1.PodSpec{
		InitContainers: []corev1.Container{{Name: "init"}},
		Containers: []corev1.Container{
			{Name: "app", Env: []corev1.EnvVar{{Name: "STATSIG_GATE_DARK_MODE", Value: "true"}}},
		},
	}
	userSet := inject.ApplyToPodSpec(&spec, o, nil)
	if !reflect.DeepEqual(userSet, []string{"app/STATSIG_GATE_DARK_MODE"}) {
		t.Errorf("userSet = %v", userSet)
	}
	if spec.Containers[0].Env[0].Value != "true" || len(spec.Containers[0].Env) != 2 ||
		len(spec.InitContainers[0].Env) != 2 {
		t.Errorf("spec = %+v", spec)
	}
}

// TestPerPodRolloutShare checks that a 30% gate with unit pod passes for about 30% of
// distinct pod IDs (binomial: n=2000, sd≈20.5; accept 600±5sd).
func TestPerPodRolloutShare(t *testing.T) {
	p, err := injecttest.Project("demo", "r", injecttest.Payload{Gates: map[string]float64{"canary": 30}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	req, problems := inject.Parse(
		map[string]string{inject.AnnRolloutGate: "canary", inject.AnnRolloutImagePrefix + "app": "app:v2"},
		inject.Unit{Kind: inject.UnitWorkload})
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	passed := 0
	for i := range 2000 {
		o, problems := inject.Evaluate(p, &req, inject.Subject{Workload: "w", PodID: fmt.Sprintf("uid-%d", i)}, "")
		if len(problems) > 0 {
			t.Fatal(problems)
		}
		if o.Variant != nil {
			passed++
		}
	}
	if passed < 600-103 || passed > 600+103 {
		t.Errorf("passed %d of 2000, want 600±103", passed)
	}
}
