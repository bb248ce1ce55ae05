package evaluator

import (
	"encoding/json"
)

// Config mapping: the payload's overrides (spec name → mappings to another config, each with
// rules from override_rules and their start times), applied as Server Core applies it
// (docs/semantics.md §2.13) to gates, dynamic configs, experiments and layers.

// configMapping is one entry of overrides[spec].
type configMapping struct {
	newName string
	rules   []mappingRule
}

type mappingRule struct {
	startTime int64
	rule      *rule // nil: override_rules has no rule of that name
}

type rawMapping struct {
	NewConfigName *string `json:"new_config_name"`
	Rules         *[]struct {
		RuleName  *string `json:"rule_name"`
		StartTime *int64  `json:"start_time"`
	} `json:"rules"`
}

// loadMappings builds the mappings from the raw overrides and override_rules (read once the
// condition map is known: override rules reference its conditions). A malformed mapping is
// left out.
func (l *loader) loadMappings(overrides, overrideRules []byte) map[string][]configMapping {
	if len(overrides) == 0 || overrides[0] != '{' || len(overrideRules) == 0 || overrideRules[0] != '{' {
		// Server Core applies no mapping without both (override_rules may be empty)
		return nil
	}
	var rawRules map[string]json.RawMessage
	var rawMaps map[string][]json.RawMessage
	if json.Unmarshal(overrideRules, &rawRules) != nil {
		return nil
	}
	if json.Unmarshal(overrides, &rawMaps) != nil {
		return nil
	}
	var slab condSlab
	rules := make(map[string]*rule, len(rawRules))
	for name, raw := range rawRules {
		wrapped := make([]byte, 0, len(raw)+96)
		wrapped = append(wrapped, `{"salt":"","enabled":true,"defaultValue":false,"idType":"userID","rules":[`...)
		wrapped = append(wrapped, raw...)
		wrapped = append(wrapped, "]}"...)
		sp, ids, err := l.build("override_rules."+name, wrapped, KindGate, &slab)
		if err != nil || len(sp.rules) != 1 {
			l.skip("override_rules." + name)
			continue
		}
		l.resolve(sp, ids)
		rules[name] = &sp.rules[0]
	}
	out := make(map[string][]configMapping, len(rawMaps))
	for spec, list := range rawMaps {
		ms := make([]configMapping, 0, len(list))
		ok := true
		for _, raw := range list {
			var rm rawMapping
			if json.Unmarshal(raw, &rm) != nil || rm.NewConfigName == nil || rm.Rules == nil {
				ok = false
				break
			}
			m := configMapping{newName: l.intern(*rm.NewConfigName)}
			for _, rr := range *rm.Rules {
				if rr.RuleName == nil {
					ok = false
					break
				}
				mr := mappingRule{rule: rules[*rr.RuleName]}
				if rr.StartTime != nil {
					mr.startTime = *rr.StartTime
				}
				m.rules = append(m.rules, mr)
			}
			ms = append(ms, m)
		}
		if !ok {
			l.skip("overrides." + spec)
			continue
		}
		out[spec] = ms
	}
	return out
}

// applyMapping is Server Core's try_apply_config_mapping for the spec name (sp: its spec, or
// nil). For each mapping, each rule that has started is evaluated (its conditions, then its
// pass percentage with the mapped spec's salt); the first that passes evaluates the mapping's
// new config, of the same kind, in the spec's stead. As Server Core, evaluating a rule resets
// the whole result (the rule's secondary exposures are dropped, and so is what an enclosing
// evaluation had set), and a new config that does not exist moves on to the next mapping.
func (c *evalCtx) applyMapping(name string, kind Kind, sp *spec) bool {
	list, ok := c.s.mappings[name]
	if !ok {
		return false
	}
	salt := ""
	if sp != nil {
		salt = sp.salt
	}
	for i := range list {
		m := &list[i]
		for _, mr := range m.rules {
			if mr.startTime > c.now() {
				c.u.validUntil(mr.startTime) // the rule starts then
				continue
			}
			if mr.rule == nil {
				continue
			}
			r := mr.rule
			c.evalRule(r)
			passed := c.boolv && !c.unsupported
			c.resetResult()
			if !passed {
				continue
			}
			if !c.passesSalt(salt, r) {
				continue
			}
			c.overrideName = m.newName
			if c.evaluateSpec(m.newName, kind, c.s.lookup(kind, m.newName)) {
				return true
			}
			c.resetResult()
			break
		}
	}
	return false
}

// resetResult is Server Core's reset_result: everything the result holds is cleared, and the
// evaluation counts as a top-level one again (the nested-gate memo stays).
func (c *evalCtx) resetResult() {
	c.boolv, c.unsupported, c.errored = false, false, false
	c.value, c.ruleID, c.ruleSuffix, c.groupName, c.ruleGroup, c.ruleSplit = nil, "", "", "", "", false
	c.isExpGroup, c.isExpActive, c.isInLayer = false, false, false
	c.explicit, c.hasExplicit = nil, false
	c.name, c.nameSet, c.idType, c.version, c.hasVersion = "", false, "", 0, false
	c.sec = c.sec[:0:0]
	c.undelN, c.undelSet = 0, false
	c.delegate = ""
	c.samplingRate, c.hasSampling, c.forwardAll, c.analytical = 0, false, false, false
	c.overrideName = ""
	c.paramRuleIDs, c.layerValue = nil, nil
	c.topDepth = c.depth
}

// passesSalt is passes with the salt given (a mapping rule hashes with the mapped spec's).
func (c *evalCtx) passesSalt(specSalt string, r *rule) bool {
	switch r.passPct {
	case 100:
		return true
	case 0:
		return false
	}
	h := hashRule(specSalt, r.salt, c.u.unitIDString(r.idType, r.idTypeIsUser))
	return float64(h%10000) < r.passPct*100
}

// resultState is what a nested evaluation may change in the result besides its value, rule id
// and secondary exposures.
type resultState struct {
	ruleSuffix, groupName, ruleGroup, name, idType, delegate, overrideName string
	ruleSplit, isExpGroup, isExpActive, isInLayer, hasExplicit, nameSet    bool
	hasVersion, undelSet, hasSampling, forwardAll, analytical              bool
	explicit                                                               []string
	version, undelN, samplingRate, topDepth                                int
	paramRuleIDs                                                           map[string]string
	layerValue                                                             map[string][]byte
	value                                                                  *retVal
}

func (c *evalCtx) resultState() resultState {
	return resultState{
		ruleSuffix: c.ruleSuffix, groupName: c.groupName, ruleGroup: c.ruleGroup, name: c.name, idType: c.idType,
		delegate: c.delegate, overrideName: c.overrideName, ruleSplit: c.ruleSplit, isExpGroup: c.isExpGroup,
		isExpActive: c.isExpActive, isInLayer: c.isInLayer, hasExplicit: c.hasExplicit, nameSet: c.nameSet,
		hasVersion: c.hasVersion, undelSet: c.undelSet, hasSampling: c.hasSampling, forwardAll: c.forwardAll,
		analytical: c.analytical, explicit: c.explicit, version: c.version, undelN: c.undelN,
		samplingRate: c.samplingRate, topDepth: c.topDepth, paramRuleIDs: c.paramRuleIDs, layerValue: c.layerValue,
		value: c.value,
	}
}

func (st *resultState) restore(c *evalCtx) {
	c.ruleSuffix, c.groupName, c.ruleGroup = st.ruleSuffix, st.groupName, st.ruleGroup
	c.name, c.idType = st.name, st.idType
	c.delegate, c.overrideName, c.ruleSplit, c.isExpGroup = st.delegate, st.overrideName, st.ruleSplit, st.isExpGroup
	c.isExpActive, c.isInLayer, c.hasExplicit, c.nameSet = st.isExpActive, st.isInLayer, st.hasExplicit, st.nameSet
	c.hasVersion, c.undelSet, c.hasSampling, c.forwardAll = st.hasVersion, st.undelSet, st.hasSampling, st.forwardAll
	c.analytical, c.explicit, c.version, c.undelN = st.analytical, st.explicit, st.version, st.undelN
	c.samplingRate, c.topDepth, c.paramRuleIDs, c.layerValue = st.samplingRate, st.topDepth, st.paramRuleIDs, st.layerValue
	c.value = st.value
}
