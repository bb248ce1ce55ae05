package evaluator

import (
	"hash/maphash"
	"sort"
	"strings"
)

// strSet is a read-only set of distinct strings (a condition's lower-cased target list),
// packed for memory and for cache misses: the elements are one string (offs[i]..offs[i+1]),
// sorted; lists above setLinearMax also get an open-addressing index whose 32-bit slots
// carry a tag of the hash, so a miss (the usual answer for an allow-list) costs one probe
// and no string comparison. 4 bytes per element plus 4 per slot in one allocation, against
// 16 for a []string header per element and a binary search that touches ~2 cache lines per
// step.
type strSet struct {
	data string
	// idx is the n+1 offsets, then the slots (0: empty; else tag<<slotIdxBits | (index+1))
	idx []uint32
	n   uint32
}

const (
	setLinearMax = 8
	slotIdxBits  = 20
	slotIdxMask  = 1<<slotIdxBits - 1
)

var setSeed = maphash.MakeSeed()

// newStrSet packs sorted, distinct strings.
func newStrSet(sorted []string) strSet {
	n := 0
	for _, s := range sorted {
		n += len(s)
	}
	var b strings.Builder
	b.Grow(n)
	size := 0
	// Past 2^20 elements (only hostile payloads) the set stays sorted-only.
	if len(sorted) > setLinearMax && len(sorted) < slotIdxMask {
		size = 1
		for size*3 < len(sorted)*4 { // load factor <= 3/4
			size <<= 1
		}
	}
	st := strSet{idx: make([]uint32, len(sorted)+1+size), n: uint32(len(sorted))}
	for i, s := range sorted {
		b.WriteString(s)
		st.idx[i+1] = uint32(b.Len())
	}
	st.data = b.String()
	if size > 0 {
		slots := st.idx[len(sorted)+1:]
		mask := uint64(size - 1)
		for i, s := range sorted {
			h := maphash.String(setSeed, s)
			j := h & mask
			for slots[j] != 0 {
				j = (j + 1) & mask
			}
			slots[j] = slotTag(h) | uint32(i+1)
		}
	}
	return st
}

func slotTag(h uint64) uint32 { return uint32(h>>(64-(32-slotIdxBits))) << slotIdxBits }

func (st *strSet) len() int { return int(st.n) }

func (st *strSet) at(i int) string { return st.data[st.idx[i]:st.idx[i+1]] }

func (st *strSet) slots() []uint32 {
	if st.idx == nil {
		return nil
	}
	return st.idx[st.n+1:]
}

// has reports whether s is an element.
func (st *strSet) has(s string) bool {
	n := st.len()
	switch {
	case n == 0:
		return false
	case n > setLinearMax && n < slotIdxMask:
		slots := st.idx[n+1:]
		h := maphash.String(setSeed, s)
		tag := slotTag(h)
		mask := uint64(len(slots) - 1)
		for j := h & mask; ; j = (j + 1) & mask {
			x := slots[j]
			if x == 0 {
				return false
			}
			if x&^slotIdxMask == tag && st.at(int(x&slotIdxMask)-1) == s {
				return true
			}
		}
	case n <= setLinearMax:
		for i := 0; i < n; i++ {
			if int(st.idx[i+1]-st.idx[i]) == len(s) && st.at(i) == s {
				return true
			}
		}
		return false
	}
	i := sort.Search(n, func(i int) bool { return st.at(i) >= s })
	return i < n && st.at(i) == s
}
