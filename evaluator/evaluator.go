package evaluator

import (
	"sync"
	"sync/atomic"
	"time"
)

// IDLists is the set of synced ID lists: hashed IDs are base64std(sha256(id))[:8].
type IDLists interface {
	Contains(list, hashedID string) bool
	Has(list string) bool
}

// Options are the evaluation-relevant SDK options of a StatsigSpec.
type Options struct {
	// Environment is the tier for environment_field conditions ("" = payload default_environment).
	Environment string
	// GlobalCustomFields are consulted after the user's custom fields.
	GlobalCustomFields map[string]any
	// DisableUserAgentParsing makes ua_based conditions read user fields only.
	DisableUserAgentParsing bool
	// DisableCountryLookup makes ip_based conditions read user fields only.
	DisableCountryLookup bool
	// Now overrides the clock (Unix ms) for current_time conditions; nil = time.Now.
	Now func() int64
	// OverrideHits counts the evaluations overrides answered (nil: the evaluator's own
	// counter); a caller shares one across the evaluators of successive revisions.
	OverrideHits *atomic.Uint64
}

// Evaluator evaluates gates, configs, experiments and layers against the current snapshot.
// Snapshots and ID lists are swapped with one atomic store; readers never lock.
type Evaluator struct {
	opts         Options
	globalCustom map[string]Value
	specs        atomic.Pointer[Specs]
	idLists      atomic.Pointer[idListsBox]
	pool         sync.Pool

	// overrides in use (nil: none); ovMu orders SetOverrides and SetSpecs, which mark the
	// snapshot's specs with their overrides.
	overrides    atomic.Pointer[Overrides]
	ovMu         sync.Mutex
	overrideHits *atomic.Uint64

	// id and gen identify the state results derive from (results_version.go): gen is odd
	// while SetSpecs, SetOverrides or SetIDLists is under way (under ovMu).
	id  uint64
	gen atomic.Uint64
}

type idListsBox struct{ l IDLists }

// New returns an Evaluator with no snapshot loaded.
func New(opts Options) *Evaluator {
	e := &Evaluator{opts: opts, overrideHits: opts.OverrideHits, id: evaluatorIDs.Add(1)}
	if e.overrideHits == nil {
		e.overrideHits = new(atomic.Uint64)
	}
	if len(opts.GlobalCustomFields) > 0 {
		e.globalCustom = make(map[string]Value, len(opts.GlobalCustomFields))
		for k, v := range opts.GlobalCustomFields {
			e.globalCustom[k] = valueFromAny(v)
		}
	}
	e.pool.New = func() any { return &evalCtx{} }
	return e
}

// Options returns the evaluator's options.
func (e *Evaluator) Options() Options { return e.opts }

// SetSpecs publishes a snapshot.
func (e *Evaluator) SetSpecs(s *Specs) {
	e.ovMu.Lock()
	defer e.ovMu.Unlock()
	e.beginChange()
	defer e.endChange()
	if s != nil {
		s.markOverrides(nil, e.overrides.Load())
	}
	e.specs.Store(s)
}

// Specs returns the current snapshot, or nil.
func (e *Evaluator) Specs() *Specs { return e.specs.Load() }

// SetIDLists publishes the ID lists used by in_segment_list conditions.
func (e *Evaluator) SetIDLists(l IDLists) {
	e.ovMu.Lock()
	defer e.ovMu.Unlock()
	e.beginChange()
	defer e.endChange()
	e.idLists.Store(&idListsBox{l})
}

func (e *Evaluator) lists() IDLists {
	if b := e.idLists.Load(); b != nil {
		return b.l
	}
	return nil
}

func (e *Evaluator) now() int64 {
	if e.opts.Now != nil {
		return e.opts.Now()
	}
	return time.Now().UnixMilli()
}

// sdkEnvironment is the tier used when the user carries no environment of its own.
func (e *Evaluator) sdkEnvironment(s *Specs) string {
	if e.opts.Environment != "" {
		return e.opts.Environment
	}
	if s != nil {
		return s.defaultEnvironment
	}
	return ""
}

func (e *Evaluator) acquire(s *Specs, u *User) *evalCtx {
	c := e.pool.Get().(*evalCtx)
	c.e, c.s, c.u = e, s, u
	c.appID = s.appID
	return c
}

func (e *Evaluator) release(c *evalCtx) {
	c.reset()
	e.pool.Put(c)
}
