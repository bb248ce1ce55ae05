package serving

import (
	"testing"

	"github.com/statsig-operator/statsig-operator/evaluator"
)

func TestHandoff(t *testing.T) {
	a, b := &evaluator.Specs{}, &evaluator.Specs{}
	h := NewHandoff()
	h.Offer("p", "sha-a", a, []byte("zstd-a"))
	h.Offer("q", "sha-b", b, nil)
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
	if got := string(h.Compressed("p", "sha-a")); got != "zstd-a" {
		t.Errorf("Compressed(p, sha-a) = %q", got)
	}
	if h.Compressed("p", "sha-b") != nil || h.Compressed("q", "sha-b") != nil {
		t.Error("Compressed returned bytes for another payload or none offered")
	}
	h.Forget("p")
	if h.Specs("p", "sha-a") != nil {
		t.Error("Forget kept the specs")
	}
	var none *Handoff // a process without a controller
	none.Offer("p", "sha-a", a, nil)
	none.Forget("p")
	if none.Specs("p", "sha-a") != nil || none.Compressed("p", "sha-a") != nil {
		t.Error("nil Handoff returned specs")
	}
}
