package evaluator

import (
	"slices"
	"strconv"
	"strings"
)

// maxDepth bounds nested gate and delegate evaluation (cycles of pass_gate conditions).
const maxDepth = 300

// evalCtx is the one mutable result record Server Core shares across a top-level evaluation,
// including nested gate and delegate evaluations (docs/semantics.md §2.5): the sharing is observable, so it is
// reproduced. Contexts are pooled; nothing here escapes a call except copied results.
type evalCtx struct {
	e *Evaluator
	s *Specs
	u *User

	boolv       bool
	unsupported bool
	errored     bool
	recognized  bool
	value       *retVal
	ruleID      string
	ruleSuffix  string // Server Core's rule_id_suffix (":explore" of a CMAB group), kept until reset
	// gcirMemo: in a client initialize response, the gates already evaluated as nested gates
	// by an earlier entity (nil elsewhere). Server Core evaluates a response's entities with one
	// context whose nested-gate memo outlives each entity (gates first, in its map order): a
	// later nested use of a gate is a memo hit, which sets the gate's value, rule and exposures
	// and leaves the rest of the result alone (a config mapping of the gate does not reset it
	// again, its rules do not write the group name). Which entity comes first follows Server
	// Core's map order (not reproducible); ours is the response's order.
	gcirMemo     map[string]struct{}
	overrideName string // the config a config mapping evaluated instead (overrideConfigName)
	// topDepth: evaluations at this depth or above finalise as top-level ones (0, or the depth
	// at which a config mapping reset the result, as Server Core's nested count goes to 0)
	topDepth     int
	groupName    string // Server Core's shared field: a fall-through keeps what a nested gate's rule wrote
	ruleGroup    string // the group name of the rule the result reports ("" on a fall-through)
	resultDepth  int    // the depth whose rule outcome is the result: 0, or the layer's delegate
	ruleSplit    bool   // the reported rule assigns pseudorandomly: an experiment group or a partial rollout
	isExpGroup   bool
	isExpActive  bool
	isInLayer    bool
	explicit     []string
	hasExplicit  bool
	name         string
	nameSet      bool
	idType       string
	version      int
	hasVersion   bool
	sec          []SecondaryExposure
	undelN       int
	undelSet     bool
	delegate     string
	samplingRate int
	hasSampling  bool
	forwardAll   bool
	analytical   bool // saw a nested gate without samplingRate (docs/semantics.md §4.4)
	depth        int
	memo         []memoEntry // nested gates evaluated so far (few: a linear scan beats a map)
	appID        string

	// useNewLayerEval path
	paramRuleIDs map[string]string
	layerValue   map[string][]byte

	// the last user_bucket hashes: a layer's allocation rules and its experiments'
	// layerAssignment conditions hash the same salt and unit again and again
	buckets    [2]bucketHash
	bucketNext uint8
	touched    uint8 // keeps touch's loads from being optimised away

	// overridden: an override answered this evaluation or a nested one (the reason of the
	// whole result, as Server Core's shared result keeps it); skipOverrides: a client
	// initialize response without include_local_overrides.
	overridden    bool
	skipOverrides bool
	// nestLeak counts nested evaluations that ended without finishing (an override or an
	// unknown gate): Server Core's nesting counter is decremented only when a spec finishes,
	// so the top-level finish then skips its undelegated exposures (docs/semantics.md §2.13).
	nestLeak int

	ua     *uaResult
	nowSet bool
	nowMs  int64
}

type bucketHash struct {
	prefix, unit string
	h            uint64
}

// bucketOf is the user_bucket value, hash(salt "." unit) % 1000, remembered for the evaluation.
func (c *evalCtx) bucketOf(cond *condition) int64 {
	unit := c.u.unitIDString(cond.idType, cond.idTypeIsUser)
	for i := range c.buckets {
		if b := &c.buckets[i]; b.prefix != "" && b.prefix == cond.bucketPrefix && b.unit == unit {
			return int64(b.h % 1000)
		}
	}
	h := hashUnit(cond.bucketPrefix, unit)
	c.buckets[c.bucketNext] = bucketHash{prefix: cond.bucketPrefix, unit: unit, h: h}
	c.bucketNext ^= 1
	return int64(h % 1000)
}

type memoEntry struct {
	name string
	b    bool
	rid  string
	exp  []SecondaryExposure
}

func (c *evalCtx) reset() {
	memo := c.memo[:0]
	sec := c.sec[:0]
	*c = evalCtx{memo: memo, sec: sec}
}

func (c *evalCtx) now() int64 {
	if !c.nowSet {
		c.nowMs, c.nowSet = c.e.now(), true
	}
	return c.nowMs
}

// evaluate runs the docs/semantics.md §2.5 algorithm for one entity.
func (c *evalCtx) evaluate(name string, kind Kind) {
	c.evaluateSpec(name, kind, c.s.lookup(kind, name))
}

// touch reads the first byte of every condition of sp's rules before any is evaluated. The
// loads are independent of each other, so the CPU overlaps their cache misses instead of
// taking them one at a time as the evaluation walks the rules (a large snapshot is evaluated
// from cold memory: each condition is otherwise a miss of its own). A software prefetch.
func touch(sp *spec) (x uint8) {
	for i := range sp.rules {
		for _, cond := range sp.rules[i].conds {
			x += uint8(cond.typ)
		}
	}
	return x
}

// evaluateSpec is evaluate with the spec already looked up (nil: unrecognised). It reports
// whether the name was recognised (Server Core's Recognition): a spec, an override, a config mapping
// that applied or a CMAB.
func (c *evalCtx) evaluateSpec(name string, kind Kind, sp *spec) bool {
	// As Server Core: local overrides first, then config mapping, then CMAB, then the spec.
	if c.applyOverride(name, kind, sp) {
		return true
	}
	if c.s.mappings != nil && c.applyMapping(name, kind, sp) {
		return true
	}
	if kind == KindExperiment && c.s.cmab != nil {
		if cm := c.s.cmab[name]; cm != nil {
			c.evaluateCMAB(cm)
			return true
		}
	}
	if sp == nil {
		c.boolv, c.ruleID, c.value = false, "", nil
		if c.depth == 0 {
			c.recognized = false
		} else {
			c.nestLeak++
		}
		return false
	}
	if c.depth == 0 {
		c.recognized = true
	}
	c.touched += touch(sp)
	if !c.nameSet {
		c.nameSet, c.name, c.idType = true, name, sp.idType
		c.version, c.hasVersion = sp.version, sp.hasVersion
	}
	if sp.isActive != triUnset {
		c.isExpActive = sp.isActive.isTrue()
	}
	if sp.hasSharedParams != triUnset {
		c.isInLayer = sp.hasSharedParams.isTrue()
	}
	if sp.hasExplicit {
		c.explicit, c.hasExplicit = sp.explicit, true
	}
	if kind == KindLayer && sp.newLayerEval {
		c.evaluateNewLayer(sp)
		return true
	}
	for i := range sp.rules {
		r := &sp.rules[i]
		c.evalRule(r)
		if c.unsupported {
			return true
		}
		if !c.boolv {
			continue
		}
		if d := r.delegate; d != nil {
			if ds := c.s.linked(&d.link, KindExperiment, d.name); ds != nil {
				c.delegateTo(d.name, ds)
				// As Server Core: a delegated layer keeps no sampling rate (docs/semantics.md §4.4).
				c.finalize(sp, nil)
				return true
			}
		}
		if c.passes(sp, r) {
			c.boolv, c.value = !r.ret.isFalse, r.ret
		} else {
			c.boolv, c.value = sp.def.isTrue, sp.def
		}
		c.ruleID, c.groupName = r.id, r.groupName
		if c.depth == c.resultDepth {
			c.ruleGroup = r.groupName
			c.ruleSplit = r.isExpGroup.isTrue() || (r.passPct > 0 && r.passPct < 100)
		}
		c.isExpGroup = r.isExpGroup.isTrue()
		c.isExpActive = sp.isActive.isTrue()
		c.finalize(sp, r)
		return true
	}
	c.boolv, c.value = sp.def.isTrue, sp.def
	// groupName is deliberately not reset (Server Core's getExperiment and getLayer show the
	// carried value); ruleGroup is, as no rule of this spec matched.
	if c.depth == c.resultDepth {
		c.ruleGroup, c.ruleSplit = "", false
	}
	if sp.enabled {
		c.ruleID = ruleIDDefault
	} else {
		c.ruleID = ruleIDDisabled
	}
	c.finalize(sp, nil)
	return true
}

func (c *evalCtx) finalize(sp *spec, r *rule) {
	if r != nil {
		c.samplingRate, c.hasSampling = r.samplingRate, r.hasSampling
	} else {
		c.samplingRate, c.hasSampling = 0, false
	}
	c.forwardAll = sp.forwardAll
	if c.depth == 0 && c.nestLeak > 0 {
		c.nestLeak-- // Server Core's counter was still up: this finish counts as a nested one
		return
	}
	// As Server Core: with no secondary exposure and no delegation there is no undelegated
	// list at all (logged as null for a layer's implicit parameters).
	if c.depth <= c.topDepth && !c.undelSet && len(c.sec) > 0 {
		c.undelN, c.undelSet = len(c.sec), true
	}
}

// delegateTo hands a layer's evaluation to the experiment that owns the user (docs/semantics.md §2.10.1).
func (c *evalCtx) delegateTo(name string, ds *spec) {
	c.undelN, c.undelSet = len(c.sec), true
	c.depth++
	outer := c.resultDepth
	c.resultDepth = c.depth // the delegate's rule outcome is the layer's result
	c.evaluateSpec(name, KindExperiment, ds)
	c.resultDepth = outer
	c.depth--
	c.explicit, c.hasExplicit = ds.explicit, ds.hasExplicit
	c.delegate = name
}

// evalRule evaluates the conditions in order; the rule passes iff all pass. Server Core
// evaluates every one (later gate conditions still add secondary exposures, later unsupported
// ones still make the result unsupported); once one has failed, a tail of pure conditions can
// change neither, so it is skipped.
func (c *evalCtx) evalRule(r *rule) {
	all := true
	for i, cond := range r.conds {
		c.evalCondition(cond)
		if c.unsupported {
			return
		}
		if !c.boolv {
			all = false
			if int32(i+1) >= r.pureFrom {
				break
			}
		}
	}
	c.boolv = all
}

func (c *evalCtx) passes(sp *spec, r *rule) bool { return c.passesSalt(sp.salt, r) }

func (c *evalCtx) memoized(name string) *memoEntry {
	if name == "" {
		return nil
	}
	for i := range c.memo {
		if c.memo[i].name == name {
			return &c.memo[i]
		}
	}
	return nil
}

// nestedGate evaluates pass_gate / fail_gate (docs/semantics.md §2.6).
func (c *evalCtx) nestedGate(cond *condition, fail bool) {
	name := cond.gateName()
	var nb bool
	var rid string
	if m := c.memoized(name); m != nil {
		nb, rid = m.b, m.rid
		c.sec = append(c.sec, m.exp...)
	} else {
		if c.depth >= maxDepth {
			c.unsupported, c.errored = true, true
			return
		}
		saved := c.sec
		c.sec = nil
		c.depth++
		if _, hit := c.gcirMemo[name]; hit {
			// Server Core's memo from an earlier entity of the client initialize response:
			// the gate's value, rule and exposures, nothing else of the result (see gcirMemo)
			st := c.resultState()
			c.evaluateSpec(name, KindGate, c.s.linked(&cond.link, KindGate, name))
			st.restore(c)
		} else {
			c.evaluateSpec(name, KindGate, c.s.linked(&cond.link, KindGate, name))
			if c.gcirMemo != nil && !c.unsupported && name != "" {
				c.gcirMemo[name] = struct{}{}
			}
		}
		c.depth--
		if c.unsupported {
			c.sec = append(saved, c.sec...)
			return
		}
		nb, rid = c.boolv, c.ruleID
		nested := c.sec
		if name != "" {
			c.memo = append(c.memo, memoEntry{name: name, b: nb, rid: rid, exp: nested})
		}
		if len(nested) == 0 {
			c.sec = saved
		} else {
			c.sec = append(slices.Clip(saved), nested...)
		}
	}
	if rid != "" && !strings.HasPrefix(name, "segment:") {
		// As Server Core: the sampling rate is the last one a spec finished with (a
		// memoised gate leaves it as it was).
		if !c.hasSampling {
			c.analytical = true
		}
		c.sec = append(c.sec, SecondaryExposure{Gate: name, GateValue: strconv.FormatBool(nb), RuleID: rid})
	}
	if fail {
		c.boolv = !nb
	} else {
		c.boolv = nb
	}
}
