package evaluator

import (
	"math"
	"slices"
	"sync/atomic"
)

// evaluatorIDs numbers evaluators, so a ResultsVersion never names two of them (a pointer
// could be reused once the first is collected).
var evaluatorIDs atomic.Uint64

// ResultsVersion identifies the state an evaluator's results derive from besides the
// request: the evaluator and its generation, which every SetSpecs, SetOverrides and
// SetIDLists changes. Callers caching responses key them by it (endpoint/response_cache.go).
type ResultsVersion struct {
	Evaluator, Generation uint64
}

// Forever is the "until" of results that no passing time changes.
const Forever = int64(math.MaxInt64)

func (e *Evaluator) beginChange() { e.gen.Add(1) } // odd: a change is under way
func (e *Evaluator) endChange()   { e.gen.Add(1) }

// Now is the evaluator's clock (Unix ms): Options.Now, else the system's.
func (e *Evaluator) Now() int64 { return e.now() }

// CacheableResults returns the current ResultsVersion, whether results may be cached under
// it (not while a change is under way) and the instant (Unix ms, or Forever) at which they
// may change whatever the request: the next override expiry. What one response read of the
// clock, and whether it depended on chance, is the user's to tell (WatchVolatility). Call
// ResultsUnchanged(v) after computing a response, before storing it.
func (e *Evaluator) CacheableResults() (v ResultsVersion, until int64, ok bool) {
	g := e.gen.Load()
	v = ResultsVersion{Evaluator: e.id, Generation: g}
	if g&1 != 0 {
		return v, 0, false
	}
	until = Forever
	if o := e.overrides.Load(); o != nil && len(o.expiries) > 0 {
		now := e.now()
		// the first expiry after now: an override in force until then stops at it
		if i, _ := slices.BinarySearch(o.expiries, now+1); i < len(o.expiries) {
			until = o.expiries[i]
		}
	}
	return v, until, true
}

// ResultsUnchanged reports whether v (from CacheableResults) is still the evaluator's
// state: nothing was swapped while a response was computed under it.
func (e *Evaluator) ResultsUnchanged(v ResultsVersion) bool {
	return v.Evaluator == e.id && e.gen.Load() == v.Generation
}

// volatility is what a watched user's evaluations read beyond the user and the evaluator's
// state: until is the first instant (Unix ms) at which a clock reading could change one of
// them, math.MinInt64 after a random draw or a clock reading of unknown effect.
type volatility struct{ until atomic.Int64 }

// WatchVolatility makes the evaluations of u from now on record what their results depend
// on beyond the user and the evaluator's state (ResultsValidUntil). Not safe to call while u
// is being evaluated.
func (u *User) WatchVolatility() {
	u.volatile = &volatility{}
	u.volatile.until.Store(Forever)
}

// ResultsValidUntil reports until when (Unix ms, exclusive) the evaluations of u since
// WatchVolatility give the same results when computed again under the same ResultsVersion:
// Forever when they read no clock; a current_time condition or a config mapping rule not
// started yet bring it to the instant their outcome changes. ok is false when a result
// depended on chance (CMAB exploration, session replay sampling in a client initialize
// response), on the clock in a way with no such instant, or nothing was watched.
func (u *User) ResultsValidUntil() (until int64, ok bool) {
	if u.volatile == nil {
		return 0, false
	}
	until = u.volatile.until.Load()
	return until, until != math.MinInt64
}

// validUntil records that a result holds until t (Unix ms; math.MinInt64: no caching).
func (u *User) validUntil(t int64) {
	if u.volatile == nil {
		return
	}
	for {
		cur := u.volatile.until.Load()
		if t >= cur || u.volatile.until.CompareAndSwap(cur, t) {
			return
		}
	}
}

func (u *User) markVolatile() { u.validUntil(math.MinInt64) }

// clockChange is the first instant after now (Unix ms) at which a current_time condition's
// outcome may change (Forever: never; math.MinInt64: unknown). It follows apply and
// compareTime for v = now.
func clockChange(cond *condition, now int64) int64 {
	t := &cond.target
	if now < 0 || now >= 10_000_000_000_000_000 {
		return math.MinInt64
	}
	switch cond.op {
	case opGT, opGTE, opLT, opLTE:
		if !t.hasNum {
			return Forever // always false
		}
		if math.IsNaN(t.num) || t.num > 1e18 || t.num < -1e18 {
			return math.MinInt64
		}
		var flip int64 // the first integer now at which the outcome is the later one
		switch cond.op {
		case opGT, opLTE: // now > T changes at floor(T)+1
			flip = int64(math.Floor(t.num)) + 1
		default: // now >= T, now < T change at ceil(T)
			flip = int64(math.Ceil(t.num))
		}
		if now < flip {
			return flip
		}
		return Forever
	case opBefore, opAfter, opOn:
		var right int64
		switch {
		case t.kind == kindString && t.hasTS:
			right = t.ts
		case t.kind == kindNumber && !math.IsNaN(t.num) && !math.IsInf(t.num, 0):
			right = int64(t.num)
		default:
			return Forever // always false
		}
		const day = 86_400_000
		switch cond.op {
		case opBefore: // now < right
			if now < right {
				return right
			}
			return Forever
		case opAfter: // now > right
			if right < math.MaxInt64 && now <= right {
				return right + 1
			}
			return Forever
		}
		d := right / day // on: now/day == d
		switch {
		case d < 0:
			return Forever // never the same day as a now >= 0
		case now < d*day:
			return d * day
		case now < (d+1)*day:
			return (d + 1) * day
		}
		return Forever
	}
	return math.MinInt64
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
