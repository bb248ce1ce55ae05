package endpoint

import (
	"bytes"
	"encoding/json"
	"slices"

	"github.com/statsig-operator/statsig-operator/evaluator"
	"github.com/statsig-operator/statsig-operator/serving"
)

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

// absentValue: a value sent as {} (objectValue).
func absentValue(v json.RawMessage) bool { return len(v) == 0 || string(v) == "null" }

// objectValue is a config value as JSON; a missing value is {} (never null), as Statsig sends.
func objectValue(v any) any {
	switch t := v.(type) {
	case nil:
		return json.RawMessage(`{}`)
	case json.RawMessage:
		if absentValue(t) {
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

// ofrepFlag is one OFREP evaluation of a gate, config, experiment or layer: what success
// turns into an ofrepSuccess and writeOFREPFlag encodes directly.
type ofrepFlag struct {
	key, kind string
	gate      bool // the value of a gate (kind gate); value holds the others'
	value     json.RawMessage
	reason    string
	variant   string
	// metadata ("" fields are left out)
	ruleID, groupName, idType, allocated string
}

// success is f as OFREP's JSON shape: gates are booleans with variant on/off, everything
// else an object; rule id, group, id type and allocated experiment go to metadata.
func (f ofrepFlag) success() ofrepSuccess {
	md := map[string]any{"kind": f.kind, "ruleID": f.ruleID}
	if f.groupName != "" {
		md["groupName"] = f.groupName
	}
	if f.idType != "" {
		md["idType"] = f.idType
	}
	if f.allocated != "" {
		md["allocatedExperimentName"] = f.allocated
	}
	out := ofrepSuccess{Key: f.key, Value: objectValue(f.value), Reason: f.reason, Variant: f.variant, Metadata: md}
	if f.kind == kindGate {
		out.Value = f.gate
	}
	return out
}

// writeOFREPFlag writes f as json.Marshal(f.success()) does; false for a value that is not
// valid JSON.
func writeOFREPFlag(buf *bytes.Buffer, f ofrepFlag) bool {
	buf.WriteString(`{"key":`)
	writeJSONString(buf, f.key)
	buf.WriteString(`,"value":`)
	switch {
	case f.kind == kindGate && f.gate:
		buf.WriteString("true")
	case f.kind == kindGate:
		buf.WriteString("false")
	case absentValue(f.value):
		buf.WriteString("{}") // objectValue's
	default:
		if !writeJSONRaw(buf, f.value) {
			return false
		}
	}
	buf.WriteString(`,"reason":`)
	writeJSONString(buf, f.reason)
	if f.variant != "" {
		buf.WriteString(`,"variant":`)
		writeJSONString(buf, f.variant)
	}
	// metadata's keys in encoding/json's (sorted) order
	buf.WriteString(`,"metadata":{`)
	for _, kv := range [...]struct{ k, v string }{
		{"allocatedExperimentName", f.allocated}, {"groupName", f.groupName}, {"idType", f.idType},
	} {
		if kv.v != "" {
			buf.WriteByte('"')
			buf.WriteString(kv.k)
			buf.WriteString(`":`)
			writeJSONString(buf, kv.v)
			buf.WriteByte(',')
		}
	}
	buf.WriteString(`"kind":`)
	writeJSONString(buf, f.kind)
	buf.WriteString(`,"ruleID":`)
	writeJSONString(buf, f.ruleID)
	buf.WriteString("}}")
	return true
}

// evaluateFlag evaluates one entity for OFREP (ofrepFlag.success).
func (s *Server) evaluateFlag(p *serving.Project, u *evalUser, name, kind string, expose bool) ofrepSuccess {
	return s.evaluateOFREP(p, u, name, kind, expose).success()
}

// evaluateOFREP evaluates one entity for OFREP, exposing it when expose.
func (s *Server) evaluateOFREP(p *serving.Project, u *evalUser, name, kind string, expose bool) ofrepFlag {
	s.metrics.evaluations.WithLabelValues(kind).Inc()
	expose = expose && logsExposures(p)
	switch kind {
	case kindGate:
		r := p.Evaluator.CheckGate(u.user, name)
		if expose {
			logResultExposure(s, p, u, r)
		}
		variant := "off"
		if r.Value {
			variant = "on"
		}
		return ofrepFlag{key: name, kind: kind, gate: r.Value, reason: ofrepReason(r.RuleID, r.Split), variant: variant,
			ruleID: r.RuleID, idType: r.IDType}
	case kindLayer:
		l := evaluateLayer(p.Evaluator, u.user, name)
		if expose {
			for _, e := range l.exposures() {
				s.logExposure(p, u, e)
			}
		}
		raw, _ := l.value.(json.RawMessage) // objectValue of a layer's JSON
		return ofrepFlag{key: name, kind: kind, value: raw, reason: ofrepReason(l.ruleID, l.res.Split),
			variant: variantOf(l.ruleID, l.groupName), ruleID: l.ruleID, groupName: l.groupName, allocated: l.allocated}
	}
	var r evaluator.ConfigResult
	if kind == kindExp {
		r = p.Evaluator.GetExperiment(u.user, name)
	} else {
		r = p.Evaluator.GetConfig(u.user, name)
	}
	if expose {
		logResultExposure(s, p, u, r)
	}
	return ofrepFlag{key: name, kind: kind, value: r.Value, reason: ofrepReason(r.RuleID, r.Split),
		variant: variantOf(r.RuleID, r.GroupName), ruleID: r.RuleID, groupName: r.GroupName, idType: r.IDType}
}

// variantOf names an object result: the experiment group, else the rule id.
func variantOf(ruleID, group string) string {
	if group != "" {
		return group
	}
	return ruleID
}
