package eventlog

import (
	"reflect"
	"testing"
	"time"

	"github.com/statsig-operator/statsig-operator/evaluator"
)

func TestSamplerDecide(t *testing.T) {
	on := evaluator.SamplingConfig{Mode: "on", SpecialRate: 101, HasSpecialRate: true, SpecTTL: time.Minute}
	shadow := on
	shadow.Mode = "shadow"
	// base is an exposure whose (spec, rule) pair was seen already; UserHash picks the
	// outcome: a multiple of 10 is sampled at rate 10.
	base := func(cfg evaluator.SamplingConfig, user uint64) *evaluator.Sampling {
		return &evaluator.Sampling{Config: cfg, SpecNameHash: 1 << 40, RuleIDHash: 1 << 41, UserHash: user ^ (1<<40 | 1<<41),
			RuleID: "rule", Rate: 10, HasRate: true}
	}
	with := func(s *evaluator.Sampling, f func(*evaluator.Sampling)) *evaluator.Sampling { f(s); return s }
	meta := func(rate any, mode, shadowLogged string) map[string]any {
		return map[string]any{"samplingRate": rate, "samplingMode": mode, "shadowLogged": shadowLogged}
	}
	for _, tc := range []struct {
		name     string
		s        *evaluator.Sampling
		wantLog  bool
		wantMeta map[string]any
	}{
		{"no sampling info (mode none)", nil, true, nil},
		{"mode none", base(evaluator.SamplingConfig{}, 3), true, nil},
		{"on, sampled", base(on, 20), true, meta(uint64(10), "on", "logged")},
		{"on, not sampled", base(on, 21), false, nil},
		{"shadow, sampled", base(shadow, 20), true, meta(uint64(10), "shadow", "logged")},
		{"shadow, would drop", base(shadow, 21), true, meta(uint64(10), "shadow", "dropped")},
		{"forwardAllExposures", with(base(on, 21), func(s *evaluator.Sampling) { s.ForwardAll = true }), true, nil},
		{"analytical gate", with(base(on, 21), func(s *evaluator.Sampling) { s.AnalyticalGate = true }), true, nil},
		{"default rule: special rate", with(base(on, 202), func(s *evaluator.Sampling) { s.RuleID = "default" }),
			true, meta(uint64(101), "on", "logged")},
		{"disabled rule: special rate drops", with(base(on, 20), func(s *evaluator.Sampling) { s.RuleID = "disabled" }),
			false, nil},
		{"no rate: sampled, rate null", with(base(on, 21), func(s *evaluator.Sampling) { s.HasRate = false }),
			true, meta(nil, "on", "logged")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			now := time.Unix(1000, 0)
			sm := newSampler(now)
			if tc.s != nil {
				sm.seen[[2]uint64{tc.s.SpecNameHash, tc.s.RuleIDHash}] = struct{}{}
			}
			log, m := sm.decide(tc.s, now)
			if log != tc.wantLog || !reflect.DeepEqual(m, tc.wantMeta) {
				t.Errorf("got %v %v, want %v %v", log, m, tc.wantLog, tc.wantMeta)
			}
		})
	}
}

// TestSamplerFirstTimePerTTL: the first exposure of a (spec, rule) pair is logged without
// sampling metadata, again once exposure_spec_sampling_ttl_ms has passed.
func TestSamplerFirstTimePerTTL(t *testing.T) {
	cfg := evaluator.SamplingConfig{Mode: "on", SpecTTL: time.Second}
	s := &evaluator.Sampling{Config: cfg, SpecNameHash: 7, RuleIDHash: 0, UserHash: 0, Rate: 1 << 62, HasRate: true,
		RuleID: "r"}
	t0 := time.Unix(1000, 0)
	sm := newSampler(t0)
	for _, step := range []struct {
		at      time.Duration
		wantLog bool
	}{
		{0, true},                       // first time: forced
		{500 * time.Millisecond, false}, // seen: 7 is no multiple of the rate
		{time.Second, false},            // the TTL is exceeded only past it
		{1001 * time.Millisecond, true}, // reset: first time again
		{1500 * time.Millisecond, false},
	} {
		if log, m := sm.decide(s, t0.Add(step.at)); log != step.wantLog || m != nil {
			t.Errorf("at %v: %v %v, want %v without metadata", step.at, log, m, step.wantLog)
		}
	}
	// Another rule of the same spec is a pair of its own.
	other := *s
	other.RuleIDHash = 9
	if log, _ := sm.decide(&other, t0.Add(1600*time.Millisecond)); !log {
		t.Error("a new (spec, rule) pair was not logged")
	}
}
