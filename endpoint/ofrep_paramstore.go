package endpoint

import (
	"slices"
	"strings"

	"github.com/statsig-operator/statsig-operator/serving"
)

// kindParamStore is the OFREP metadata kind of a parameter-store parameter.
const kindParamStore = "parameter_store"

// paramFlag resolves an OFREP flag key of the form <store>.<param> (used only when no gate,
// config, experiment or layer has that name): the first split at a dot whose left side names a
// parameter store holding the right side.
func paramFlag(p *serving.Project, key string) (store, param string, ok bool) {
	specs := p.Evaluator.Specs()
	if specs == nil {
		return "", "", false
	}
	for i := strings.IndexByte(key, '.'); i >= 0; {
		st, pa := key[:i], key[i+1:]
		if names, found := specs.ParameterNames(st); found && slices.Contains(names, pa) {
			return st, pa, true
		}
		j := strings.IndexByte(key[i+1:], '.')
		if j < 0 {
			break
		}
		i += 1 + j
	}
	return "", "", false
}

// evaluateParamFlag reads one parameter for OFREP as getValue(param) with no fallback reads it
// (any JSON type; the provider checks the type it asked for). ok is false when the parameter
// has no value for this user (a referenced config or layer without it): the provider then
// uses its default, as the SDK would use the fallback.
func (s *Server) evaluateParamFlag(p *serving.Project, u *evalUser, key, store, param string, expose bool,
) (ofrepSuccess, bool) {
	s.metrics.evaluations.WithLabelValues(kindParamStore).Inc()
	r := p.Evaluator.GetParameter(u.user, store, param, nil)
	if expose {
		s.logParameterExposures(p, u, r)
	}
	if !r.FromStore {
		return ofrepSuccess{}, false
	}
	md := map[string]any{"kind": kindParamStore, "store": store, "parameter": param, "refType": r.RefType}
	out := ofrepSuccess{Key: key, Value: r.Value, Metadata: md}
	switch {
	case r.Gate != nil:
		md["gate"], md["ruleID"] = r.Entity, r.Gate.RuleID
		out.Reason, out.Variant = ofrepReason(r.Gate.RuleID, r.Gate.Split), "fail"
		if r.Gate.Value {
			out.Variant = "pass"
		}
	case r.Config != nil:
		md["config"], md["ruleID"] = r.Entity, r.Config.RuleID
		if r.Config.GroupName != "" {
			md["groupName"] = r.Config.GroupName
		}
		out.Reason, out.Variant = ofrepReason(r.Config.RuleID, r.Config.Split), variantOf(r.Config.RuleID, r.Config.GroupName)
	case r.Layer != nil:
		rid := r.RuleID()
		md["layer"], md["ruleID"] = r.Entity, rid
		if r.Layer.GroupName != "" {
			md["groupName"] = r.Layer.GroupName
		}
		out.Reason, out.Variant = ofrepReason(rid, r.Layer.Split), variantOf(rid, r.Layer.GroupName)
	default:
		out.Reason = "STATIC"
	}
	return out, true
}

// paramFlags are the bulk evaluation's parameter-store flags (no exposures): every parameter
// with a value for the user, keyed <store>.<param>, except keys an entity already has.
func (s *Server) paramFlags(p *serving.Project, u *evalUser) []ofrepSuccess {
	specs := p.Evaluator.Specs()
	if specs == nil {
		return nil
	}
	var out []ofrepSuccess
	for _, store := range specs.ParameterStoreNames() {
		names, _ := specs.ParameterNames(store)
		for _, param := range names {
			key := store + "." + param
			if flagKind(p, key) != "" {
				continue
			}
			if st, pa, _ := paramFlag(p, key); st != store || pa != param {
				continue // the key resolves to another store's parameter
			}
			if f, ok := s.evaluateParamFlag(p, u, key, store, param, false); ok {
				out = append(out, f)
			}
		}
	}
	return out
}
