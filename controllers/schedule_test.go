package controllers

import (
	"testing"
	"time"
)

func TestJitterStaysWithinTenPercent(t *testing.T) {
	d := 10 * time.Second
	for _, r := range []float64{0, 0.25, 0.5, 0.999} {
		got := jitter(d, r)
		if got < 9*time.Second || got > 11*time.Second {
			t.Errorf("jitter(%v, %v) = %v, outside ±10%%", d, r, got)
		}
	}
}

func TestDecidePoll(t *testing.T) {
	now := time.Unix(1000, 0)
	tests := []struct {
		name      string
		next      time.Time
		last, cur string
		forced    bool
		want      pollDecision
	}{
		{"first reconcile", time.Time{}, "", "g1", false, pollDecision{poll: true}},
		{"not due, same inputs", now.Add(3 * time.Second), "g1", "g1", false, pollDecision{after: 3 * time.Second}},
		{"due", now, "g1", "g1", false, pollDecision{poll: true}},
		{"overdue", now.Add(-time.Second), "g1", "g1", false, pollDecision{poll: true}},
		{"inputs changed (spec or Secret edited)", now.Add(time.Hour), "g1", "g2", false, pollDecision{poll: true}},
		{"forced (stored revision incomplete)", now.Add(time.Hour), "g1", "g1", true, pollDecision{poll: true}},
	}
	for _, tt := range tests {
		if got := decidePoll(now, tt.next, tt.last, tt.cur, tt.forced); got != tt.want {
			t.Errorf("%s: got %+v, want %+v", tt.name, got, tt.want)
		}
	}
}

func TestMinPositive(t *testing.T) {
	tests := []struct{ a, b, want time.Duration }{
		{0, 5, 5}, {5, 0, 5}, {3, 5, 3}, {5, 3, 3}, {0, 0, 0},
	}
	for _, tt := range tests {
		if got := minPositive(tt.a, tt.b); got != tt.want {
			t.Errorf("minPositive(%v, %v) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}
