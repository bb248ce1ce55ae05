package evaluator

import (
	"encoding/json"
	"hash/maphash"
	"slices"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/statsig-operator/statsig-operator/evaluator/internal/arena"
)

// Kind is an entity kind.
type Kind string

// Entity kinds, as in the payload's "entity" field.
const (
	KindGate          Kind = "feature_gate"
	KindSegment       Kind = "segment"
	KindHoldout       Kind = "holdout"
	KindDynamicConfig Kind = "dynamic_config"
	KindExperiment    Kind = "experiment"
	KindAutotune      Kind = "autotune"
	KindLayer         Kind = "layer"
)

// Counts counts the entities of a snapshot.
type Counts struct {
	FeatureGates, Segments, Holdouts       int
	DynamicConfigs, Experiments, Autotunes int
	Layers, Conditions                     int
}

// Specs is an immutable, fully precompiled config-spec snapshot, safe for concurrent readers.
type Specs struct {
	format string
	source string
	// reasons are precomputed "<source>:<sub>" strings so evaluation never concatenates
	reasonRecognized, reasonUnrecognized, reasonUnsupported string
	time                                                    int64
	receivedAt                                              int64
	checksum                                                string
	companyID                                               string
	gen                                                     uint64 // see specLink

	gates   map[string]*spec
	configs map[string]*spec
	layers  map[string]*spec

	appID                 string
	defaultEnvironment    string
	sdkKeysToAppIDs       map[string]string
	hashedSDKKeysToAppIDs map[string]string
	experimentToLayer     map[string]string
	paramStores           map[string]*paramStore     // param_stores, decoded
	sessionReplay         *sessionReplayInfo         // session_replay_info; nil when absent
	cmab                  map[string]*cmabConfig     // cmab_configs; nil when absent
	cmabNames             []string                   // cmab's names, sorted
	mappings              map[string][]configMapping // overrides (config mapping); nil when absent
	sampling              SamplingConfig             // from sdk_configs

	counts  Counts
	names   map[Kind][]string
	skipped []string // specs left out for decode errors, sorted

	// shared is what a later load may reuse (compiled conditions and return values).
	shared *sharedTables
}

// sharedTables index what a later load may reuse by a 128-bit hash of its raw JSON (not the
// JSON itself, which would keep the payload's text alive): inline (v1) conditions and return
// values by hash; v2 condition-map entries by id (with the hash); built specs by kind and
// name, so a resync reuses every spec whose JSON and conditions did not change.
type sharedTables struct {
	conditions map[rawKey]*condition
	values     map[rawKey]*retVal
	conds      *condIndex
	specCount  int // specs in the snapshot's sections (each keeps what sharing it needs: spec.key)
	stale      int // replaced objects possibly still pinned in shared chunks
}

// Conditions, specs, rules and their strings are allocated in shared chunks (condSlab), and
// a chunk stays in memory while anything in it is used. Resyncs that share what did not
// change therefore leave replaced objects behind in chunks still pinned by their neighbours.
// stale counts them (conditions and specs); once they exceed 1/staleLimit of the snapshot,
// the next load shares nothing and builds fresh chunks (one resync with an initial load's
// peak), so the waste stays bounded however long the operator runs.
const staleLimit = 4

// objectCount is what stale is compared with: conditions and specs.
func (t *sharedTables) objectCount() int {
	return t.conds.Len() + len(t.conditions) + t.specCount
}

// section returns the map of a payload section (see section).
func (s *Specs) section(sec int) map[string]*spec {
	switch sec {
	case 0:
		return s.gates
	case 2:
		return s.layers
	}
	return s.configs
}

// section is the index of a payload section's kind (gates, configs, layers).
func section(k Kind) int {
	switch k {
	case KindGate:
		return 0
	case KindLayer:
		return 2
	}
	return 1
}

func (t *sharedTables) needsCompaction() bool {
	return t.stale > 0 && t.stale*staleLimit > t.objectCount()
}

// account carries the stale count forward from prev (nil: nothing was shared).
func (t *sharedTables) account(prev *sharedTables, reused int) {
	if prev == nil {
		t.stale = 0
		return
	}
	t.stale = prev.stale + max(prev.objectCount()-reused, 0)
}

type rawKey [2]uint64

var keySeed = maphash.MakeSeed()
var keySeed2 = maphash.MakeSeed()

func keyOf(raw []byte) rawKey {
	return rawKey{maphash.Bytes(keySeed, raw), maphash.Bytes(keySeed2, raw)}
}

// Time is the payload's lcut ("time").
func (s *Specs) Time() int64 { return s.time }

// Checksum is the payload's checksum ("" when absent).
func (s *Specs) Checksum() string { return s.checksum }

// Format is "v2" or "v1".
func (s *Specs) Format() string { return s.format }

// Source labels where the snapshot came from (the first half of evaluation reasons).
func (s *Specs) Source() string { return s.source }

// ReceivedAt is when the snapshot was loaded, in Unix ms.
func (s *Specs) ReceivedAt() int64 { return s.receivedAt }

// AppID is the payload's app_id.
func (s *Specs) AppID() string { return s.appID }

// DefaultEnvironment is the payload's default_environment tier.
func (s *Specs) DefaultEnvironment() string { return s.defaultEnvironment }

// Skipped returns the names of the specs left out of the snapshot because their JSON failed to
// decode (as Server Core skips them), sorted; a v1 spec whose name cannot be read is named by
// its section and position, as in "feature_gates[3]". A condition that fails to compile is
// not listed here: it fails the whole load. The slice is shared: do not modify it.
func (s *Specs) Skipped() []string { return s.skipped }

// Counts counts the snapshot's entities.
func (s *Specs) Counts() Counts { return s.counts }

// Names returns the sorted names of one kind of entity.
func (s *Specs) Names(kind Kind) []string { return s.names[kind] }

// CMABNames returns the sorted names of the payload's cmab_configs (evaluated as experiments
// by GetExperiment). The slice is shared: do not modify it.
func (s *Specs) CMABNames() []string { return s.cmabNames }

// Has reports whether an entity of that kind exists.
func (s *Specs) Has(kind Kind, name string) bool {
	sp := s.lookup(kind, name)
	return sp != nil && (sp.entity == kind ||
		(kind == KindDynamicConfig && sp.entity == KindExperiment) ||
		(kind == KindExperiment && sp.entity == KindAutotune) ||
		(kind == KindGate && (sp.entity == KindSegment || sp.entity == KindHoldout)))
}

// LayerParams returns the parameter names of a layer (the keys of its default value).
func (s *Specs) LayerParams(layer string) []string {
	sp := s.layers[layer]
	if sp == nil || sp.def == nil {
		return nil
	}
	return sp.def.keys()
}

func (s *Specs) lookup(kind Kind, name string) *spec {
	switch kind {
	case KindGate, KindSegment, KindHoldout:
		return s.gates[name]
	case KindLayer:
		return s.layers[name]
	default:
		return s.configs[name]
	}
}

// specLink resolves a name a condition or rule refers to (a nested gate, a delegate
// experiment) once per snapshot instead of once per evaluation: conditions and rules are
// shared between snapshots, so the link names the snapshot it is valid for, and readers of
// an older snapshot fall back to the map.
type specLink struct{ p atomic.Pointer[resolved] }

// ruleDelegate is a rule's config delegate (an experiment), kept out of the rule: few rules
// have one.
type ruleDelegate struct {
	name string
	link specLink // the experiment in the newest snapshot
}

type resolved struct {
	gen uint64 // the snapshot's generation: a pointer to it would keep a replaced snapshot alive
	sp  *spec
}

// generations numbers snapshots for specLink.
var generations atomic.Uint64

// linked is s.lookup(kind, name), through l when l was resolved for s.
func (s *Specs) linked(l *specLink, kind Kind, name string) *spec {
	if l != nil {
		if r := l.p.Load(); r != nil && r.gen == s.gen {
			return r.sp
		}
	}
	return s.lookup(kind, name)
}

// link resolves every nested gate and delegate reference of the snapshot's rules.
func (s *Specs) link() {
	s.gen = generations.Add(1)
	var chunk []resolved // allocated together, like the rules they serve
	for _, m := range []map[string]*spec{s.gates, s.configs, s.layers} {
		for _, sp := range m {
			for i := range sp.rules {
				r := &sp.rules[i]
				if d := r.delegate; d != nil {
					s.resolve(&chunk, &d.link, KindExperiment, d.name)
				}
				for _, c := range r.conds {
					if c.typ == condPassGate || c.typ == condFailGate {
						s.resolve(&chunk, &c.link, KindGate, c.gateName())
					}
				}
			}
		}
	}
}

func (s *Specs) resolve(chunk *[]resolved, l *specLink, kind Kind, name string) {
	if r := l.p.Load(); r == nil || r.gen != s.gen {
		r := &arena.Take(chunk, 1)[0]
		*r = resolved{gen: s.gen, sp: s.lookup(kind, name)}
		l.p.Store(r)
	}
}

func (s *Specs) index() {
	s.names = map[Kind][]string{}
	add := func(m map[string]*spec) {
		for name, sp := range m {
			s.names[sp.entity] = append(s.names[sp.entity], name)
		}
	}
	add(s.gates)
	add(s.configs)
	add(s.layers)
	for k := range s.names {
		slices.Sort(s.names[k])
	}
	s.counts.FeatureGates = len(s.names[KindGate])
	s.counts.Segments = len(s.names[KindSegment])
	s.counts.Holdouts = len(s.names[KindHoldout])
	s.counts.DynamicConfigs = len(s.names[KindDynamicConfig])
	s.counts.Experiments = len(s.names[KindExperiment])
	s.counts.Autotunes = len(s.names[KindAutotune])
	s.counts.Layers = len(s.names[KindLayer])
}

// spec is one gate, segment, holdout, dynamic config, experiment, autotune or layer.
// spec: what every evaluation reads fills the first cache line.
type spec struct {
	// The first cache line holds what every evaluation reads.
	rules []rule
	def   *retVal
	// ovr is this name's local overrides (*nameOverrides; Evaluator.SetOverrides), read and
	// written atomically. Not an atomic.Pointer: specs are copied when a load reuses them.
	ovr             unsafe.Pointer
	idType          string
	enabled         bool
	hasVersion      bool
	isActive        tri
	hasSharedParams tri
	hasExplicit     bool
	forwardAll      bool
	newLayerEval    bool
	hasTargetApps   bool

	version      int
	name         string
	entity       Kind
	salt         string
	explicit     []string
	targetAppIDs []string

	// What a later load needs to reuse the spec (load_share.go): a hash of its JSON and the
	// v2 condition ids its rules reference, in rule order. reusable: the spec can be rebuilt
	// from itself and condIDs alone (every condition is an id, or none is), so a later load
	// need not keep its JSON when the JSON is unchanged.
	key      rawKey
	condIDs  []string
	reusable bool
}

type tri uint8

const (
	triUnset tri = iota
	triFalse
	triTrue
)

func triOf(b *bool) tri {
	switch {
	case b == nil:
		return triUnset
	case *b:
		return triTrue
	}
	return triFalse
}

func (t tri) isTrue() bool { return t == triTrue }

// inlineConds: rules with this many conditions or fewer keep them in the rule itself (81% of
// the rules of a large generated payload), saving the separate array's cache miss.
const inlineConds = 2

// rule: what every evaluation of the rule reads comes first (one cache line for a rule
// whose conditions fail).
type rule struct {
	conds        []*condition // inl[:n] for up to inlineConds conditions (most rules)
	inl          [inlineConds]*condition
	pureFrom     int32 // conds[pureFrom:] are pure: after a failed condition there, stop
	idTypeIsUser bool
	isExpGroup   tri
	hasSampling  bool
	passPct      float64
	ret          *retVal
	salt         string // the rule's salt (usually its id: then id shares its bytes)
	idType       string

	delegate     *ruleDelegate // nil: none
	id           string
	groupName    string
	samplingRate int
}

// retVal is a shared return value: raw JSON kept as received, parsed lazily once for
// parameter reads. Identical values across rules, specs and snapshots share one retVal.
type retVal struct {
	raw     json.RawMessage
	isFalse bool
	isTrue  bool
	once    sync.Once
	obj     map[string]json.RawMessage
}

var emptyObject = &retVal{raw: json.RawMessage("{}")}

func (r *retVal) object() map[string]json.RawMessage {
	r.once.Do(func() {
		if err := json.Unmarshal(r.raw, &r.obj); err != nil {
			r.obj = nil
		}
	})
	return r.obj
}

func (r *retVal) keys() []string {
	obj := r.object()
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
