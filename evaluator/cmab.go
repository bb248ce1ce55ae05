package evaluator

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
)

// CMAB (contextual multi-armed bandit, "autotune" with a model) configs: the payload's
// cmab_configs, evaluated as Server Core evaluates them for get_experiment and the client
// initialize response (docs/semantics.md §2.13).

// The rule ids of a CMAB that assigns no group, and the suffix of an exploring group's.
const (
	ruleIDPrestart       = "prestart"
	ruleIDFailsTargeting = "inlineTargetingRules"
	exploreSuffix        = ":explore"
)

// cmabConfig is one entry of cmab_configs.
type cmabConfig struct {
	name           string
	salt           string
	targetAppIDs   []string
	hasTargetApps  bool
	def            *retVal
	idType         string
	idTypeIsUser   bool
	enabled        bool
	version        int
	sampleRate     float64
	higherIsBetter bool
	groups         []cmabGroup
	// model is the per-group model by group id; nil when the payload has no "config" (every
	// user explores, by hash)
	model         map[string]*cmabModel
	targetingGate string
	hasTargeting  bool
}

type cmabGroup struct {
	name  string
	id    string
	value *retVal
}

// cmabModel is a group's linear model: alpha + intercept + Σ numerical weight × user value +
// Σ categorical weight of the user's value.
type cmabModel struct {
	alpha, intercept float64
	records          uint64
	numerical        []cmabWeight
	categorical      []cmabCategory
}

type cmabWeight struct {
	field, lfield string
	code          uint8
	w             float64
}

type cmabCategory struct {
	field, lfield string
	code          uint8
	weights       map[string]float64
}

// rawCMAB is a cmab_configs entry as it appears in the payload.
type rawCMAB struct {
	Salt              *string         `json:"salt"`
	TargetAppIDs      []string        `json:"targetAppIDs"`
	DefaultValue      json.RawMessage `json:"defaultValue"`
	IDType            *string         `json:"idType"`
	Enabled           *bool           `json:"enabled"`
	Version           *uint32         `json:"version"`
	SampleRate        *float64        `json:"sampleRate"`
	HigherIsBetter    *bool           `json:"higherIsBetter"`
	Groups            *[]rawCMABGroup `json:"groups"`
	Config            json.RawMessage `json:"config"`
	TargetingGateName *string         `json:"targetingGateName"`
}

type rawCMABGroup struct {
	Name            *string         `json:"name"`
	ParameterValues json.RawMessage `json:"parameterValues"`
	ID              *string         `json:"id"`
}

type rawCMABModel struct {
	Alpha              *float64                      `json:"alpha"`
	Intercept          *float64                      `json:"intercept"`
	Records            *uint64                       `json:"records"`
	WeightsNumerical   *orderedFloats                `json:"weightsNumerical"`
	WeightsCategorical *orderedMap[orderedFloatsMap] `json:"weightsCategorical"`
}

// loadCMAB reads cmab_configs. Server Core requires every field but config and
// targetingGateName; an entry without one is left out (Server Core would reject the whole
// payload, which this loader does not).
func (l *loader) loadCMAB(raw []byte) map[string]*cmabConfig {
	var entries orderedMap[json.RawMessage]
	if len(raw) == 0 || raw[0] != '{' || json.Unmarshal(raw, &entries) != nil {
		return nil
	}
	out := make(map[string]*cmabConfig, len(entries.keys))
	for i, name := range entries.keys {
		var rc rawCMAB
		if json.Unmarshal(entries.vals[i], &rc) != nil || rc.Salt == nil || len(rc.DefaultValue) == 0 ||
			rc.IDType == nil || rc.Enabled == nil || rc.Version == nil || rc.SampleRate == nil ||
			rc.HigherIsBetter == nil || rc.Groups == nil {
			l.skip("cmab_configs." + name)
			continue
		}
		cm := &cmabConfig{
			name: name, salt: *rc.Salt, def: l.value(rc.DefaultValue), idType: l.intern(*rc.IDType),
			idTypeIsUser: strings.EqualFold(*rc.IDType, "userid"), enabled: *rc.Enabled,
			version: int(*rc.Version), sampleRate: *rc.SampleRate, higherIsBetter: *rc.HigherIsBetter,
		}
		if rc.TargetAppIDs != nil {
			cm.targetAppIDs, cm.hasTargetApps = l.internAll(rc.TargetAppIDs), true
		}
		if rc.TargetingGateName != nil {
			cm.targetingGate, cm.hasTargeting = *rc.TargetingGateName, true
		}
		ok := true
		for _, g := range *rc.Groups {
			if g.Name == nil || g.ID == nil || len(g.ParameterValues) == 0 {
				ok = false
				break
			}
			cm.groups = append(cm.groups, cmabGroup{name: *g.Name, id: *g.ID, value: l.value(g.ParameterValues)})
		}
		if ok && len(bytes.TrimSpace(rc.Config)) > 0 && string(bytes.TrimSpace(rc.Config)) != jsonNull {
			cm.model, ok = parseCMABModel(rc.Config)
		}
		if !ok {
			l.skip("cmab_configs." + name)
			continue
		}
		out[name] = cm
	}
	return out
}

func parseCMABModel(raw json.RawMessage) (map[string]*cmabModel, bool) {
	var groups orderedMap[rawCMABModel]
	if json.Unmarshal(raw, &groups) != nil {
		return nil, false
	}
	model := make(map[string]*cmabModel, len(groups.keys))
	for i, id := range groups.keys {
		rm := groups.vals[i]
		if rm.Alpha == nil || rm.Intercept == nil || rm.Records == nil || rm.WeightsNumerical == nil ||
			rm.WeightsCategorical == nil {
			return nil, false
		}
		m := &cmabModel{alpha: *rm.Alpha, intercept: *rm.Intercept, records: *rm.Records}
		for j, f := range rm.WeightsNumerical.keys {
			lf := strings.ToLower(f)
			m.numerical = append(m.numerical,
				cmabWeight{field: f, lfield: lf, code: fieldCodeOf(lf), w: rm.WeightsNumerical.vals[j]})
		}
		for j, f := range rm.WeightsCategorical.keys {
			lf := strings.ToLower(f)
			cw := rm.WeightsCategorical.vals[j]
			w := make(map[string]float64, len(cw.keys))
			for k, v := range cw.keys {
				w[v] = cw.vals[k]
			}
			m.categorical = append(m.categorical, cmabCategory{field: f, lfield: lf, code: fieldCodeOf(lf), weights: w})
		}
		model[id] = m
	}
	return model, true
}

// orderedMap decodes a JSON object keeping its keys in payload order (a repeated key: the
// last value wins, at its first position).
type orderedMap[T any] struct {
	keys []string
	vals []T
}

func (m *orderedMap[T]) UnmarshalJSON(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	if _, err := dec.Token(); err != nil {
		return err
	}
	at := map[string]int{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return err
		}
		k, _ := t.(string)
		var v T
		if err := dec.Decode(&v); err != nil {
			return err
		}
		if i, dup := at[k]; dup {
			m.vals[i] = v
			continue
		}
		at[k] = len(m.keys)
		m.keys, m.vals = append(m.keys, k), append(m.vals, v)
	}
	_, err := dec.Token()
	return err
}

type orderedFloats = orderedMap[float64]
type orderedFloatsMap = orderedMap[float64]

// clientVisible reports whether a client initialize response includes the CMAB: the experiment
// filter and, when the response is filtered by an app, the CMAB's own target apps.
func (cm *cmabConfig) clientVisible(o *ClientInitOptions, filter bool, appID string) bool {
	if o.filtered(KindExperiment, cm.name) {
		return false
	}
	return !filter || appID == "" || (cm.hasTargetApps && slices.Contains(cm.targetAppIDs, appID))
}

// evaluateCMAB is Server Core's evaluate_cmab: only get_experiment (and a layer's delegate,
// and the client initialize response) consult cmab_configs.
func (c *evalCtx) evaluateCMAB(cm *cmabConfig) {
	if c.depth == 0 {
		c.recognized = true
	}
	// As Server Core: the id type and version are the CMAB's whatever was evaluated before,
	// the result is not finalised (no sampling rate is set) and the group name is left as it was.
	setMeta := func() {
		c.idType, c.version, c.hasVersion = cm.idType, cm.version, true
		c.isExpActive = cm.enabled
	}
	if !cm.enabled || len(cm.groups) == 0 {
		setMeta()
		c.boolv, c.ruleID, c.value = false, ruleIDPrestart, cm.def
		return
	}
	if passed, ownGroup := c.cmabTargeting(cm); !passed {
		setMeta()
		c.boolv, c.ruleID, c.value = false, ruleIDFailsTargeting, cm.def
		// As Server Core: the group name is what the targeting gate's evaluation left
		// (getExperiment's, c.groupName), which its client initialize response reports too,
		// where the gate's nested gates are usually memo hits (the response evaluated the gate
		// before) that write none (see gcirMemo). Outside a response, GroupName assumes so: the
		// group of the gate's matching rule.
		if c.depth == c.resultDepth {
			c.ruleGroup, c.ruleSplit = ownGroup, false
			if c.gcirMemo != nil {
				c.ruleGroup = c.groupName
			}
		}
		return
	}
	setMeta()
	unit := c.u.unitIDString(cm.idType, cm.idTypeIsUser)
	h := hashUnit(cm.salt+".", unit)
	if cm.model == nil {
		// explore by hash: the group whose tenth of 10000 buckets holds the user's
		size := 10000.0 / float64(len(cm.groups))
		c.applyCMABGroup(&cm.groups[int(float64(h%10000)/size)], true)
		return
	}
	if float64(h%10000) < cm.sampleRate*10000 {
		// Server Core explores with a random draw (thread_rng) weighted by 1/(records+1): the
		// same distribution, not the same draw.
		c.u.markVolatile()
		if g := cm.sampleGroup(rand.Float64()); g != nil {
			c.applyCMABGroup(g, true)
			return
		}
	}
	best, found := &cm.groups[0], false
	bestScore := 0.0
	for i := range cm.groups {
		g := &cm.groups[i]
		score, ok := c.cmabScore(cm, g)
		if !ok {
			continue
		}
		if !found || (cm.higherIsBetter && score > bestScore) || (!cm.higherIsBetter && score < bestScore) {
			best, bestScore, found = g, score, true
		}
	}
	if !found {
		// no group has a model with weights: Server Core picks one at random
		c.u.markVolatile()
		best = &cm.groups[int(rand.Float64()*float64(len(cm.groups)))]
	}
	c.applyCMABGroup(best, false)
}

func (c *evalCtx) applyCMABGroup(g *cmabGroup, explore bool) {
	c.boolv, c.value = true, g.value
	c.ruleID = g.id
	if explore { // as Server Core, a suffix once set stays for the evaluation
		c.ruleSuffix = exploreSuffix
	}
	c.groupName = g.name
	if c.depth == c.resultDepth {
		c.ruleGroup, c.ruleSplit = g.name, true
	}
}

// sampleGroup is the exploring group for a draw r in [0,1): groups weighted by 1/(records+1).
func (cm *cmabConfig) sampleGroup(r float64) *cmabGroup {
	weight := func(g *cmabGroup) float64 {
		if m := cm.model[g.id]; m != nil {
			return 1 / float64(m.records+1)
		}
		return 1
	}
	total := 0.0
	for i := range cm.groups {
		total += weight(&cm.groups[i])
	}
	sum := 0.0
	for i := range cm.groups {
		sum += weight(&cm.groups[i]) / total
		if r < sum {
			return &cm.groups[i]
		}
	}
	return nil
}

// cmabScore is a group's model score for the user; false when the group has no model or a
// model without weights.
func (c *evalCtx) cmabScore(cm *cmabConfig, g *cmabGroup) (float64, bool) {
	m := cm.model[g.id]
	if m == nil || (len(m.numerical) == 0 && len(m.categorical) == 0) {
		return 0, false
	}
	score := m.intercept + m.alpha
	for i := range m.categorical {
		cw := &m.categorical[i]
		v := c.e.lookupField(c.u, cw.code, cw.field, cw.lfield)
		if v.kind == kindMissing {
			continue
		}
		if w, ok := cw.weights[categoryString(v)]; ok {
			score += w
		}
	}
	for i := range m.numerical {
		nw := &m.numerical[i]
		v := c.e.lookupField(c.u, nw.code, nw.field, nw.lfield)
		if !v.hasNum {
			continue
		}
		score += v.num * nw.w
	}
	return score, true
}

// categoryString is the user value a categorical weight is looked up by: its string view, else
// its JSON text.
func categoryString(v Value) string {
	if v.hasStr {
		return v.str
	}
	return jsonText(v)
}

// jsonText is v as compact JSON (object keys sorted, as serde_json writes a map).
func jsonText(v Value) string {
	switch v.kind {
	case kindString:
		b, _ := json.Marshal(v.str)
		return string(b)
	case kindNumber, kindBool:
		return v.str
	case kindArray:
		parts := make([]string, 0, len(v.elems()))
		for _, e := range v.elems() {
			parts = append(parts, jsonText(e))
		}
		return "[" + strings.Join(parts, ",") + "]"
	case kindObject:
		f := v.fields()
		keys := make([]string, 0, len(f))
		for k := range f {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		parts := make([]string, 0, len(keys))
		for _, k := range keys {
			kb, _ := json.Marshal(k)
			parts = append(parts, string(kb)+":"+jsonText(f[k]))
		}
		return "{" + strings.Join(parts, ",") + "}"
	}
	return jsonNull
}

// cmabTargeting evaluates a CMAB's targeting gate as Server Core does: a nested gate without
// the memo, whose exposures stay in the result, followed by its own (segments excepted, and
// even for an unknown gate). ownGroup is the group name of the gate's matching rule ("" when
// it fell through).
func (c *evalCtx) cmabTargeting(cm *cmabConfig) (passed bool, ownGroup string) {
	if !cm.hasTargeting {
		return true, ""
	}
	c.boolv, c.value = false, nil
	if c.depth >= maxDepth {
		c.ruleID = ruleIDFailsTargeting
		return false, ""
	}
	c.depth++
	c.evaluateSpec(cm.targetingGate, KindGate, c.s.gates[cm.targetingGate])
	c.depth--
	passed = c.boolv
	if c.ruleID != "" && c.ruleID != ruleIDDefault && c.ruleID != ruleIDDisabled {
		ownGroup = c.groupName
	}
	if !strings.HasPrefix(cm.targetingGate, "segment:") {
		c.sec = append(c.sec,
			SecondaryExposure{Gate: cm.targetingGate, GateValue: strconv.FormatBool(passed), RuleID: c.ruleID})
	}
	return passed, ownGroup
}
