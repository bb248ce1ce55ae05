package evaluator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// rawSpec is one spec as it appears in the payload (v1 carries its name inside).
type rawSpec struct {
	Name                string          `json:"name"`
	Type                string          `json:"type"`
	Entity              string          `json:"entity"`
	Salt                string          `json:"salt"`
	Enabled             bool            `json:"enabled"`
	DefaultValue        json.RawMessage `json:"defaultValue"`
	Rules               []rawRule       `json:"rules"`
	IDType              string          `json:"idType"`
	Version             *int            `json:"version"`
	IsActive            *bool           `json:"isActive"`
	HasSharedParams     *bool           `json:"hasSharedParams"`
	ExplicitParameters  []string        `json:"explicitParameters"`
	TargetAppIDs        []string        `json:"targetAppIDs"`
	ForwardAllExposures bool            `json:"forwardAllExposures"`
	UseNewLayerEval     bool            `json:"useNewLayerEval"`
}

type rawRule struct {
	ID                string            `json:"id"`
	PassPercentage    float64           `json:"passPercentage"`
	Conditions        []json.RawMessage `json:"conditions"`
	ReturnValue       json.RawMessage   `json:"returnValue"`
	Salt              *string           `json:"salt"`
	IDType            string            `json:"idType"`
	GroupName         *string           `json:"groupName"`
	ConfigDelegate    *string           `json:"configDelegate"`
	IsExperimentGroup *bool             `json:"isExperimentGroup"`
	SamplingRate      *int              `json:"samplingRate"`
}

// resolve points the rules' condition-id placeholders (nil) at this payload's compiled
// conditions (a missing id is an unsupported condition, docs/semantics.md §2.6), keeps the condition map's copy
// of each id, and returns the number of conditions.
func (l *loader) resolve(sp *spec, ids []string) int {
	k, total := 0, 0
	for i := range sp.rules {
		r := &sp.rules[i]
		for j, c := range r.conds {
			if c == nil {
				if ref, ok := l.out.shared.conds.Get(ids[k]); ok {
					r.conds[j], ids[k] = ref.c, ref.id
				} else {
					r.conds[j], ids[k] = &condition{typ: condUnknown}, strings.Clone(ids[k])
				}
				k++
			}
		}
		r.pureFrom = pureFrom(r.conds)
		total += len(r.conds)
	}
	return total
}

// build decodes one spec. Inline (v1) conditions are compiled here; v2 condition ids are left
// as nil placeholders for resolve, since the condition map comes later in the payload.
func (l *loader) build(name string, raw json.RawMessage, defKind Kind, slab *condSlab) (*spec, []string, error) {
	var rs rawSpec
	if err := decodeSpec(raw, &rs); err != nil {
		return nil, nil, err
	}
	var condIDs []string
	sp := slab.spec()
	*sp = spec{
		name: name, entity: Kind(l.intern(rs.Entity)), salt: slab.concat(rs.Salt), idType: l.intern(rs.IDType),
		enabled: rs.Enabled, def: l.value(rs.DefaultValue),
		isActive: triOf(rs.IsActive), hasSharedParams: triOf(rs.HasSharedParams),
		forwardAll: rs.ForwardAllExposures, newLayerEval: rs.UseNewLayerEval,
	}
	if sp.entity == "" {
		sp.entity = defKind
	}
	if rs.Version != nil {
		sp.version, sp.hasVersion = *rs.Version, true
	}
	if rs.ExplicitParameters != nil {
		sp.explicit, sp.hasExplicit = slab.strings(l.internAll(rs.ExplicitParameters)), true
	}
	if rs.TargetAppIDs != nil {
		sp.targetAppIDs, sp.hasTargetApps = slab.strings(l.internAll(rs.TargetAppIDs)), true
	}
	sp.rules = slab.ruleSlice(len(rs.Rules))
	// rules with few conditions keep them inline; one backing array holds the longer lists
	nconds := 0
	for _, rr := range rs.Rules {
		if len(rr.Conditions) > inlineConds {
			nconds += len(rr.Conditions)
		}
	}
	condArena := slab.condPtrs(nconds)[:0]
	for i, rr := range rs.Rules {
		r := &sp.rules[i]
		r.passPct, r.idType = rr.PassPercentage, l.intern(rr.IDType)
		r.idTypeIsUser = strings.EqualFold(rr.IDType, "userid")
		r.ret = l.value(rr.ReturnValue)
		ruleSalt := rr.ID
		if rr.Salt != nil {
			ruleSalt = *rr.Salt
		}
		r.salt = slab.concat(ruleSalt) // rule ids and salts are unique: not interned
		if r.id = r.salt; ruleSalt != rr.ID {
			r.id = slab.concat(rr.ID)
		}
		if rr.GroupName != nil {
			r.groupName = l.intern(*rr.GroupName)
		}
		if rr.ConfigDelegate != nil && *rr.ConfigDelegate != "" {
			r.delegate = slab.delegate()
			r.delegate.name = l.intern(*rr.ConfigDelegate)
		}
		r.isExpGroup = triOf(rr.IsExperimentGroup)
		if rr.SamplingRate != nil {
			r.samplingRate, r.hasSampling = *rr.SamplingRate, true
		}
		conds := condArena[len(condArena):]
		if len(rr.Conditions) <= inlineConds {
			conds = r.inl[:0:len(rr.Conditions)]
		}
		for _, cr := range rr.Conditions {
			c, id, err := l.ruleCondition(cr, slab)
			if err != nil {
				return nil, nil, fmt.Errorf("%w: %v", errBadCondition, err)
			}
			if c == nil {
				condIDs = append(condIDs, id)
			}
			conds = append(conds, c)
		}
		if len(rr.Conditions) > inlineConds {
			condArena = condArena[:len(condArena)+len(conds)]
		}
		r.conds = slices.Clip(conds)
	}
	return sp, slab.strings(condIDs), nil
}

// ruleCondition reads a rule's condition: a condition_map id (v2; returned with a nil
// condition for resolve) or an inline object (v1, compiled now).
func (l *loader) ruleCondition(raw json.RawMessage, slab *condSlab) (*condition, string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && raw[0] == '"' {
		// the usual id needs no unescaping
		if n := len(raw); n >= 2 && raw[n-1] == '"' && bytes.IndexByte(raw[1:n-1], '\\') < 0 {
			// a temporary copy (raw's chunk is reused once the spec is built): resolve swaps
			// the id for the condition map's copy
			return nil, slab.tmp.Str(raw[1 : n-1]), nil
		}
		var id string
		if err := json.Unmarshal(raw, &id); err != nil {
			return nil, "", err
		}
		return nil, id, nil
	}
	c, err := l.condition(raw, slab)
	return c, "", err
}

// condition compiles a condition, sharing identical ones within and across snapshots. The
// compile itself runs outside the lock so parallel spec builds do not serialise on it.
func (l *loader) condition(raw json.RawMessage, slab *condSlab) (*condition, error) {
	key := keyOf(raw)
	l.mu.Lock()
	c, ok := l.out.shared.conditions[key]
	if !ok && l.prev != nil {
		if c, ok = l.prev.conditions[key]; ok {
			l.out.shared.conditions[key] = c
			l.reused.Add(1)
		}
	}
	l.mu.Unlock()
	if ok {
		return c, nil
	}
	c, err := compileInto(raw, slab)
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if existing, ok := l.out.shared.conditions[key]; ok {
		return existing, nil
	}
	l.out.shared.conditions[key] = c
	return c, nil
}

// value interns a return value by its raw JSON.
func (l *loader) value(raw json.RawMessage) *retVal {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		raw = json.RawMessage(jsonNull)
	}
	key := keyOf(raw)
	l.mu.Lock()
	defer l.mu.Unlock()
	if v, ok := l.out.shared.values[key]; ok {
		return v
	}
	if l.prev != nil {
		if v, ok := l.prev.values[key]; ok {
			l.out.shared.values[key] = v
			return v
		}
	}
	v := l.kept.value()
	v.raw = json.RawMessage(l.kept.clone(raw))
	v.isFalse, v.isTrue = string(raw) == jsonFalse, string(raw) == jsonTrue
	l.out.shared.values[key] = v
	return v
}

func (l *loader) intern(s string) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if v, ok := l.strs[s]; ok {
		return v
	}
	s = l.kept.concat(s)
	l.strs[s] = s
	return s
}

func (l *loader) internAll(ss []string) []string {
	for i, s := range ss {
		ss[i] = l.intern(s)
	}
	return ss
}
