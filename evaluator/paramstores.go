package evaluator

import (
	"bytes"
	"encoding/json"
	"math"
	"slices"
	"strconv"
)

// Parameter stores (docs/semantics.md §2.13): param_stores[name].parameters[param], each
// parameter a static value or a reference to a gate, dynamic config, experiment or layer.

// The parameter shapes. Server Core decodes a parameter as the first of these shapes whose
// fields it holds (an untagged enum, in this order), whatever its ref_type says; its client
// initialize response writes the parameter back in that shape.
const (
	RefStatic        = "static"
	RefGate          = "gate"
	RefDynamicConfig = "dynamic_config"
	RefExperiment    = "experiment"
	RefLayer         = "layer"
)

// paramStore is one decoded parameter store.
type paramStore struct {
	version       uint64 // the payload's, 0 when absent (in the client response's checksum)
	params        map[string]*storeParam
	names         []string // parameter names, sorted
	targetAppIDs  []string
	hasTargetApps bool
}

// storeParam is one parameter. shape is one of the Ref* constants (the decoded shape);
// refType and paramType are the payload's strings.
type storeParam struct {
	shape     string
	refType   string
	paramType string
	// static: value; gate: pass and fail.
	value, pass, fail json.RawMessage
	// entity is gate_name, config_name, experiment_name or layer_name; param is param_name.
	entity, param string
}

// decodeParamStores reads param_stores. A store Server Core would not decode is left out
// (and reported in Specs.Skipped as param_stores.<name>); Server Core rejects the whole payload
// instead. Anything but an object is no stores.
func decodeParamStores(raw []byte) (map[string]*paramStore, []string) {
	var stores map[string]json.RawMessage
	if json.Unmarshal(raw, &stores) != nil || stores == nil {
		return nil, nil
	}
	out := make(map[string]*paramStore, len(stores))
	var skipped []string
	for name, r := range stores {
		ps, ok := decodeParamStore(r)
		if !ok {
			skipped = append(skipped, "param_stores."+name)
			continue
		}
		out[name] = ps
	}
	return out, skipped
}

func decodeParamStore(raw []byte) (*paramStore, bool) {
	var f struct {
		Parameters   map[string]json.RawMessage `json:"parameters"`
		TargetAppIDs *[]string                  `json:"targetAppIDs"`
		Version      json.RawMessage            `json:"version"`
		Checksum     *string                    `json:"checksum"`
	}
	if jsonKind(raw) != '{' || json.Unmarshal(raw, &f) != nil || f.Parameters == nil {
		return nil, false
	}
	if !optionalU32(f.Version) {
		return nil, false
	}
	ps := &paramStore{params: make(map[string]*storeParam, len(f.Parameters))}
	_ = json.Unmarshal(f.Version, &ps.version) // optionalU32 checked it
	if f.TargetAppIDs != nil {
		ps.targetAppIDs, ps.hasTargetApps = *f.TargetAppIDs, true
	}
	for name, r := range f.Parameters {
		p, ok := decodeStoreParam(r)
		if !ok {
			return nil, false
		}
		ps.params[name] = p
		ps.names = append(ps.names, name)
	}
	slices.Sort(ps.names)
	return ps, true
}

// optionalU32 accepts what Server Core's Option<u32> does: absent, null or an integer in range.
func optionalU32(raw json.RawMessage) bool {
	if len(raw) == 0 || string(raw) == jsonNull {
		return true
	}
	n, err := strconv.ParseUint(string(raw), 10, 32)
	return err == nil && n <= math.MaxUint32
}

// decodeStoreParam decodes one parameter in the first shape it fits, as Server Core's
// untagged enum does: static (value), gate (gate_name, pass_value, fail_value), dynamic config
// (config_name, param_name), experiment (experiment_name, param_name), layer (layer_name,
// param_name); every shape needs the strings ref_type and param_type, and name when present
// must be a string or null.
func decodeStoreParam(raw []byte) (*storeParam, bool) {
	var f map[string]json.RawMessage
	if jsonKind(raw) != '{' || json.Unmarshal(raw, &f) != nil {
		return nil, false
	}
	str := func(k string) (string, bool) {
		v, ok := f[k]
		if !ok || jsonKind(v) != '"' {
			return "", false
		}
		var s string
		return s, json.Unmarshal(v, &s) == nil
	}
	p := &storeParam{}
	if v, ok := f["name"]; ok && string(v) != jsonNull {
		if _, ok := str("name"); !ok {
			return nil, false
		}
	}
	var ok1, ok2 bool
	p.refType, ok1 = str("ref_type")
	p.paramType, ok2 = str("param_type")
	if !ok1 || !ok2 {
		return nil, false
	}
	if v, ok := f["value"]; ok {
		p.shape, p.value = RefStatic, v
		return p, true
	}
	if g, ok := str("gate_name"); ok {
		pass, okP := f["pass_value"]
		fail, okF := f["fail_value"]
		if okP && okF {
			p.shape, p.entity, p.pass, p.fail = RefGate, g, pass, fail
			return p, true
		}
	}
	param, hasParam := str("param_name")
	if !hasParam {
		return nil, false
	}
	p.param = param
	for _, s := range [...]struct{ field, shape string }{
		{"config_name", RefDynamicConfig}, {"experiment_name", RefExperiment}, {"layer_name", RefLayer},
	} {
		if n, ok := str(s.field); ok {
			p.shape, p.entity = s.shape, n
			return p, true
		}
	}
	return nil, false
}

// jsonKind is the first byte of a JSON value ('{', '[', '"', 't', 'f', 'n', or '0' for a
// number); 0 for nothing.
func jsonKind(raw []byte) byte {
	raw = bytes.TrimLeft(raw, " \t\r\n")
	if len(raw) == 0 {
		return 0
	}
	switch c := raw[0]; c {
	case '{', '[', '"', 't', 'f', 'n':
		return c
	}
	return '0'
}

// typeMatches reports whether value can be returned for a fallback of fallback's type, as
// Server Core's getValue(param, fallback) decides: no fallback (or null) takes any value,
// otherwise the JSON types must be the same (true and false are one type).
func typeMatches(value, fallback json.RawMessage) bool {
	fk := jsonKind(fallback)
	if fk == 0 || fk == 'n' {
		return true
	}
	vk := jsonKind(value)
	if fk == 'f' {
		fk = 't'
	}
	if vk == 'f' {
		vk = 't'
	}
	return vk == fk
}

// ParameterStoreNames lists the snapshot's parameter stores, sorted.
func (s *Specs) ParameterStoreNames() []string {
	out := make([]string, 0, len(s.paramStores))
	for n := range s.paramStores {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// ParameterNames lists a parameter store's parameters, sorted; ok is false when the snapshot
// has no store of that name.
func (s *Specs) ParameterNames(store string) (names []string, ok bool) {
	ps := s.paramStores[store]
	if ps == nil {
		return nil, false
	}
	return ps.names, true
}

// ParameterResult is one parameter read from a parameter store for a user, as Server Core's
// getParameterStore(user, store).getValue(param, fallback) returns it.
type ParameterResult struct {
	Store, Name string
	// Overridden: a parameter store override (SetOverrides) replaced the store's parameters.
	Overridden bool
	// StoreFound and Found: the snapshot has the store, and the store has the parameter.
	StoreFound, Found bool
	// Shape is how the parameter was decoded (RefStatic, RefGate, ...); RefType and ParamType
	// are the payload's ref_type and param_type.
	Shape, RefType, ParamType string
	// Entity and Param: the referenced gate, config, experiment or layer and its parameter.
	Entity, Param string
	// Value is what the SDK returns: the parameter's value when it has one of the fallback's
	// type, else the fallback (JSON null when none was given).
	Value json.RawMessage
	// FromStore: Value is the parameter's, not the fallback.
	FromStore bool

	// The evaluation of the referenced entity (one of them, by Shape).
	Gate   *GateResult
	Config *ConfigResult
	Layer  *LayerResult
}

// GetParameter reads param from the parameter store for u. fallback is the JSON value the
// caller falls back to (nil: none); its type selects which values are accepted (see
// ParameterResult.Value). Referenced entities are evaluated as check_gate, get_config,
// get_experiment and get_layer evaluate them; Exposures lists what reading the parameter
// logs.
func (e *Evaluator) GetParameter(u *User, store, param string, fallback json.RawMessage) ParameterResult {
	r := ParameterResult{Store: store, Name: param}
	fb := fallback
	if len(bytes.TrimSpace(fb)) == 0 {
		fb = json.RawMessage(jsonNull)
	}
	r.Value = fb
	s := e.Specs()
	if s == nil {
		return r
	}
	ps := s.paramStores[store]
	if ov := e.storeOverride(s, u, store); ov != nil {
		ps = ov
		r.Overridden = true
	}
	if ps == nil {
		return r
	}
	r.StoreFound = true
	p := ps.params[param]
	if p == nil {
		return r
	}
	r.Found, r.Shape, r.RefType, r.ParamType, r.Entity, r.Param = true, p.shape, p.refType, p.paramType, p.entity, p.param
	var v json.RawMessage
	has := false
	switch p.shape {
	case RefStatic:
		v, has = p.value, true
	case RefGate:
		g := e.CheckGate(u, p.entity)
		r.Gate = &g
		v, has = p.fail, true
		if g.Value {
			v = p.pass
		}
	case RefDynamicConfig, RefExperiment:
		var c ConfigResult
		if p.shape == RefExperiment {
			c = e.GetExperiment(u, p.entity)
		} else {
			c = e.GetConfig(u, p.entity)
		}
		r.Config = &c
		var m map[string]json.RawMessage
		if json.Unmarshal(c.Value, &m) == nil {
			v, has = m[p.param]
		}
	case RefLayer:
		l := e.GetLayer(u, p.entity)
		r.Layer = &l
		v, has = l.Get(p.param)
	}
	if has && typeMatches(v, fallback) {
		r.Value, r.FromStore = v, true
	}
	return r
}

// Exposures are what reading the parameter logs in Server Core: a gate's or config's
// exposure whenever it is referenced (whatever the value), a layer parameter's exposure only
// when the layer returned the parameter with the requested type; nothing for static values.
//
// Server Core reads referenced entities through its typed API (check_gate, get_dynamic_config,
// get_experiment, get_layer of the Rust core), whose exposures differ from those of the Node
// binding's own calls (observed with 0.23.2, matching the Rust source): they are keyed (for
// de-duplication and sampling) with the user's unit ID; an experiment's has no rulePassed and
// is keyed by whether the user is in the experiment; a layer parameter's is keyed by the
// layer's rule id and never sends null secondary exposures.
func (r ParameterResult) Exposures() []Exposure {
	switch {
	case r.Gate != nil:
		return []Exposure{r.Gate.Exposure()}
	case r.Config != nil:
		e := r.Config.Exposure()
		e.unitKeyed = true
		if r.Shape == RefExperiment {
			delete(e.Metadata, "rulePassed")
			e.keyRulePassed = strconv.FormatBool(r.Config.IsUserInExperiment)
			e.Sampling = r.Config.sampling.withAdditional(boolHash(r.Config.IsUserInExperiment), false)
		} else {
			e.Sampling = r.Config.sampling.withAdditional(boolHash(r.Config.Passed), false)
		}
		return []Exposure{e}
	case r.Layer != nil && r.FromStore:
		e := r.Layer.parameterExposure(r.Param)
		e.unitKeyed = true
		if e.SecondaryExposures == nil {
			e.SecondaryExposures = []SecondaryExposure{}
		}
		e.Sampling = r.Layer.sampling.withAdditional(internedHash(r.Param), false)
		return []Exposure{e}
	}
	return nil
}

// RuleID is the rule id of the referenced entity's evaluation ("" for static values).
func (r ParameterResult) RuleID() string {
	switch {
	case r.Gate != nil:
		return r.Gate.RuleID
	case r.Config != nil:
		return r.Config.RuleID
	case r.Layer != nil:
		if rid, ok := r.Layer.ParameterRuleIDs[r.Param]; ok {
			return rid
		}
		return r.Layer.RuleID
	}
	return ""
}

// clientParamStores is a client initialize response's param_stores (Server Core's client
// format): stores filtered by app (as entities are) and by ParamStoreFilter, names hashed,
// each parameter in its decoded shape with the referenced entity's name hashed.
//
//nolint:goconst // JSON field names, spelled as on the wire
func (s *Specs) clientParamStores(o ClientInitOptions, visible func(hasApps bool, apps []string) bool,
	hash func(string) string,
) map[string]any {
	out := make(map[string]any, len(s.paramStores))
	for name, ps := range s.paramStores {
		if !visible(ps.hasTargetApps, ps.targetAppIDs) {
			continue
		}
		if o.HasParamStoreFilter && !slices.Contains(o.ParamStoreFilter, name) {
			continue
		}
		params := make(map[string]any, len(ps.params))
		for pn, p := range ps.params {
			entry := map[string]any{"name": pn, "ref_type": p.refType, "param_type": p.paramType}
			switch p.shape {
			case RefStatic:
				entry["value"] = p.value
			case RefGate:
				entry["gate_name"], entry["pass_value"], entry["fail_value"] = hash(p.entity), p.pass, p.fail
			case RefDynamicConfig:
				entry["config_name"], entry["param_name"] = hash(p.entity), p.param
			case RefExperiment:
				entry["experiment_name"], entry["param_name"] = hash(p.entity), p.param
			case RefLayer:
				entry["layer_name"], entry["param_name"] = hash(p.entity), p.param
			}
			params[pn] = entry
		}
		out[hash(name)] = params
	}
	return out
}
