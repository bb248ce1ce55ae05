package endpoint

import (
	"encoding/json"
	"slices"

	"github.com/statsig-operator/statsig-operator/evaluator"
	"github.com/statsig-operator/statsig-operator/serving"
)

// evaluatedConfig is what the HTTP layers need from a config or experiment result.
type evaluatedConfig struct {
	value     any
	ruleID    string
	groupName string
	split     bool
	idType    string
	exposure  evaluator.Exposure
}

func fromConfig(r evaluator.ConfigResult) evaluatedConfig {
	return evaluatedConfig{
		value:     objectValue(r.Value),
		ruleID:    r.RuleID,
		groupName: r.GroupName,
		split:     r.Split,
		idType:    r.IDType,
		exposure:  r.Exposure(),
	}
}

func fromExperiment(r evaluator.ConfigResult) evaluatedConfig { return fromConfig(r) }

// evaluatedLayer is a layer result with the exposures of all its parameters.
type evaluatedLayer struct {
	value     any
	ruleID    string
	groupName string
	allocated string
	idType    string
	res       evaluator.LayerResult
}

func evaluateLayer(ev *evaluator.Evaluator, u *evaluator.User, name string) evaluatedLayer {
	r := ev.GetLayer(u, name)
	return evaluatedLayer{
		value:     objectValue(r.Value()),
		ruleID:    r.RuleID,
		groupName: r.GroupName,
		allocated: r.AllocatedExperiment,
		idType:    r.IDType,
		res:       r,
	}
}

// exposures are one layer exposure per parameter of the value, in name order.
func (l evaluatedLayer) exposures() []evaluator.Exposure {
	return l.exposuresOf(paramNames(l.value))
}

// exposuresOf are the exposures of reading params (in the order given; parameters the value
// does not hold expose nothing, as in Server Core).
func (l evaluatedLayer) exposuresOf(params []string) []evaluator.Exposure {
	out := make([]evaluator.Exposure, 0, len(params))
	for _, p := range params {
		if exp, ok := l.res.ParameterExposure(p); ok {
			out = append(out, exp)
		}
	}
	return out
}

// objectValue is a config value as JSON; a missing value is {} (never null), as Statsig sends.
func objectValue(v any) any {
	switch t := v.(type) {
	case nil:
		return json.RawMessage(`{}`)
	case json.RawMessage:
		if len(t) == 0 || string(t) == "null" {
			return json.RawMessage(`{}`)
		}
	case map[string]any:
		if t == nil {
			return json.RawMessage(`{}`)
		}
	}
	return v
}

func paramNames(v any) []string {
	var m map[string]json.RawMessage
	switch t := v.(type) {
	case json.RawMessage:
		_ = json.Unmarshal(t, &m)
	case map[string]any:
		out := make([]string, 0, len(t))
		for k := range t {
			out = append(out, k)
		}
		slices.Sort(out)
		return out
	}
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// Entity kinds as OFREP resolves them.
const (
	kindGate   = "gate"
	kindConfig = "dynamic_config"
	kindExp    = "experiment"
	kindLayer  = "layer"
)

// ofrepKinds name evaluator kinds as OFREP metadata does.
var ofrepKinds = map[evaluator.Kind]string{
	evaluator.KindGate: kindGate, evaluator.KindDynamicConfig: kindConfig,
	evaluator.KindExperiment: kindExp, evaluator.KindLayer: kindLayer,
}

// flagKind is the OFREP kind of the named entity ("" when the snapshot has none).
func flagKind(p *serving.Project, name string) string {
	if k, ok := p.Entities().Kind(name); ok {
		return ofrepKinds[k]
	}
	return ""
}

// evaluateFlag evaluates one entity for OFREP: gates are booleans with variant on/off,
// everything else an object; rule id, group and id type go to metadata.
func (s *Server) evaluateFlag(p *serving.Project, u *evalUser, name, kind string, expose bool) ofrepSuccess {
	s.metrics.evaluations.WithLabelValues(kind).Inc()
	md := map[string]any{"kind": kind}
	switch kind {
	case kindGate:
		r := p.Evaluator.CheckGate(u.user, name)
		if expose {
			s.logExposure(p, u, r.Exposure())
		}
		md["ruleID"] = r.RuleID
		if r.IDType != "" {
			md["idType"] = r.IDType
		}
		variant := "off"
		if r.Value {
			variant = "on"
		}
		return ofrepSuccess{Key: name, Value: r.Value, Reason: ofrepReason(r.RuleID, r.Split), Variant: variant, Metadata: md}
	case kindLayer:
		l := evaluateLayer(p.Evaluator, u.user, name)
		if expose {
			for _, e := range l.exposures() {
				s.logExposure(p, u, e)
			}
		}
		md["ruleID"] = l.ruleID
		if l.groupName != "" {
			md["groupName"] = l.groupName
		}
		if l.allocated != "" {
			md["allocatedExperimentName"] = l.allocated
		}
		return ofrepSuccess{
			Key:      name,
			Value:    l.value,
			Reason:   ofrepReason(l.ruleID, l.res.Split),
			Variant:  variantOf(l.ruleID, l.groupName),
			Metadata: md,
		}
	}
	var c evaluatedConfig
	if kind == kindExp {
		c = fromExperiment(p.Evaluator.GetExperiment(u.user, name))
	} else {
		c = fromConfig(p.Evaluator.GetConfig(u.user, name))
	}
	if expose {
		s.logExposure(p, u, c.exposure)
	}
	md["ruleID"] = c.ruleID
	if c.groupName != "" {
		md["groupName"] = c.groupName
	}
	if c.idType != "" {
		md["idType"] = c.idType
	}
	return ofrepSuccess{
		Key:      name,
		Value:    c.value,
		Reason:   ofrepReason(c.ruleID, c.split),
		Variant:  variantOf(c.ruleID, c.groupName),
		Metadata: md,
	}
}

// variantOf names an object result: the experiment group, else the rule id.
func variantOf(ruleID, group string) string {
	if group != "" {
		return group
	}
	return ruleID
}
