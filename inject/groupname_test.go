package inject_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/statsig-operator/statsig-operator/evaluator"
	"github.com/statsig-operator/statsig-operator/inject"
	"github.com/statsig-operator/statsig-operator/serving"
)

// TestInjectedGroupNames: an experiment or layer that fell through to its default rule gets
// no group, whatever group name a nested gate's rule had (issue 16, item 5; the payload is the
// evaluator's minimal reproduction).
func TestInjectedGroupNames(t *testing.T) {
	f, err := os.Open(filepath.Join("..", "evaluator", "testdata", "group_name_dcs.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	specs, err := evaluator.Load(f, evaluator.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ev := evaluator.New(evaluator.Options{})
	ev.SetSpecs(specs)
	p := &serving.Project{Name: "gn", Revision: "rev1", Evaluator: ev}
	req, problems := inject.Parse(map[string]string{
		inject.AnnExperiments: "gn_exp, gn_exp_group", inject.AnnLayers: "gn_layer, gn_layer_del",
	}, inject.Unit{Kind: inject.UnitWorkload})
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	o, problems := inject.Evaluate(p, &req, inject.Subject{Namespace: "ns", Workload: "w", WorkloadKind: "Deployment"}, "")
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	env := map[string]string{}
	for _, v := range o.Env {
		env[v.Name] = v.Value
	}
	exp := o.Results.Experiments
	tests := []struct{ what, got, want string }{
		{"gn_exp group", exp["gn_exp"].Group, ""},
		{"gn_exp group env", env[exp["gn_exp"].GroupEnv], ""},
		{"gn_exp_group group", exp["gn_exp_group"].Group, "Control"},
		{"gn_exp_group group env", env[exp["gn_exp_group"].GroupEnv], "Control"},
		{"gn_layer group", o.Results.Layers["gn_layer"].Group, ""},
		{"gn_layer_del group", o.Results.Layers["gn_layer_del"].Group, ""},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s = %q, want %q", tt.what, tt.got, tt.want)
		}
	}
}
