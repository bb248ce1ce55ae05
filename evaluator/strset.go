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
// and no string comparison. 4 bytes per element plus 4 per slot, against 16 for a []string
// header per element and a binary search that touches ~2 cache lines per step.
type strSet struct {
	data  string
	offs  []uint32
	slots []uint32 // 0: empty; else tag<<slotIdxBits | (index+1)
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
	offs := make([]uint32, len(sorted)+1)
	for i, s := range sorted {
		b.WriteString(s)
		offs[i+1] = uint32(b.Len())
	}
	st := strSet{data: b.String(), offs: offs}
	// Past 2^20 elements (only hostile payloads) or 4 GiB the set stays sorted-only.
	if len(sorted) > setLinearMax && len(sorted) < slotIdxMask && n < 1<<32-1 {
		size := 1
		for size*3 < len(sorted)*4 { // load factor <= 3/4
			size <<= 1
		}
		st.slots = make([]uint32, size)
		mask := uint64(size - 1)
		for i, s := range sorted {
			h := maphash.String(setSeed, s)
			j := h & mask
			for st.slots[j] != 0 {
				j = (j + 1) & mask
			}
			st.slots[j] = slotTag(h) | uint32(i+1)
		}
	}
	return st
}

func slotTag(h uint64) uint32 { return uint32(h>>(64-(32-slotIdxBits))) << slotIdxBits }

func (st *strSet) len() int {
	if len(st.offs) == 0 {
		return 0
	}
	return len(st.offs) - 1
}

func (st *strSet) at(i int) string { return st.data[st.offs[i]:st.offs[i+1]] }

// has reports whether s is an element.
func (st *strSet) has(s string) bool {
	n := st.len()
	switch {
	case n == 0:
		return false
	case st.slots != nil:
		h := maphash.String(setSeed, s)
		tag := slotTag(h)
		mask := uint64(len(st.slots) - 1)
		for j := h & mask; ; j = (j + 1) & mask {
			x := st.slots[j]
			if x == 0 {
				return false
			}
			if x&^slotIdxMask == tag && st.at(int(x&slotIdxMask)-1) == s {
				return true
			}
		}
	case n <= setLinearMax:
		for i := 0; i < n; i++ {
			if int(st.offs[i+1]-st.offs[i]) == len(s) && st.at(i) == s {
				return true
			}
		}
		return false
	}
	i := sort.Search(n, func(i int) bool { return st.at(i) >= s })
	return i < n && st.at(i) == s
}
