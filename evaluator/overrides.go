package evaluator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"sync/atomic"
	"time"
	"unsafe"
)

// KindParameterStore is the kind of a parameter store override (stores are not specs).
const KindParameterStore Kind = "param_store"

// ruleIDOverride is the rule ID of an overridden result, as Server Core reports it.
const ruleIDOverride = "override"

// reasonLocalOverride is the details reason of an evaluation an override answered (or that
// evaluated an overridden nested gate, as the result is shared: Server Core's behaviour).
const reasonLocalOverride = "LocalOverride:Recognized"

// Override is one local override, as Server Core's override adapter takes them
// (override_gate, override_dynamic_config, override_experiment(_by_group_name),
// override_layer, override_parameter_store), plus an expiry.
type Override struct {
	// Kind is KindGate, KindDynamicConfig, KindExperiment, KindLayer or KindParameterStore.
	// A dynamic config override answers get_config, an experiment override get_experiment
	// and a layer's delegation, as in Server Core.
	Kind Kind
	// Name of the gate, config, experiment, layer or parameter store (it need not exist).
	Name string
	// IDs the override applies to: a user whose userID, else any of whose custom IDs, equals
	// one of them. None: every user (the lowest precedence).
	IDs []string
	// Gate is a gate override's value.
	Gate bool
	// Value is the JSON object a config, experiment, layer or parameter store override
	// returns (a store's object maps parameter names to parameters or to plain values).
	Value json.RawMessage
	// GroupName, for an experiment, returns the value of the experiment's first rule with
	// that group name instead of Value (none such: an empty value).
	GroupName string
	// ExpiresAt ends the override (zero: never). An expired override no longer applies, from
	// that instant, whatever happens to the Overrides value.
	ExpiresAt time.Time
	// Source names where the override comes from (for callers' bookkeeping).
	Source string

	ret *retVal // Value, ready to return
}

// noID is the key of overrides for every user.
const noID = "\x00every-user"

// Overrides is an immutable set of overrides, ready for evaluation.
type Overrides struct {
	byName map[string]*nameOverrides
	n      int
	// expiries are the overrides' ExpiresAt (Unix ms), sorted: results may change at each
	// (CacheableResults).
	expiries []int64
}

// nameOverrides are the overrides of one name, per kind.
type nameOverrides struct {
	gate, config, experiment, layer, store idTable
}

// idTable maps an ID (or noID) to its overrides, the first one in force winning.
type idTable map[string][]*Override

func (n *nameOverrides) table(kind Kind) idTable {
	switch kind {
	case KindGate:
		return n.gate
	case KindDynamicConfig:
		return n.config
	case KindExperiment:
		return n.experiment
	case KindLayer:
		return n.layer
	case KindParameterStore:
		return n.store
	}
	return nil
}

// NewOverrides validates list and indexes it (list is kept: do not change it afterwards). For
// the same name, kind and ID, an earlier
// override wins over a later one while it is in force.
func NewOverrides(list []Override) (*Overrides, error) {
	o := &Overrides{byName: map[string]*nameOverrides{}}
	for i := range list {
		ov := list[i]
		if ov.Name == "" {
			return nil, fmt.Errorf("override %d: name is empty", i)
		}
		if ov.Kind != KindGate {
			if err := checkObject(ov); err != nil {
				return nil, fmt.Errorf("override %d (%s %s): %w", i, ov.Kind, ov.Name, err)
			}
		}
		n := o.byName[ov.Name]
		if n == nil {
			n = &nameOverrides{}
			o.byName[ov.Name] = n
		}
		t := n.table(ov.Kind)
		if t == nil {
			t = idTable{}
			switch ov.Kind {
			case KindGate:
				n.gate = t
			case KindDynamicConfig:
				n.config = t
			case KindExperiment:
				n.experiment = t
			case KindLayer:
				n.layer = t
			case KindParameterStore:
				n.store = t
			default:
				return nil, fmt.Errorf("override %d: kind %q cannot be overridden", i, ov.Kind)
			}
		}
		ids := ov.IDs
		if len(ids) == 0 {
			ids = []string{noID}
		}
		p := &list[i]
		if !p.ExpiresAt.IsZero() {
			o.expiries = append(o.expiries, p.ExpiresAt.UnixMilli())
		}
		if len(bytes.TrimSpace(p.Value)) > 0 {
			p.ret = &retVal{raw: append(json.RawMessage(nil), bytes.TrimSpace(p.Value)...)}
		}
		for _, id := range ids {
			t[id] = append(t[id], p)
		}
		o.n++
	}
	slices.Sort(o.expiries)
	return o, nil
}

func checkObject(ov Override) error {
	if ov.Kind == KindExperiment && ov.GroupName != "" {
		return nil
	}
	v := bytes.TrimSpace(ov.Value)
	if len(v) == 0 || v[0] != '{' || !json.Valid(v) {
		return fmt.Errorf("value must be a JSON object")
	}
	return nil
}

// Len is the number of overrides.
func (o *Overrides) Len() int {
	if o == nil {
		return 0
	}
	return o.n
}

// inForce is the first override of list in force at now (Unix ms).
func inForce(list []*Override, now int64) *Override {
	for _, ov := range list {
		if ov.ExpiresAt.IsZero() || now < ov.ExpiresAt.UnixMilli() {
			return ov
		}
	}
	return nil
}

// find is Server Core's find_override_for_user: the user's userID, then each custom ID
// (in key order here: Server Core's map order is arbitrary), then the override for everyone.
func (t idTable) find(u *User, now int64) *Override {
	if len(t) == 0 {
		return nil
	}
	if id := u.UserID.IDString(); id != "" {
		if ov := inForce(t[id], now); ov != nil {
			return ov
		}
	}
	// The custom ID with the smallest key wins when several match (no sort unless needed).
	var best *Override
	bestKey := ""
	for k, v := range u.CustomIDs {
		if id := v.IDString(); id != "" {
			if ov := inForce(t[id], now); ov != nil && (best == nil || k < bestKey) {
				best, bestKey = ov, k
			}
		}
	}
	if best != nil {
		return best
	}
	return inForce(t[noID], now)
}

// SetOverrides publishes a set of overrides (nil: none). Evaluation without overrides pays
// one pointer load per spec.
func (e *Evaluator) SetOverrides(o *Overrides) {
	e.ovMu.Lock()
	defer e.ovMu.Unlock()
	e.beginChange()
	defer e.endChange()
	if o != nil && o.n == 0 {
		o = nil
	}
	old := e.overrides.Load()
	e.overrides.Store(o)
	if s := e.Specs(); s != nil {
		s.markOverrides(old, o)
	}
}

// Overrides returns the overrides in use, or nil.
func (e *Evaluator) Overrides() *Overrides { return e.overrides.Load() }

// OverrideHits counts evaluations an override answered (top-level results, a nested gate's
// override included).
func (e *Evaluator) OverrideHits() uint64 { return e.overrideHits.Load() }

// markOverrides points the snapshot's specs at their overrides: old's names are unmarked,
// o's marked.
func (s *Specs) markOverrides(old, o *Overrides) {
	if old != nil {
		for name := range old.byName {
			for _, m := range []map[string]*spec{s.gates, s.configs, s.layers} {
				if sp := m[name]; sp != nil {
					atomic.StorePointer(&sp.ovr, nil)
				}
			}
		}
	}
	if o == nil {
		return
	}
	for name, n := range o.byName {
		for _, m := range []map[string]*spec{s.gates, s.configs, s.layers} {
			if sp := m[name]; sp != nil {
				atomic.StorePointer(&sp.ovr, unsafe.Pointer(n))
			}
		}
	}
}

// applyOverride answers the evaluation of name as kind from an override when one applies to
// the user, as Server Core's override adapter does before looking at the spec: the value,
// rule ID "override", and the LocalOverride reason for the whole (shared) result.
func (c *evalCtx) applyOverride(name string, kind Kind, sp *spec) bool {
	if c.skipOverrides {
		return false
	}
	var n *nameOverrides
	if sp != nil {
		n = (*nameOverrides)(atomic.LoadPointer(&sp.ovr))
	} else if o := c.e.overrides.Load(); o != nil {
		n = o.byName[name]
	}
	if n == nil {
		return false
	}
	t := n.table(kind)
	if t == nil {
		return false
	}
	ov := t.find(c.u, c.now())
	if ov == nil {
		return false
	}
	switch kind {
	case KindGate:
		c.boolv = ov.Gate
	case KindExperiment:
		if ov.GroupName != "" {
			c.value = groupValue(sp, ov.GroupName)
			break
		}
		c.value = ov.ret
	default:
		c.value = ov.ret
	}
	c.ruleID, c.overridden = ruleIDOverride, true
	if c.depth == 0 {
		c.recognized = true
	} else {
		c.nestLeak++ // no finish, as in Server Core
	}
	return true
}

// storeOverride is the parameter store a store override makes of name for the user (nil:
// none applies): each entry of the override's object is a parameter as in the payload, or a
// plain value (a static parameter of its JSON type), as Server Core's override adapter builds
// it. Server Core 0.23.2's getParameterStore does not consult its adapter (its overrides of
// stores have no effect there); ours apply (docs/overrides.md).
func (e *Evaluator) storeOverride(s *Specs, u *User, name string) *paramStore {
	o := e.overrides.Load()
	if o == nil {
		return nil
	}
	n := o.byName[name]
	if n == nil || n.store == nil {
		return nil
	}
	now := e.now()
	ov := n.store.find(u, now)
	if ov == nil {
		return nil
	}
	var params map[string]json.RawMessage
	if json.Unmarshal(ov.Value, &params) != nil {
		return nil
	}
	ps := &paramStore{params: make(map[string]*storeParam, len(params))}
	if cur := s.paramStores[name]; cur != nil {
		ps.version, ps.targetAppIDs, ps.hasTargetApps = cur.version, cur.targetAppIDs, cur.hasTargetApps
	}
	for pn, raw := range params {
		p, ok := decodeStoreParam(raw)
		if !ok {
			p = &storeParam{shape: RefStatic, refType: "static", paramType: jsonTypeName(raw), value: raw}
		}
		ps.params[pn] = p
		ps.names = append(ps.names, pn)
	}
	slices.Sort(ps.names)
	e.overrideHits.Add(1)
	return ps
}

// jsonTypeName is Server Core's infer_param_type.
func jsonTypeName(raw json.RawMessage) string {
	switch jsonKind(raw) {
	case 'n':
		return "null"
	case 't', 'f':
		return "boolean"
	case '"':
		return "string"
	case '[':
		return "array"
	case '{':
		return "object"
	}
	return "number"
}

// groupValue is the return value of sp's first rule with the group name (nil: none).
func groupValue(sp *spec, group string) *retVal {
	if sp == nil {
		return nil
	}
	for i := range sp.rules {
		if sp.rules[i].groupName == group {
			return sp.rules[i].ret
		}
	}
	return nil
}

// HasOverridable reports whether the snapshot has the entity an override of kind names.
func (s *Specs) HasOverridable(kind Kind, name string) bool {
	if s == nil {
		return false
	}
	switch kind {
	case KindParameterStore:
		return s.paramStores[name] != nil
	case KindExperiment:
		return s.Has(KindExperiment, name) || s.cmab[name] != nil
	case KindDynamicConfig:
		return s.configs[name] != nil
	}
	return s.Has(kind, name)
}
