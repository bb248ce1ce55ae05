package evaluator

import (
	"testing"
	"time"
)

// TestVolatility: an evaluation is volatile exactly when its result depended on the clock or
// on chance (evaluator.User.Volatile), so a cached response never outlives what it read.
func TestVolatility(t *testing.T) {
	evalProj := New(Options{})
	evalProj.SetSpecs(loadFixture(t, "server-core/eval_proj_dcs.json"))
	mapping, cmab := mappingEvaluator(t), cmabEvaluator(t)
	demo := New(Options{})
	demo.SetSpecs(loadFixture(t, "server-core/demo_proj_dcs.json"))
	for _, tt := range []struct {
		name     string
		eval     func(u *User)
		volatile bool
	}{
		{"current_time gate", func(u *User) { evalProj.CheckGate(u, "test_time_before") }, true},
		{"gate without clock", func(u *User) { evalProj.CheckGate(u, "test_public") }, false},
		{"unknown gate", func(u *User) { evalProj.CheckGate(u, "no_such_gate") }, false},
		{"mapping not started", func(u *User) { mapping.CheckGate(u, "g_future") }, true},
		{"mapping started", func(u *User) { mapping.CheckGate(u, "g_src") }, false},
		{"CMAB explored by hash", func(u *User) { cmab.GetExperiment(u, "cmab_explore") }, false},
		{"CMAB sampled at random", func(u *User) { cmab.GetExperiment(u, "cmab_sampled") }, true},
		{"client init, session replay rate 1", func(u *User) {
			demo.ClientInitializeResponse(u, ClientInitOptions{HasFeatureGateFilter: true})
		}, false},
		{"client init, current_time gate", func(u *User) {
			evalProj.ClientInitializeResponse(u, ClientInitOptions{})
		}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			u := userJSON(t, `{"userID":"u1","country":"US","customIDs":{"stableID":"s1"}}`)
			if !u.Volatile() {
				t.Fatal("an unwatched user must report volatile (unknown)")
			}
			u.WatchVolatility()
			tt.eval(u)
			if got := u.Volatile(); got != tt.volatile {
				t.Fatalf("Volatile = %v, want %v", got, tt.volatile)
			}
		})
	}
}

func TestSessionReplayRandom(t *testing.T) {
	f := func(v float64) *float64 { return &v }
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
		{"event trigger 0.2", sessionReplayInfo{EventTriggers: map[string]sessionReplayTrigger{"e": {SamplingRate: f(.2)}}}, true},
		{"exposure trigger 1", sessionReplayInfo{ExposureTriggers: map[string]sessionReplayTrigger{"e": {SamplingRate: f(1)}}}, false},
		{"exposure trigger no rate", sessionReplayInfo{ExposureTriggers: map[string]sessionReplayTrigger{"e": {}}}, false},
	} {
		if got := tt.sr.random(); got != tt.want {
			t.Errorf("%s: random = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestResultsVersion: every change of what results derive from changes the version, and
// overrides yet to expire make results uncacheable.
func TestResultsVersion(t *testing.T) {
	now := time.UnixMilli(1_700_000_000_000)
	e := New(Options{Now: func() int64 { return now.UnixMilli() }})
	v0, ok := e.CacheableResults()
	if !ok || !e.ResultsUnchanged(v0) {
		t.Fatal("an idle evaluator is cacheable and unchanged")
	}
	other := New(Options{})
	if v1, _ := other.CacheableResults(); v1 == v0 || other.ResultsUnchanged(v0) {
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
		name      string
		change    func()
		cacheable bool
	}{
		{"SetSpecs", func() { e.SetSpecs(loadFixture(t, "server-core/demo_proj_dcs.json")) }, true},
		{"SetIDLists", func() { e.SetIDLists(setIDLists{}) }, true},
		{"SetOverrides", func() { e.SetOverrides(mustOverrides(Override{Kind: KindGate, Name: "a_gate", Gate: true})) }, true},
		{"override expiring later", func() {
			e.SetOverrides(mustOverrides(Override{Kind: KindGate, Name: "a_gate", ExpiresAt: now.Add(time.Minute)}))
		}, false},
		{"override expired", func() {
			e.SetOverrides(mustOverrides(Override{Kind: KindGate, Name: "a_gate", ExpiresAt: now.Add(-time.Minute)}))
		}, true},
		{"no overrides", func() { e.SetOverrides(nil) }, true},
	} {
		before, _ := e.CacheableResults()
		tt.change()
		after, ok := e.CacheableResults()
		if e.ResultsUnchanged(before) || after == before {
			t.Errorf("%s: version unchanged", tt.name)
		}
		if ok != tt.cacheable {
			t.Errorf("%s: cacheable = %v, want %v", tt.name, ok, tt.cacheable)
		}
	}
}
