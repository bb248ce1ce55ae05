package evaluator

import (
	"math"
	"testing"
	"time"
)

// TestVolatility: a watched user's evaluations report until when their results hold
// (ResultsValidUntil), so a cached response never outlives what it read of the clock, and is
// never cached when it drew a random number.
func TestVolatility(t *testing.T) {
	const now = int64(1_700_000_000_000)
	clock := func() int64 { return now }
	evalProj := New(Options{Now: clock})
	evalProj.SetSpecs(loadFixture(t, "server-core/eval_proj_dcs.json"))
	mapping, cmab := mappingEvaluator(t), cmabEvaluator(t)
	demo := New(Options{})
	demo.SetSpecs(loadFixture(t, "server-core/demo_proj_dcs.json"))
	const never = Forever
	for _, tt := range []struct {
		name  string
		eval  func(u *User)
		until int64
		ok    bool
	}{
		// eval_proj: test_time_before is "before 4086454689000", test_time_after "after 1619308800000"
		{"current_time before, not reached", func(u *User) { evalProj.CheckGate(u, "test_time_before") },
			4086454689000, true},
		{"current_time after, passed", func(u *User) { evalProj.CheckGate(u, "test_time_after") }, never, true},
		{"gate without clock", func(u *User) { evalProj.CheckGate(u, "test_public") }, never, true},
		{"unknown gate", func(u *User) { evalProj.CheckGate(u, "no_such_gate") }, never, true},
		{"mapping not started", func(u *User) { mapping.CheckGate(u, "g_future") }, 1_800_000_000_000, true},
		{"mapping started", func(u *User) { mapping.CheckGate(u, "g_src") }, never, true},
		{"CMAB explored by hash", func(u *User) { cmab.GetExperiment(u, "cmab_explore") }, never, true},
		{"CMAB sampled at random", func(u *User) { cmab.GetExperiment(u, "cmab_sampled") }, 0, false},
		{"client init, session replay rate 1", func(u *User) {
			demo.ClientInitializeResponse(u, ClientInitOptions{HasFeatureGateFilter: true})
		}, never, true},
		{"client init, current_time gates", func(u *User) {
			evalProj.ClientInitializeResponse(u, ClientInitOptions{})
		}, 1893456000000, true}, // the earliest change ahead: test_time_before_string's
	} {
		t.Run(tt.name, func(t *testing.T) {
			u := userJSON(t, `{"userID":"u1","country":"US","customIDs":{"stableID":"s1"}}`)
			if _, ok := u.ResultsValidUntil(); ok {
				t.Fatal("an unwatched user must not report results as cacheable")
			}
			u.WatchVolatility()
			tt.eval(u)
			until, ok := u.ResultsValidUntil()
			if ok != tt.ok || (ok && until != tt.until) {
				t.Fatalf("ResultsValidUntil = %d, %v; want %d, %v", until, ok, tt.until, tt.ok)
			}
		})
	}
}

// TestClockChange: the instant a current_time condition's outcome changes, checked against
// the operators themselves one millisecond before and at it.
func TestClockChange(t *testing.T) {
	const now = 1_700_000_000_000
	const day = 86_400_000
	for _, tt := range []struct {
		op     opKind
		target target
		want   int64
	}{
		{opBefore, target{kind: kindNumber, num: now + 5}, now + 5},
		{opBefore, target{kind: kindNumber, num: now - 5}, Forever},
		{opAfter, target{kind: kindNumber, num: now + 5}, now + 6},
		{opAfter, target{kind: kindNumber, num: now}, now + 1},
		{opAfter, target{kind: kindNumber, num: now - 5}, Forever},
		{opOn, target{kind: kindNumber, num: now}, (now/day + 1) * day},
		{opOn, target{kind: kindNumber, num: now + 3*day}, (now/day + 3) * day},
		{opOn, target{kind: kindNumber, num: now - 3*day}, Forever},
		{opBefore, target{kind: kindString, hasTS: true, ts: now + 7}, now + 7},
		{opBefore, target{kind: kindString, str: "not a date"}, Forever},
		{opGT, target{kind: kindNumber, hasNum: true, num: float64(now) + 2.5}, now + 3},
		{opGTE, target{kind: kindNumber, hasNum: true, num: float64(now) + 2.5}, now + 3},
		{opLT, target{kind: kindNumber, hasNum: true, num: float64(now + 2)}, now + 2},
		{opLTE, target{kind: kindNumber, hasNum: true, num: float64(now + 2)}, now + 3},
		{opLTE, target{kind: kindNumber, hasNum: true, num: float64(now - 2)}, Forever},
		{opEQ, target{kind: kindNumber, hasNum: true, num: float64(now)}, math.MinInt64},
	} {
		cond := &condition{typ: condCurrentTime, op: tt.op, target: tt.target}
		got := clockChange(cond, now)
		if got != tt.want {
			t.Errorf("op %d target %+v: %d, want %d", tt.op, tt.target, got, tt.want)
			continue
		}
		if got == Forever || got == math.MinInt64 {
			continue
		}
		c := &evalCtx{}
		at := func(ms int64) bool { ok, _ := c.apply(cond, intValue(ms)); return ok }
		if at(now) != at(got-1) || at(got-1) == at(got) {
			t.Errorf("op %d target %+v: outcome %v at now, %v at %d-1, %v at %d", tt.op, tt.target,
				at(now), at(got-1), got, at(got), got)
		}
	}
}

func TestSessionReplayRandom(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	type triggers = map[string]sessionReplayTrigger
	for _, tt := range []struct {
		name string
		sr   sessionReplayInfo
		want bool
	}{
		{"none", sessionReplayInfo{}, false},
		{"rate 1", sessionReplayInfo{SamplingRate: f(1)}, false},
		{"rate 0", sessionReplayInfo{SamplingRate: f(0)}, true},
		{"rate 0.5", sessionReplayInfo{SamplingRate: f(0.5)}, true},
		{"negative", sessionReplayInfo{SamplingRate: f(-1)}, false},
		{"event trigger 0.2", sessionReplayInfo{EventTriggers: triggers{"e": {SamplingRate: f(.2)}}}, true},
		{"exposure trigger 1", sessionReplayInfo{ExposureTriggers: triggers{"e": {SamplingRate: f(1)}}}, false},
		{"exposure trigger no rate", sessionReplayInfo{ExposureTriggers: triggers{"e": {}}}, false},
	} {
		if got := tt.sr.random(); got != tt.want {
			t.Errorf("%s: random = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestResultsVersion: every change of what results derive from changes the version, and
// results hold until the next override expiry.
func TestResultsVersion(t *testing.T) {
	now := time.UnixMilli(1_700_000_000_000)
	e := New(Options{Now: func() int64 { return now.UnixMilli() }})
	v0, _, ok := e.CacheableResults()
	if !ok || !e.ResultsUnchanged(v0) {
		t.Fatal("an idle evaluator is cacheable and unchanged")
	}
	other := New(Options{})
	if v1, _, _ := other.CacheableResults(); v1 == v0 || other.ResultsUnchanged(v0) {
		t.Fatal("two evaluators share a version")
	}
	mustOverrides := func(list ...Override) *Overrides {
		o, err := NewOverrides(list)
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	for _, tt := range []struct {
		name   string
		change func()
		until  int64
	}{
		{"SetSpecs", func() { e.SetSpecs(loadFixture(t, "server-core/demo_proj_dcs.json")) }, Forever},
		{"SetIDLists", func() { e.SetIDLists(setIDLists{}) }, Forever},
		{"SetOverrides", func() {
			e.SetOverrides(mustOverrides(Override{Kind: KindGate, Name: "a_gate", Gate: true}))
		}, Forever},
		{"overrides expiring later", func() {
			e.SetOverrides(mustOverrides(
				Override{Kind: KindGate, Name: "a_gate", ExpiresAt: now.Add(time.Hour)},
				Override{Kind: KindGate, Name: "b_gate", ExpiresAt: now.Add(-time.Hour)},
				Override{Kind: KindGate, Name: "c_gate", ExpiresAt: now.Add(time.Minute)}))
		}, now.Add(time.Minute).UnixMilli()},
		{"override expired", func() {
			e.SetOverrides(mustOverrides(Override{Kind: KindGate, Name: "a_gate", ExpiresAt: now.Add(-time.Minute)}))
		}, Forever},
		{"no overrides", func() { e.SetOverrides(nil) }, Forever},
	} {
		before, _, _ := e.CacheableResults()
		tt.change()
		after, until, ok := e.CacheableResults()
		if e.ResultsUnchanged(before) || after == before {
			t.Errorf("%s: version unchanged", tt.name)
		}
		if !ok || until != tt.until {
			t.Errorf("%s: cacheable %v until %d, want until %d", tt.name, ok, until, tt.until)
		}
	}
}
