package evaluator

import (
	"fmt"
	"math/rand/v2"
	"slices"
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
			// unsorted, with every element repeated: the set keeps one of each
			input := append(slices.Clone(elems), elems...)
			rand.New(rand.NewPCG(1, uint64(n))).Shuffle(len(input), func(i, j int) { input[i], input[j] = input[j], input[i] })
			st := newStrSet(input, nil)
			if st.len() != n {
				t.Fatalf("len = %d, want %d", st.len(), n)
			}
			got := make([]string, n)
			for i := range got {
				got[i] = st.at(i)
			}
			sort.Strings(got)
			sort.Strings(elems)
			if !slices.Equal(got, elems) {
				t.Fatal("elements differ from the input's distinct strings")
			}
			if wantSlots := 2*n > setLinearMax && 2*n < slotIdxMask; (len(st.slots()) > 0) != wantSlots {
				t.Fatalf("slots = %d, want %v", len(st.slots()), wantSlots)
			}
			for _, s := range elems {
				if !st.has(s) {
					t.Fatalf("has(%q) = false for a member", s)
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
