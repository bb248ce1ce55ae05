package controllers

import (
	"math/rand/v2"
	"time"
)

// jitter spreads polls of many StatsigSpecs over ±10% of the interval.
func jitter(d time.Duration, r float64) time.Duration {
	return time.Duration(float64(d) * (0.9 + 0.2*r))
}

func jittered(d time.Duration) time.Duration { return jitter(d, rand.Float64()) }

// pollDecision says whether a reconcile polls the source now, given the inputs seen at the
// last poll and when the next poll is due. Reconciles triggered by the controller's own
// writes (chunks, status) then cost nothing.
type pollDecision struct {
	poll  bool
	after time.Duration // wait before the next poll when poll is false
}

func decidePoll(now, nextPoll time.Time, lastInputs, inputs string, forced bool) pollDecision {
	if forced || lastInputs != inputs || nextPoll.IsZero() || !now.Before(nextPoll) {
		return pollDecision{poll: true}
	}
	return pollDecision{after: nextPoll.Sub(now)}
}

// minPositive returns the smaller of two waits, ignoring zero and negative ones.
func minPositive(a, b time.Duration) time.Duration {
	switch {
	case a <= 0:
		return b
	case b <= 0:
		return a
	case a < b:
		return a
	default:
		return b
	}
}
