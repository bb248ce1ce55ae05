package serving

import (
	"testing"

	"github.com/statsig-operator/statsig-operator/evaluator"
)

func TestHandoff(t *testing.T) {
	a, b := &evaluator.Specs{}, &evaluator.Specs{}
	h := NewHandoff()
	h.Offer("p", "sha-a", a)
	h.Offer("q", "sha-b", b)
	for _, tc := range []struct {
		name, sha string
		want      *evaluator.Specs
	}{
		{"p", "sha-a", a},
		{"p", "sha-b", nil}, // another payload: never the wrong specs
		{"q", "sha-b", b},
		{"r", "sha-a", nil},
	} {
		if got := h.Specs(tc.name, tc.sha); got != tc.want {
			t.Errorf("Specs(%q, %q) = %p, want %p", tc.name, tc.sha, got, tc.want)
		}
	}
	h.Forget("p")
	if h.Specs("p", "sha-a") != nil {
		t.Error("Forget kept the specs")
	}
	var none *Handoff // a process without a controller
	none.Offer("p", "sha-a", a)
	none.Forget("p")
	if none.Specs("p", "sha-a") != nil {
		t.Error("nil Handoff returned specs")
	}
}
