package main

import (
	"flag"
	"fmt"

	"statsigbench/gen/dcs"
)

// -cmab and -config-mapping add Server Core features the shared generator does not emit, for
// the differential tests: cmab_configs (contextual bandits) and config mapping (overrides +
// override_rules). They draw from the generator's random stream only after every spec is
// made, so payloads generated without them are unchanged.
var (
	flagCMAB    = flag.Bool("cmab", false, "add cmab_configs (contextual bandits; deterministic ones only: Server Core explores a model with a random draw)")
	flagMapping = flag.Bool("config-mapping", false, "add config mappings (overrides + override_rules) on gates, configs, experiments and layers")
	// A mapped gate that other specs use as a nested gate makes Server Core's client initialize
	// response depend on its map order (the first nested use of the gate resets the shared
	// result, later uses hit the memo); get_* and exposures stay deterministic.
	flagMappingNested = flag.Bool("config-mapping-nested", false, "with -config-mapping, also map gates used as nested gates (pass_gate, fail_gate, targeting)")
)

// farFuture is a start time that has not come (2100-01-01).
const farFuture = int64(4102444800000)

// extras builds the optional sections the flags ask for, and the names to evaluate them by.
func (g *gen) extras(now int64) (*dcs.Extras, []string) {
	if !*flagCMAB && !*flagMapping {
		return nil, nil
	}
	x := &dcs.Extras{}
	var exps []string
	if *flagCMAB {
		x.CMABConfigs = g.cmabConfigs()
		for _, c := range x.CMABConfigs {
			exps = append(exps, c.Name)
		}
	}
	if *flagMapping {
		x.Overrides, x.OverrideRules = g.configMappings(now, x.CMABConfigs)
	}
	return x, exps
}

func (g *gen) cmabGroups(n int) []dcs.CMABGroup {
	out := make([]dcs.CMABGroup, n)
	for i := range out {
		out[i] = dcs.CMABGroup{Name: fmt.Sprintf("Arm %d", i), ID: g.id22(), ParameterValues: map[string]any{"arm": fmt.Sprintf("arm_%d", i), "max_items": g.paramValue("max_items")}}
	}
	return out
}

// cmabModel is a model for every group; with numerical weights on user fields (custom
// numbers, a string that parses as one, a missing field) and categorical ones (built-in and
// custom strings, a list).
func (g *gen) cmabModel(groups []dcs.CMABGroup, skip int) map[string]dcs.CMABGroupConfig {
	m := map[string]dcs.CMABGroupConfig{}
	for i, gr := range groups {
		if i == skip {
			continue // a group without a model has no score
		}
		num := map[string]float64{}
		for _, f := range g.subset([]string{"age", "signup_days", "team_size", "appVersion", "no_such_field", "Age"}, 1, 3) {
			num[f] = float64(g.r.IntN(2000)-1000) / 997
		}
		cat := map[string]map[string]float64{}
		for _, f := range g.subset([]string{"country", "plan", "locale", "tags", "email"}, 0, 2) {
			vals := map[string]float64{}
			var pool []string
			switch f {
			case "country":
				pool = countries
			case "plan":
				pool = plans
			case "locale":
				pool = locales
			case "tags":
				pool = []string{`["beta"]`, `[]`, `["vip","mobile"]`}
			default:
				pool = []string{"nobody@example.com"}
			}
			for _, v := range g.subset(pool, 1, 4) {
				vals[v] = float64(g.r.IntN(4000)-2000) / 1013
			}
			cat[f] = vals
		}
		m[gr.ID] = dcs.CMABGroupConfig{Alpha: float64(g.r.IntN(100)) / 37, Intercept: float64(g.r.IntN(10000)-5000) / 101,
			Records: g.r.IntN(5000), WeightsNumerical: num, WeightsCategorical: cat}
	}
	return m
}

func (g *gen) cmabConfigs() []dcs.CMABConfig {
	var out []dcs.CMABConfig
	mk := func(kind string) dcs.CMABConfig {
		idt := "userID"
		if g.chance(0.3) {
			idt = g.pick([]string{"stableID", "companyID"})
		}
		return dcs.CMABConfig{Name: g.uniqueName("cmab_" + kind + "_"), Salt: g.uuid(), DefaultValue: map[string]any{"arm": "default"},
			IDType: idt, Enabled: true, Version: 1 + g.r.IntN(9), SampleRate: 0, HigherIsBetter: g.chance(0.5)}
	}
	targeting := func(c *dcs.CMABConfig) {
		x := g.r.Float64()
		switch {
		case x < 0.15 && len(g.segments) > 0:
			c.TargetingGateName = ptr(g.pick(g.segments))
		case x < 0.2:
			c.TargetingGateName = ptr("cmab_unknown_targeting_gate")
		case x < 0.7 && len(g.plain) > 0:
			c.TargetingGateName = ptr(g.pick(g.plain))
		}
	}
	// not started: disabled, or no groups
	c := mk("disabled")
	c.Enabled, c.Groups = false, g.cmabGroups(2)
	out = append(out, c)
	c = mk("nogroups")
	c.Groups = []dcs.CMABGroup{}
	out = append(out, c)
	// explore by hash (no model), with and without targeting
	for i := 0; i < 4; i++ {
		c = mk("explore")
		c.Groups = g.cmabGroups(2 + g.r.IntN(3))
		c.SampleRate = float64(g.r.IntN(3)) / 2
		targeting(&c)
		out = append(out, c)
	}
	// a model, nobody sampled: the best score (higher or lower is better)
	for i := 0; i < 5; i++ {
		c = mk("model")
		c.Groups = g.cmabGroups(2 + g.r.IntN(3))
		c.Config = g.cmabModel(c.Groups, g.r.IntN(len(c.Groups)+1)-1)
		targeting(&c)
		if g.chance(0.3) {
			c.TargetAppIDs = []string{"app_cmab"}
		}
		out = append(out, c)
	}
	// a model, a share of users sampled: deterministic with one group only
	c = mk("model_sampled")
	c.Groups = g.cmabGroups(1)
	c.Config = g.cmabModel(c.Groups, -1)
	c.SampleRate = 0.5
	out = append(out, c)
	// a model without weights for its only group: Server Core picks at random among one
	c = mk("model_noweights")
	c.Groups = g.cmabGroups(1)
	c.Config = map[string]dcs.CMABGroupConfig{c.Groups[0].ID: {Alpha: 1, Intercept: 2, Records: 3,
		WeightsNumerical: map[string]float64{}, WeightsCategorical: map[string]map[string]float64{}}}
	out = append(out, c)
	return out
}

// configMappings maps some gates, configs, experiments and layers to others of the same section
// (never to a mapped one: Server Core follows mappings without a depth limit), with rules
// started and not yet started, partial pass percentages and conditions.
func (g *gen) configMappings(now int64, cmabs []dcs.CMABConfig) (map[string][]dcs.ConfigMapping, map[string]dcs.Rule) {
	rules := map[string]dcs.Rule{}
	var ruleNames []string
	addRule := func(conds []dcs.Condition, pass float64) string {
		id := g.id22()
		name := "override_rule_" + id
		rules[name] = dcs.Rule{Name: id, PassPercentage: pass, Conditions: conds, ReturnValue: true, ID: id, Salt: id, IDType: "userID"}
		ruleNames = append(ruleNames, name)
		return name
	}
	public := g.cond("public", "", "", nil, "userID", nil)
	addRule([]dcs.Condition{public}, 100)
	addRule([]dcs.Condition{public}, 50)
	addRule([]dcs.Condition{public}, 0)
	addRule([]dcs.Condition{g.cond("user_field", "any", "country", g.subset(countries, 2, 6), "userID", nil)}, 100)
	addRule([]dcs.Condition{g.cond("user_bucket", "lt", "", float64(300+g.r.IntN(400)), "userID", map[string]any{"salt": g.uuid()})}, 100)
	addRule([]dcs.Condition{g.cond("user_field", "any", "plan", g.subset(plans, 1, 3), "userID", nil)}, 70)
	if len(g.plain) > 0 {
		addRule([]dcs.Condition{g.cond("pass_gate", "", "", g.pick(g.plain), "userID", nil)}, 100)
		addRule([]dcs.Condition{g.cond("fail_gate", "", "", g.pick(g.plain), "userID", nil), public}, 80)
	}
	addRule([]dcs.Condition{g.cond("unit_id", "any", "", g.userIDList(5, 40), "userID", nil)}, 100)
	addRule([]dcs.Condition{g.cond("environment_field", "any", "tier", []string{"staging"}, "userID", nil)}, 100)

	started := func() *int64 {
		switch x := g.r.Float64(); {
		case x < 0.2:
			return nil
		case x < 0.35:
			return ptr(farFuture)
		}
		return ptr(now - int64(g.r.IntN(1000000000)))
	}
	mapping := func(target string) dcs.ConfigMapping {
		m := dcs.ConfigMapping{NewConfigName: target}
		for _, rn := range g.subset(ruleNames, 1, 3) {
			m.Rules = append(m.Rules, dcs.OverrideRule{RuleName: rn, StartTime: started()})
		}
		if g.chance(0.1) {
			m.Rules = append(m.Rules, dcs.OverrideRule{RuleName: "override_rule_missing", StartTime: nil})
		}
		return m
	}
	out := map[string][]dcs.ConfigMapping{}
	mapSome := func(names []string, n int) {
		if len(names) < 4 {
			return
		}
		perm := g.r.Perm(len(names))
		n = min(n, len(names)/2)
		sources, targets := perm[:n], perm[n:]
		for _, s := range sources {
			var ms []dcs.ConfigMapping
			if g.chance(0.15) {
				ms = append(ms, mapping("mapped_to_nothing_"+names[s])) // unknown: the next mapping applies
			}
			for k := 1 + g.r.IntN(2); k > 0; k-- {
				ms = append(ms, mapping(names[targets[g.r.IntN(len(targets))]]))
			}
			out[names[s]] = ms
		}
	}
	nested := map[string]bool{} // gates other specs evaluate as nested gates
	if !*flagMappingNested {
		for _, sec := range [][]dcs.Spec{g.gates, g.configs, g.layers} {
			for _, s := range sec {
				for _, r := range s.Rules {
					for _, c := range r.Conditions {
						if name, ok := c.TargetValue.(string); ok && (c.Type == "pass_gate" || c.Type == "fail_gate") {
							nested[name] = true
						}
					}
				}
			}
		}
		for _, r := range rules {
			for _, c := range r.Conditions {
				if name, ok := c.TargetValue.(string); ok && (c.Type == "pass_gate" || c.Type == "fail_gate") {
					nested[name] = true
				}
			}
		}
		for _, c := range cmabs {
			if c.TargetingGateName != nil {
				nested[*c.TargetingGateName] = true
			}
		}
	}
	var gates, configs, exps, layers []string
	for _, s := range g.gates {
		if s.Entity == "feature_gate" && !nested[s.Name] {
			gates = append(gates, s.Name)
		}
	}
	for _, s := range g.configs {
		if s.Entity == "experiment" {
			exps = append(exps, s.Name)
		} else {
			configs = append(configs, s.Name)
		}
	}
	for _, s := range g.layers {
		layers = append(layers, s.Name)
	}
	mapSome(gates, 12)
	mapSome(configs, 8)
	mapSome(exps, 8)
	mapSome(layers, 3)
	return out, rules
}
