package sets

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/statsig-operator/statsig-operator/evaluator/internal/arena"
)

func TestStrSet(t *testing.T) {
	for _, tc := range []struct {
		n         int
		sameWidth bool // every element as long as the others: hashed sets leave out the offsets
	}{
		{0, false}, {1, false}, {2, false}, {setLinearMax, false}, {setLinearMax + 1, false},
		{100, false}, {5000, false}, {slotIdxMask + 1, false},
		{setLinearMax, true}, {setLinearMax + 1, true}, {100, true}, {5000, true},
	} {
		n := tc.n
		t.Run(fmt.Sprint(n, tc.sameWidth), func(t *testing.T) {
			elems := make([]string, n)
			for i := range elems {
				elems[i] = fmt.Sprintf("user-%d", i*2)
				if tc.sameWidth {
					elems[i] = fmt.Sprintf("user-%06d", i*2)
				}
			}
			if n > 0 && !tc.sameWidth {
				elems[0] = "" // the empty string is an element like any other
			}
			// unsorted, with every element repeated: the set keeps one of each
			input := append(slices.Clone(elems), elems...)
			rand.New(rand.NewPCG(1, uint64(n))).Shuffle(len(input), func(i, j int) { input[i], input[j] = input[j], input[i] })
			st := New(input, nil)
			if st.Len() != n {
				t.Fatalf("len = %d, want %d", st.Len(), n)
			}
			got := make([]string, n)
			for i := range got {
				got[i] = st.At(i)
			}
			slices.Sort(got)
			slices.Sort(elems)
			if !slices.Equal(got, elems) {
				t.Fatal("elements differ from the input's distinct strings")
			}
			if wantSlots := 2*n > setLinearMax && 2*n < slotIdxMask; (len(st.slots()) > 0) != wantSlots {
				t.Fatalf("slots = %d, want %v", len(st.slots()), wantSlots)
			}
			for _, s := range elems {
				if !st.Has(s) {
					t.Fatalf("has(%q) = false for a member", s)
				}
			}
			if hashed := len(st.slots()) > 0; (st.width != 0) != (hashed && tc.sameWidth) {
				t.Fatalf("width = %d, want it set: %v", st.width, hashed && tc.sameWidth)
			}
			for _, s := range []string{"user-1", "user-3x", "user", "zzz", fmt.Sprintf("user-%d", 2*n+1),
				"user-000001", fmt.Sprintf("user-%06d", 2*n+1), "user-00000"} {
				if st.Has(s) {
					t.Fatalf("has(%q) = true for a non-member", s)
				}
			}
			if n == 0 && st.Has("") {
				t.Fatal("empty set has the empty string")
			}
		})
	}
}

// A set has exactly the distinct elements it was built from, at every size class.
func FuzzStrSet(f *testing.F) {
	f.Add([]byte("a\x00b\x00a\x00"), "a")
	f.Add([]byte("1\x002\x003\x004\x005\x006\x007\x008\x009\x0010\x00"), "10")
	f.Add([]byte("01\x0002\x0003\x0004\x0005\x0006\x0007\x0008\x0009\x0010\x0001\x00"), "10")
	f.Fuzz(func(t *testing.T, keys []byte, probe string) {
		var elems []string
		want := map[string]bool{}
		start := 0
		for i, b := range keys {
			if b == 0 {
				elems = append(elems, string(keys[start:i]))
				want[string(keys[start:i])] = true
				start = i + 1
			}
		}
		var a arena.Slab
		for _, st := range []StrSet{New(elems, nil), New(elems, &a)} {
			if st.Len() != len(want) {
				t.Fatalf("len %d, want %d", st.Len(), len(want))
			}
			for i := range st.Len() {
				if !want[st.At(i)] {
					t.Fatalf("At(%d) = %q, not an element", i, st.At(i))
				}
			}
			for e := range want {
				if !st.Has(e) {
					t.Fatalf("Has(%q) = false", e)
				}
			}
			if st.Has(probe) != want[probe] {
				t.Fatalf("Has(%q) = %v", probe, !want[probe])
			}
		}
	})
}
