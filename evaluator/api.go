package evaluator

import (
	"encoding/json"
)

// CheckGate evaluates a feature gate (segments and holdouts too).
func (e *Evaluator) CheckGate(u *User, name string) GateResult {
	s := e.Specs()
	if s == nil {
		return GateResult{Name: name, Details: Details{Reason: reasonUninitialized}}
	}
	c := e.acquire(s, u)
	defer e.release(c)
	c.evaluate(name, KindGate)
	return GateResult{
		Name: name, Value: c.boolv && !c.errored, RuleID: c.resultRuleID(), IDType: c.idType, GroupName: c.resultGroup(),
		Split: c.resultSplit(), Details: c.details(), SecondaryExposures: copyExposures(c.sec), sampling: c.sampling(u, name),
		OverrideConfigName: c.overrideName,
	}
}

// GetConfig evaluates a dynamic config (or an experiment, as Statsig's get_config does).
func (e *Evaluator) GetConfig(u *User, name string) ConfigResult {
	return e.config(u, name, false)
}

// GetExperiment evaluates an experiment or autotune.
func (e *Evaluator) GetExperiment(u *User, name string) ConfigResult {
	return e.config(u, name, true)
}

func (e *Evaluator) config(u *User, name string, experiment bool) ConfigResult {
	s := e.Specs()
	if s == nil {
		return ConfigResult{Name: name, Value: emptyObject.raw, Details: Details{Reason: reasonUninitialized}, experiment: experiment}
	}
	c := e.acquire(s, u)
	defer e.release(c)
	kind := KindDynamicConfig
	if experiment {
		kind = KindExperiment // CMAB configs and experiment overrides apply to experiments only
	}
	c.evaluate(name, kind)
	r := ConfigResult{
		Name: name, Value: c.valueJSON(), RuleID: c.resultRuleID(), IDType: c.idType,
		GroupName: c.resultGroup(), SDKGroupName: c.groupName, Split: c.resultSplit(),
		Passed: c.boolv && !c.unsupported, IsExperimentActive: c.isExpActive, IsUserInExperiment: c.isExpGroup,
		IsInLayer: c.isInLayer, Details: c.details(), SecondaryExposures: copyExposures(c.sec), experiment: experiment,
		sampling: c.sampling(u, name), OverrideConfigName: c.overrideName,
	}
	if c.hasExplicit {
		r.ExplicitParameters = c.explicit
	}
	return r
}

// GetLayer evaluates a layer.
func (e *Evaluator) GetLayer(u *User, name string) LayerResult {
	s := e.Specs()
	if s == nil {
		return LayerResult{Name: name, Details: Details{Reason: reasonUninitialized}}
	}
	c := e.acquire(s, u)
	defer e.release(c)
	c.evaluate(name, KindLayer)
	r := LayerResult{
		Name: name, RuleID: c.resultRuleID(), IDType: c.idType, GroupName: c.resultGroup(), SDKGroupName: c.groupName,
		Split: c.resultSplit(), Details: c.details(), SecondaryExposures: copyExposures(c.sec),
		UndelegatedSecondaryExposures: copyExposures(c.sec[:c.undelegatedLen()]),
		ExplicitParameters:            []string{},
		undelegatedNull:               !c.undelSet,
		sampling:                      c.sampling(u, name),
		OverrideConfigName:            c.overrideName,
	}
	if c.hasExplicit && c.explicit != nil {
		r.ExplicitParameters = c.explicit
	}
	if c.delegate != "" {
		r.AllocatedExperiment = c.delegate
		r.IsExperimentActive = c.isExpActive
		r.IsUserInExperiment = c.isExpGroup
	}
	if c.unsupported {
		r.value = emptyObject
	} else if c.layerValue != nil {
		r.values = c.layerValue
		r.ParameterRuleIDs = c.paramRuleIDs
		c.layerValue, c.paramRuleIDs = nil, nil
	} else {
		r.value = c.value
	}
	return r
}

func (c *evalCtx) undelegatedLen() int {
	if !c.undelSet {
		return 0 // none (Server Core's None)
	}
	if c.undelN > len(c.sec) {
		return len(c.sec)
	}
	return c.undelN
}

func (c *evalCtx) resultRuleID() string {
	if c.unsupported {
		return ""
	}
	if c.ruleSuffix != "" {
		return c.ruleID + c.ruleSuffix
	}
	return c.ruleID
}

// resultSplit reports whether the rule the result reports assigns pseudorandomly.
func (c *evalCtx) resultSplit() bool { return c.ruleSplit && !c.unsupported }

// resultGroup is the group name of the rule the result reports: none after a fall-through to
// the default or disabled rule, whatever a nested gate's rule wrote (as Server Core's client
// initialize response and Statsig's HTTP API report it).
func (c *evalCtx) resultGroup() string {
	if c.unsupported {
		return ""
	}
	return c.ruleGroup
}

func (c *evalCtx) valueJSON() json.RawMessage {
	if c.unsupported || c.value == nil || !c.recognized {
		return emptyObject.raw
	}
	return c.value.raw
}

func (c *evalCtx) details() Details {
	d := Details{LCUT: c.s.time, ReceivedAt: c.s.receivedAt}
	switch {
	case c.errored:
		d.Reason = "Error:evaluation exceeded the nesting depth"
	case c.overridden:
		// Server Core: an override's reason wins over the spec's (and unsupported conditions).
		d.Reason = reasonLocalOverride
		d.Version, d.HasVersion = c.version, c.hasVersion
		c.e.overrideHits.Add(1)
	case c.unsupported:
		d.Reason = c.s.reasonUnsupported
	case c.recognized:
		d.Reason = c.s.reasonRecognized
		d.Version, d.HasVersion = c.version, c.hasVersion
	default:
		d.Reason = c.s.reasonUnrecognized
	}
	return d
}

func copyExposures(sec []SecondaryExposure) []SecondaryExposure {
	if len(sec) == 0 {
		return nil
	}
	out := make([]SecondaryExposure, len(sec))
	copy(out, sec)
	return out
}
