package dcs

// ConfigMapping is one entry of overrides[spec] (config mapping): evaluate NewConfigName instead
// of the spec for users passing one of the rules (from override_rules) that has started.
type ConfigMapping struct {
	NewConfigName string         `json:"new_config_name"`
	Rules         []OverrideRule `json:"rules"`
}

// OverrideRule names a rule of override_rules and when it starts (Unix ms; nil: always).
type OverrideRule struct {
	RuleName  string `json:"rule_name"`
	StartTime *int64 `json:"start_time,omitempty"`
}

// Extras are the optional top-level sections WriteV2 appends when set (none by default, so
// payloads generated without them are unchanged).
type Extras struct {
	CMABConfigs   []CMABConfig               // cmab_configs, in this order
	Overrides     map[string][]ConfigMapping // overrides (written with sorted keys)
	OverrideRules map[string]Rule            // override_rules (conditions go to condition_map)
}

// writeExtras writes the extra sections (each preceded by a comma) and adds the override
// rules' conditions to the condition map.
func (e *errWriter) writeExtras(x *Extras, cm *conditionMap) error {
	if x == nil {
		return nil
	}
	if len(x.CMABConfigs) > 0 {
		e.str(`,"cmab_configs":{`)
		for i := range x.CMABConfigs {
			if i > 0 {
				e.str(",")
			}
			e.val(x.CMABConfigs[i].Name)
			e.str(":")
			e.val(&x.CMABConfigs[i])
		}
		e.str("}")
	}
	if x.OverrideRules != nil {
		e.str(`,"override_rules":{`)
		for i, k := range sortedKeys(x.OverrideRules) {
			r := x.OverrideRules[k]
			s := Spec{Rules: []Rule{r}}
			v2, err := cm.toV2Spec(&s)
			if err != nil {
				return err
			}
			if i > 0 {
				e.str(",")
			}
			e.val(k)
			e.str(":")
			e.val(&v2.Rules[0])
		}
		e.str("}")
	}
	if x.Overrides != nil {
		e.str(`,"overrides":`)
		e.val(x.Overrides)
	}
	return nil
}
