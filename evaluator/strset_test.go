package evaluator

import (
	"fmt"
	"sort"
	"testing"
)

func TestStrSet(t *testing.T) {
	for _, n := range []int{0, 1, 2, setLinearMax, setLinearMax + 1, 100, 5000, slotIdxMask + 1} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			elems := make([]string, n)
			for i := range elems {
				elems[i] = fmt.Sprintf("user-%d", i*2)
			}
			if n > 0 {
				elems[0] = "" // the empty string is an element like any other
			}
			sort.Strings(elems)
			st := newStrSet(elems)
			if st.len() != n {
				t.Fatalf("len = %d, want %d", st.len(), n)
			}
			if wantSlots := n > setLinearMax && n < slotIdxMask; (len(st.slots()) > 0) != wantSlots {
				t.Fatalf("slots = %d, want %v", len(st.slots()), wantSlots)
			}
			for i, s := range elems {
				if st.at(i) != s || !st.has(s) {
					t.Fatalf("element %d %q: at = %q, has = %v", i, s, st.at(i), st.has(s))
				}
			}
			for _, s := range []string{"user-1", "user-3x", "user", "zzz", fmt.Sprintf("user-%d", 2*n+1)} {
				if st.has(s) {
					t.Fatalf("has(%q) = true for a non-member", s)
				}
			}
			if n == 0 && st.has("") {
				t.Fatal("empty set has the empty string")
			}
		})
	}
}
