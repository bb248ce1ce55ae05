package evaluator

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/statsig-operator/statsig-operator/test/fixtures"
)

// expectedCase is one Server Core result (test/fixtures).
type expectedCase = fixtures.ExpectedCase

// caseResult is what the evaluator returned for an expectedCase.
type caseResult struct {
	value    any
	ruleID   string
	idType   string
	group    *string
	alloc    *string
	exposure []SecondaryExposure
}

// TestServerCoreExpectedEvaluations checks every one of the 8,648 results Statsig Server Core
// produced for eval_proj_dcs.json (values, rule ids, id types, group names, allocated
// experiments and secondary exposures in emitted order).
func TestServerCoreExpectedEvaluations(t *testing.T) {
	dir := fixturesDir(t)
	exp := fixtures.Expected(t)
	specs := loadFixture(t, "server-core/eval_proj_dcs.json")
	lists := setIDLists{"company_id_list": readIDList(t, filepath.Join(dir, "server-core", "company_id_list"))}
	evs := map[string]*Evaluator{}
	evFor := func(env *string) *Evaluator {
		key := ""
		if env != nil {
			key = *env
		}
		if e, ok := evs[key]; ok {
			return e
		}
		e := New(Options{Environment: key})
		e.SetSpecs(specs)
		e.SetIDLists(lists)
		evs[key] = e
		return e
	}
	users := make([]*User, len(exp.Users))
	for i, u := range exp.Users {
		users[i] = mustUser(t, u)
	}
	failures := 0
	for i, c := range exp.Cases {
		e, u := evFor(c.Env), users[c.User]
		got := evaluateCase(t, e, u, i, &c)
		problems := caseProblems(&c, &got, exp.Values)
		if len(problems) > 0 {
			failures++
			if failures <= 40 {
				env := "null"
				if c.Env != nil {
					env = *c.Env
				}
				t.Errorf("%s %s user %d env %s: %s", c.Kind, c.Name, c.User, env, strings.Join(problems, "; "))
			}
		}
	}
	t.Logf("%d/%d cases match Server Core", len(exp.Cases)-failures, len(exp.Cases))
	if failures > 0 {
		t.Fatalf("%d of %d cases differ from Server Core", failures, len(exp.Cases))
	}
}

// evaluateCase asks e for case i's result for u.
func evaluateCase(t *testing.T, e *Evaluator, u *User, i int, c *expectedCase) caseResult {
	t.Helper()
	var got caseResult
	switch c.Kind {
	case "gate":
		r := e.CheckGate(u, c.Name)
		got.value, got.ruleID, got.idType, got.exposure = r.Value, r.RuleID, r.IDType, r.SecondaryExposures
	case "dynamic_config", "experiment", "autotune":
		var r ConfigResult
		if c.Kind == "dynamic_config" {
			r = e.GetConfig(u, c.Name)
		} else {
			r = e.GetExperiment(u, c.Name)
		}
		got.value, got.ruleID, got.idType, got.exposure = r.Value, r.RuleID, r.IDType, r.SecondaryExposures
		if c.GroupName != nil || c.Kind != "dynamic_config" {
			g := r.GroupName
			got.group = &g
		}
	case "layer":
		r := e.GetLayer(u, c.Name)
		got.value, got.ruleID, got.idType, got.exposure = r.Value(), r.RuleID, r.IDType, r.SecondaryExposures
		g, a := r.GroupName, r.AllocatedExperiment
		got.group, got.alloc = &g, &a
	default:
		t.Fatalf("case %d: unknown kind %q", i, c.Kind)
	}
	return got
}

// caseProblems lists how got differs from c (values: the file's shared values, by index).
func caseProblems(c *expectedCase, got *caseResult, values []json.RawMessage) []string {
	var problems []string
	if c.Value != nil {
		if got.value != *c.Value {
			problems = append(problems, fmt.Sprintf("value %v, want %v", got.value, *c.Value))
		}
	} else if c.ValueRef != nil {
		if !jsonEqual(got.value.(json.RawMessage), values[*c.ValueRef]) {
			problems = append(problems, fmt.Sprintf("value %s, want %s", got.value, values[*c.ValueRef]))
		}
	}
	if got.ruleID != c.RuleID {
		problems = append(problems, fmt.Sprintf("rule_id %q, want %q", got.ruleID, c.RuleID))
	}
	if c.IDType != "" && got.idType != c.IDType {
		problems = append(problems, fmt.Sprintf("id_type %q, want %q", got.idType, c.IDType))
	}
	if c.GroupName != nil && (got.group == nil || *got.group != *c.GroupName) {
		problems = append(problems, fmt.Sprintf("group_name %v, want %q", deref(got.group), *c.GroupName))
	}
	if c.GroupName == nil && c.Kind != "dynamic_config" && got.group != nil && *got.group != "" {
		problems = append(problems, fmt.Sprintf("group_name %q, want none", *got.group))
	}
	if c.AllocatedExperimentName != nil && (got.alloc == nil || *got.alloc != *c.AllocatedExperimentName) {
		problems = append(problems, fmt.Sprintf("allocated %v, want %q", deref(got.alloc), *c.AllocatedExperimentName))
	}
	wantExp := c.SecondaryExposures
	gotExp := make([]string, len(got.exposure))
	for j, x := range got.exposure {
		gotExp[j] = x.Gate + "|" + x.GateValue + "|" + x.RuleID
	}
	if (len(wantExp) > 0 || len(gotExp) > 0) && !reflect.DeepEqual(gotExp, wantExp) {
		problems = append(problems, fmt.Sprintf("secondary %v, want %v", gotExp, wantExp))
	}
	return problems
}

func deref(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}

func jsonEqual(a, b json.RawMessage) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}
