package eventlog

import (
	"time"

	"github.com/statsig-operator/statsig-operator/evaluator"
)

// samplingMaxKeys caps the set of (spec, rule) pairs seen, as Server Core does.
const samplingMaxKeys = 100000

// sampler is Server Core's exposure sampling after de-duplication (docs/semantics.md §4.4):
// the first exposure of each (spec, rule) pair per TTL is always logged, the rest by rate.
type sampler struct {
	seen      map[[2]uint64]struct{}
	seenReset time.Time
}

func newSampler(now time.Time) sampler {
	return sampler{seen: map[[2]uint64]struct{}{}, seenReset: now}
}

// decide reports whether an exposure that survived de-duplication is logged, and the
// statsigMetadata Server Core adds to it (nil: none, the event keeps {}).
func (s *sampler) decide(smp *evaluator.Sampling, now time.Time) (bool, map[string]any) {
	if smp == nil || smp.Config.Mode == "" {
		return true, nil
	}
	if smp.ForwardAll || smp.AnalyticalGate {
		return true, nil
	}
	// Server Core clears the set on a timer; clearing it when it is next used is the same
	// for every decision.
	if now.Sub(s.seenReset) > smp.Config.SpecTTL || len(s.seen) > samplingMaxKeys {
		clear(s.seen)
		s.seenReset = now
	}
	pair := [2]uint64{smp.SpecNameHash, smp.RuleIDHash}
	if _, ok := s.seen[pair]; !ok {
		s.seen[pair] = struct{}{}
		return true, nil
	}
	rate, hasRate := smp.EffectiveRate()
	sampled := smp.IsSampled(rate, hasRate)
	if smp.Config.Mode == "on" && !sampled {
		return false, nil
	}
	var r any // JSON null when no rate applies
	if hasRate {
		r = rate
	}
	shadow := "dropped" // in shadow mode: would this one have been dropped
	if sampled {
		shadow = "logged"
	}
	return true, map[string]any{"samplingRate": r, "samplingMode": smp.Config.Mode, "shadowLogged": shadow}
}
