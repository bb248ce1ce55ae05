package evaluator

import "sync/atomic"

// evaluatorIDs numbers evaluators, so a ResultsVersion never names two of them (a pointer
// could be reused once the first is collected).
var evaluatorIDs atomic.Uint64

// ResultsVersion identifies the state an evaluator's results derive from besides the
// request: the evaluator and its generation, which every SetSpecs, SetOverrides and
// SetIDLists changes. Callers caching responses key them by it (endpoint/response_cache.go).
type ResultsVersion struct {
	Evaluator, Generation uint64
}

func (e *Evaluator) beginChange() { e.gen.Add(1) } // odd: a change is under way
func (e *Evaluator) endChange()   { e.gen.Add(1) }

// CacheableResults returns the current ResultsVersion and whether results may be cached
// under it at all: not while a change is under way, nor while an override has yet to
// expire (which one applies then depends on the clock). Whether one response depended on
// the clock or on chance is the user's to tell (WatchVolatility). Call ResultsUnchanged(v)
// after computing a response, before storing it.
func (e *Evaluator) CacheableResults() (ResultsVersion, bool) {
	g := e.gen.Load()
	v := ResultsVersion{Evaluator: e.id, Generation: g}
	if g&1 != 0 {
		return v, false
	}
	if o := e.overrides.Load(); o != nil && e.now() < o.lastExpiry {
		return v, false
	}
	return v, true
}

// ResultsUnchanged reports whether v (from CacheableResults) is still the evaluator's
// state: nothing was swapped while a response was computed under it.
func (e *Evaluator) ResultsUnchanged(v ResultsVersion) bool {
	return v.Evaluator == e.id && e.gen.Load() == v.Generation
}

// WatchVolatility makes the evaluations of u from now on record whether their results
// depended on more than the user and the evaluator's state: the clock (a current_time
// condition evaluated, a config mapping rule not started yet) or chance (CMAB exploration,
// session replay sampling in a client initialize response). A response computed without
// either is the same whenever it is computed again under the same ResultsVersion. Not safe
// to call while u is being evaluated.
func (u *User) WatchVolatility() { u.volatile = new(atomic.Bool) }

// Volatile reports whether an evaluation of u since WatchVolatility depended on the clock
// or chance (true when nothing was watched: unknown).
func (u *User) Volatile() bool { return u.volatile == nil || u.volatile.Load() }

func (u *User) markVolatile() {
	if u.volatile != nil {
		u.volatile.Store(true)
	}
}

// random reports whether a response's session replay fields depend on its random draw
// (in [0,1)): some sampling rate is in [0,1).
func (sr *sessionReplayInfo) random() bool {
	draws := func(rate *float64) bool { return rate != nil && *rate >= 0 && *rate < 1 }
	if draws(sr.SamplingRate) {
		return true
	}
	for _, m := range []map[string]sessionReplayTrigger{sr.EventTriggers, sr.ExposureTriggers} {
		for _, t := range m {
			if draws(t.SamplingRate) {
				return true
			}
		}
	}
	return false
}
