package inject

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/statsig-operator/statsig-operator/evaluator"
	"github.com/statsig-operator/statsig-operator/serving"
)

// Results is what the results annotation holds: enough to see why an object got its values.
type Results struct {
	Spec        string                      `json:"spec"`
	Revision    string                      `json:"revision"`
	Unit        UnitInfo                    `json:"unit"`
	Gates       map[string]GateResult       `json:"gates,omitempty"`
	Configs     map[string]ConfigResult     `json:"configs,omitempty"`
	Experiments map[string]ConfigResult     `json:"experiments,omitempty"`
	Layers      map[string]ConfigResult     `json:"layers,omitempty"`
	ParamStores map[string]ParamStoreResult `json:"paramStores,omitempty"`
	Rollout     *RolloutResult              `json:"rollout,omitempty"`
	// UserSet lists "<container>/<VAR>" env vars the object already set, left unchanged.
	UserSet []string `json:"userSet,omitempty"`
}

// UnitInfo records the Statsig unit an evaluation used.
type UnitInfo struct {
	Type   string `json:"type"`
	IDType string `json:"idType"`
	ID     string `json:"id"`
}

// GateResult is one gate's outcome.
type GateResult struct {
	Value  bool   `json:"value"`
	RuleID string `json:"ruleID"`
	Env    string `json:"env"`
}

// ConfigResult is one dynamic config's, experiment's or layer's outcome.
type ConfigResult struct {
	Value     json.RawMessage `json:"value"`
	RuleID    string          `json:"ruleID"`
	Group     string          `json:"group,omitempty"`
	Env       string          `json:"env"`
	GroupEnv  string          `json:"groupEnv,omitempty"`
	Allocated string          `json:"allocatedExperiment,omitempty"`
}

// ParamStoreResult is one parameter store's outcome: every parameter's value (null when it has
// none for the unit).
type ParamStoreResult struct {
	Value json.RawMessage `json:"value"`
	Env   string          `json:"env"`
}

// RolloutResult is the rollout gate's outcome for the rollout unit.
type RolloutResult struct {
	Gate   string   `json:"gate"`
	Passed bool     `json:"passed"`
	RuleID string   `json:"ruleID"`
	Unit   UnitInfo `json:"unit"`
}

// Outcome is a complete evaluation: the annotation, the env vars for every container, the
// rollout variant to apply and the exposures to log once the result is used.
type Outcome struct {
	Results Results
	Env     []EnvVar
	// Variant is non-nil when the rollout gate passed.
	Variant   *Rollout
	exposures []exposure
	project   *serving.Project
	// noExposures: the request disabled exposure logging.
	noExposures bool
}

type exposure struct {
	user *User
	exp  evaluator.Exposure
}

// Project resolves the StatsigSpec a request names (or the only one served).
func Project(reg *serving.Registry, name string) (*serving.Project, string) {
	if reg == nil {
		return nil, "no snapshot is loaded yet"
	}
	if name != "" {
		if p := reg.Get(name); p != nil && p.Evaluator != nil {
			return p, ""
		}
		return nil, fmt.Sprintf("StatsigSpec %q is not served (unknown, or no snapshot loaded yet)", name)
	}
	if p := reg.Only(); p != nil && p.Evaluator != nil {
		return p, ""
	}
	if reg.Len() == 0 {
		return nil, "no StatsigSpec snapshot is loaded yet"
	}
	return nil, fmt.Sprintf("%d StatsigSpecs are served: name one with annotation %s", reg.Len(), AnnSpec)
}

// Evaluate evaluates everything req asks for against p for subject s; ofrepEndpoint is the
// OFREP_ENDPOINT value injected when the request asks for it. problems are complete
// sentences; the caller uses the outcome only when there are none.
func Evaluate(p *serving.Project, req *Request, s Subject, ofrepEndpoint string) (*Outcome, []string) {
	var problems []string
	specs := p.Evaluator.Specs()
	has := func(kind evaluator.Kind, name string) bool { return specs != nil && specs.Has(kind, name) }
	for _, l := range []struct {
		kind  evaluator.Kind
		what  string
		names []string
	}{
		{evaluator.KindGate, "gate", req.Gates},
		{evaluator.KindDynamicConfig, "dynamic config", req.Configs},
		{evaluator.KindExperiment, "experiment", req.Experiments},
		{evaluator.KindLayer, "layer", req.Layers},
	} {
		for _, n := range l.names {
			if !has(l.kind, n) {
				problems = append(problems,
					fmt.Sprintf("%s %q is not in StatsigSpec %s revision %s", l.what, n, p.Name, p.Revision))
			}
		}
	}
	for _, n := range req.ParamStores {
		if _, ok := paramNames(specs, n); !ok {
			problems = append(problems,
				fmt.Sprintf("parameter store %q is not in StatsigSpec %s revision %s", n, p.Name, p.Revision))
		}
	}
	if req.Rollout != nil && req.Rollout.Gate != "" && !has(evaluator.KindGate, req.Rollout.Gate) {
		problems = append(problems,
			fmt.Sprintf("rollout gate %q is not in StatsigSpec %s revision %s", req.Rollout.Gate, p.Name, p.Revision))
	}
	unitID, ok := s.unitID(req.Unit)
	if !ok {
		problems = append(problems, fmt.Sprintf("annotation %s: unit %s has no ID for this object", AnnUnit, req.Unit))
	}
	if len(problems) > 0 {
		return nil, problems
	}
	u, err := BuildUser(req, s, unitID)
	if err != nil {
		return nil, []string{"building the Statsig user failed: " + err.Error()}
	}
	o := &Outcome{project: p, noExposures: req.ExposureLoggingDisabled, Results: Results{
		Spec: p.Name, Revision: p.Revision,
		Unit: UnitInfo{Type: req.Unit.String(), IDType: req.IDType, ID: unitID},
	}}
	names := newEnvNames()
	ev := p.Evaluator
	if len(req.Gates) > 0 {
		o.Results.Gates = make(map[string]GateResult, len(req.Gates))
	}
	for _, n := range req.Gates {
		r := ev.CheckGate(u.Eval, n)
		env := names.alloc("STATSIG_GATE_", n, "")
		o.Results.Gates[n] = GateResult{Value: r.Value, RuleID: r.RuleID, Env: env}
		o.Env = append(o.Env, EnvVar{Name: env, Value: fmt.Sprint(r.Value)})
		o.expose(u, r.Exposure())
	}
	getConfig := func(n string) evaluator.ConfigResult { return ev.GetConfig(u.Eval, n) }
	getExperiment := func(n string) evaluator.ConfigResult { return ev.GetExperiment(u.Eval, n) }
	o.Results.Configs = o.configs(req.Configs, "STATSIG_CONFIG_", names, false, getConfig, u)
	o.Results.Experiments = o.configs(req.Experiments, "STATSIG_EXPERIMENT_", names, true, getExperiment, u)
	if len(req.Layers) > 0 {
		o.Results.Layers = make(map[string]ConfigResult, len(req.Layers))
	}
	for _, n := range req.Layers {
		r := ev.GetLayer(u.Eval, n)
		val := jsonObject(r.Value())
		env := names.alloc("STATSIG_LAYER_", n, "")
		o.Results.Layers[n] = ConfigResult{
			Value:     val,
			RuleID:    r.RuleID,
			Group:     r.GroupName,
			Allocated: r.AllocatedExperiment,
			Env:       env,
		}
		o.Env = append(o.Env, EnvVar{Name: env, Value: string(val)})
		// The whole layer is handed to the workload, so every parameter counts as used.
		for _, param := range objectKeys(val) {
			if e, ok := r.ParameterExposure(param); ok {
				o.expose(u, e)
			}
		}
	}
	o.paramStores(req.ParamStores, specs, names, u)
	if req.OFREP && ofrepEndpoint != "" {
		o.Env = append(o.Env, EnvVar{Name: EnvOFREPEndpoint, Value: ofrepEndpoint})
		if req.OFREPKey != nil {
			o.Env = append(o.Env, EnvVar{Name: EnvOFREPKey, SecretKey: req.OFREPKey},
				EnvVar{Name: EnvOFREPHeaders, Value: OFREPHeaders})
		}
	}
	if ro := req.Rollout; ro != nil {
		rid, ok := s.unitID(ro.Unit)
		if !ok {
			return nil, []string{fmt.Sprintf("annotation %s: unit %s has no ID for this object", AnnRolloutUnit, ro.Unit)}
		}
		ru := u
		if rid != unitID {
			if ru, err = BuildUser(req, s, rid); err != nil {
				return nil, []string{"building the Statsig user failed: " + err.Error()}
			}
		}
		r := ev.CheckGate(ru.Eval, ro.Gate)
		o.Results.Rollout = &RolloutResult{
			Gate:   ro.Gate,
			Passed: r.Value,
			RuleID: r.RuleID,
			Unit:   UnitInfo{Type: ro.Unit.String(), IDType: req.IDType, ID: rid},
		}
		o.expose(ru, r.Exposure())
		if r.Value {
			o.Variant = ro
		}
	}
	return o, nil
}

func (o *Outcome) configs(
	list []string,
	prefix string,
	names *envNames,
	groups bool,
	get func(string) evaluator.ConfigResult,
	u *User,
) map[string]ConfigResult {
	if len(list) == 0 {
		return nil
	}
	out := make(map[string]ConfigResult, len(list))
	for _, n := range list {
		r := get(n)
		val := jsonObject(r.Value)
		c := ConfigResult{Value: val, RuleID: r.RuleID, Group: r.GroupName, Env: names.alloc(prefix, n, "")}
		o.Env = append(o.Env, EnvVar{Name: c.Env, Value: string(val)})
		if groups {
			c.GroupEnv = names.alloc(prefix, n, "_GROUP")
			o.Env = append(o.Env, EnvVar{Name: c.GroupEnv, Value: r.GroupName})
		}
		out[n] = c
		o.expose(u, r.Exposure())
	}
	return out
}

// paramStores reads every parameter of each store as getValue(param) with no fallback reads
// it, and injects the store as one JSON object.
func (o *Outcome) paramStores(list []string, specs *evaluator.Specs, names *envNames, u *User) {
	if len(list) == 0 {
		return
	}
	ev := o.project.Evaluator
	o.Results.ParamStores = make(map[string]ParamStoreResult, len(list))
	for _, n := range list {
		params, _ := paramNames(specs, n)
		vals := make(map[string]json.RawMessage, len(params))
		for _, param := range params {
			r := ev.GetParameter(u.Eval, n, param, nil)
			vals[param] = r.Value
			for _, e := range r.Exposures() {
				o.expose(u, e)
			}
		}
		val := jsonObject(vals)
		env := names.alloc("STATSIG_PARAM_STORE_", n, "")
		o.Results.ParamStores[n] = ParamStoreResult{Value: val, Env: env}
		o.Env = append(o.Env, EnvVar{Name: env, Value: string(val)})
	}
}

func paramNames(specs *evaluator.Specs, store string) ([]string, bool) {
	if specs == nil {
		return nil, false
	}
	return specs.ParameterNames(store)
}

func (o *Outcome) expose(u *User, e evaluator.Exposure) {
	o.exposures = append(o.exposures, exposure{u, e})
}

// LogExposures queues one exposure per evaluated entity (per layer parameter) on the
// project's sink; nothing when the project disables logging. It never blocks.
func (o *Outcome) LogExposures() {
	p := o.project
	if p == nil || p.Events == nil || p.DisableAllLogging || o.noExposures {
		return
	}
	// The user as Server Core logs it (environment tier, global custom fields), rendered once
	// per user of the outcome.
	var last *User
	var logged []byte
	for _, x := range o.exposures {
		if x.user != last {
			last, logged = x.user, p.Evaluator.LoggedUser(x.user.Eval)
		}
		p.Events.LogExposure(logged, x.exp, x.exp.DedupeKey(x.exp.DedupeIdentity(x.user.Identity, x.user.Eval, false)))
	}
}

// Exposures is how many exposures LogExposures would queue.
func (o *Outcome) Exposures() int {
	if o.noExposures {
		return 0
	}
	return len(o.exposures)
}

// jsonObject renders a config value as compact JSON; a missing value is {} (as Statsig sends).
func jsonObject(v any) json.RawMessage {
	var raw []byte
	switch t := v.(type) {
	case json.RawMessage:
		raw = t
	case []byte:
		raw = t
	default:
		b, err := json.Marshal(v)
		if err != nil {
			return json.RawMessage(`{}`)
		}
		raw = b
	}
	s := strings.TrimSpace(string(raw))
	if s == "" || s == "null" {
		return json.RawMessage(`{}`)
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, []byte(s)); err != nil {
		return json.RawMessage(`{}`)
	}
	return json.RawMessage(buf.String())
}

func objectKeys(raw json.RawMessage) []string {
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return nil
	}
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
