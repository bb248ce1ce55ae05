// Package sets holds the evaluator's read-only lookup structures: StrSet, a packed set of
// strings (a condition's target list), and Index, an open-addressing index of entries by key
// (the condition map).
package sets

import (
	"bytes"
	"hash/maphash"
	"slices"
	"unsafe"

	"github.com/statsig-operator/statsig-operator/evaluator/internal/arena"
)

// StrSet is a read-only set of distinct strings (a condition's lower-cased target list),
// packed for memory and for cache misses: the elements are one string (offsets idx[i] to
// idx[i+1]); lists above setLinearMax also get an open-addressing index whose 32-bit slots
// carry a tag of the hash, so a miss (the usual answer for an allow-list) costs one probe and
// no string comparison. 4 bytes per element plus 4 per slot in one allocation, against 16
// for a []string header per element and a binary search that touches ~2 cache lines per
// step. When every element of a hashed set has the same length (allow-lists of user IDs
// usually do), the offsets are left out: element i starts at i*width, a probe of another
// length is a miss without hashing, and a hit reads one cache line less. Lists of 2^20
// elements or more (only hostile payloads) are sorted and searched.
type StrSet struct {
	data string
	// idx is the n+1 offsets, then the slots (0: empty; else tag<<slotIdxBits | (index+1));
	// only the slots when width is set
	idx []uint32
	n   uint32
	// width is every element's length in a hashed set whose elements are all that long
	// (> 0: more than setLinearMax distinct strings cannot all be empty); 0 otherwise
	width uint32
}

const (
	setLinearMax = 8
	slotIdxBits  = 20
	slotIdxMask  = 1<<slotIdxBits - 1
)

var setSeed = maphash.MakeSeed()

// Scratch is a building goroutine's reusable buffers.
type Scratch struct {
	slots    []uint32 // hashedSet's table under construction
	distinct []uint32
	views    []string
}

// New builds the set of elems, in a's chunks (nil: the heap).
func New(elems []string, a *arena.Slab) StrSet {
	var data []byte
	ends := make([]uint32, 0, len(elems))
	for _, e := range elems {
		data = append(data, e...)
		ends = append(ends, uint32(len(data)))
	}
	return NewPacked(data, ends, new(Scratch), a)
}

// NewPacked builds the set of the elements stored end to end in data (ends: their end
// offsets), with sc's buffers, in a's chunks (nil: the heap). Hashed sets need no sorting:
// only the sorted-only fallback for huge lists sorts.
func NewPacked(data []byte, ends []uint32, sc *Scratch, a *arena.Slab) StrSet {
	n := len(ends)
	if n > setLinearMax && n < slotIdxMask {
		return hashedSet(data, ends, sc, a)
	}
	views := sc.views[:0]
	for i := range ends {
		e := ElemAt(data, ends, i)
		views = append(views, unsafe.String(unsafe.SliceData(e), len(e)))
	}
	sc.views = views[:0]
	if n > setLinearMax {
		slices.Sort(views)
		views = slices.Compact(views)
	} else {
		views = distinctSmall(views)
	}
	st := StrSet{idx: a.Uint32s(len(views) + 1), n: uint32(len(views))}
	st.data = packInto(views, st.idx, a)
	return st
}

func distinctSmall(elems []string) []string {
	out := elems[:0]
	for _, s := range elems {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// packInto writes elems into one string, their end offsets into offs[1:].
func packInto(elems []string, offs []uint32, slab *arena.Slab) string {
	off := 0
	for i, s := range elems {
		off += len(s)
		offs[i+1] = uint32(off)
	}
	return slab.Concat(elems...)
}

// hashedSet places the distinct elements in open-addressing slots (load factor <= 3/4, any
// table size: a power of two would average 1.8 slots per element instead of 1.33).
func hashedSet(data []byte, ends []uint32, ls *Scratch, slab *arena.Slab) StrSet {
	n := len(ends)
	size := n*4/3 + 1
	slots := ls.slots[:0]
	slots = append(slots, make([]uint32, size)...) // (cleared in place once grown)
	ls.slots = slots
	distinct := ls.distinct[:0] // element indexes, in order of first occurrence
	total := 0
	for i := range ends {
		e := ElemAt(data, ends, i)
		h := maphash.Bytes(setSeed, e)
		tag := slotTag(h)
		j := slotHome(h, size)
		for ; slots[j] != 0; j = nextSlot(j, size) {
			if x := slots[j]; x&^slotIdxMask == tag && bytes.Equal(ElemAt(data, ends, int(distinct[x&slotIdxMask-1])), e) {
				break
			}
		}
		if slots[j] == 0 {
			distinct = append(distinct, uint32(i))
			slots[j] = tag | uint32(len(distinct))
			total += len(e)
		}
	}
	ls.distinct = distinct
	k := len(distinct)
	out := slab.Bytes(total)
	if w := sameLength(data, ends, distinct); w > 0 {
		st := StrSet{idx: slab.Uint32s(size), n: uint32(k), width: uint32(w)}
		if k == n {
			copy(out, data)
		} else {
			for i, d := range distinct {
				copy(out[i*w:], ElemAt(data, ends, int(d)))
			}
		}
		st.data = unsafe.String(unsafe.SliceData(out), len(out))
		copy(st.idx, slots)
		return st
	}
	st := StrSet{idx: slab.Uint32s(k + 1 + size), n: uint32(k)}
	if k == n { // all distinct: the elements as they are
		copy(out, data)
		copy(st.idx[1:], ends)
	} else {
		off := 0
		for i, d := range distinct {
			off += copy(out[off:], ElemAt(data, ends, int(d)))
			st.idx[i+1] = uint32(off)
		}
	}
	st.data = unsafe.String(unsafe.SliceData(out), len(out))
	copy(st.idx[k+1:], slots)
	return st
}

// sameLength is the length every distinct element has, or 0 when they differ.
func sameLength(data []byte, ends, distinct []uint32) int {
	w := len(ElemAt(data, ends, int(distinct[0])))
	for _, d := range distinct[1:] {
		if len(ElemAt(data, ends, int(d))) != w {
			return 0
		}
	}
	return w
}

func slotTag(h uint64) uint32 { return uint32(h>>(64-(32-slotIdxBits))) << slotIdxBits }

// slotHome is the first slot to probe: the hash's low half scaled to the table size.
func slotHome(h uint64, size int) int { return int(uint64(uint32(h)) * uint64(size) >> 32) }

func nextSlot(j, size int) int {
	if j++; j == size {
		return 0
	}
	return j
}

// Len is the number of elements.
func (st *StrSet) Len() int { return int(st.n) }

// At is element i (0 <= i < Len), in no particular order.
func (st *StrSet) At(i int) string {
	if w := int(st.width); w != 0 {
		return st.data[i*w : i*w+w]
	}
	return st.data[st.idx[i]:st.idx[i+1]]
}

func (st *StrSet) slots() []uint32 {
	if st.width != 0 {
		return st.idx
	}
	if st.idx == nil {
		return nil
	}
	return st.idx[st.n+1:]
}

// Has reports whether s is an element.
func (st *StrSet) Has(s string) bool {
	n := st.Len()
	switch {
	case n == 0:
		return false
	case st.width != 0 || len(st.idx) > n+1: // hashed
		if st.width != 0 && len(s) != int(st.width) {
			return false // every element has another length
		}
		slots := st.slots()
		h := maphash.String(setSeed, s)
		tag := slotTag(h)
		for j := slotHome(h, len(slots)); ; j = nextSlot(j, len(slots)) {
			x := slots[j]
			if x == 0 {
				return false
			}
			if x&^slotIdxMask == tag && st.At(int(x&slotIdxMask)-1) == s {
				return true
			}
		}
	case n <= setLinearMax:
		for i := range n {
			if int(st.idx[i+1]-st.idx[i]) == len(s) && st.At(i) == s {
				return true
			}
		}
		return false
	}
	lo, hi := 0, n // binary search for the first element >= s
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if st.At(m) < s {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo < n && st.At(lo) == s
}

// ElemAt is element i of a list stored as bytes end to end with end offsets.
func ElemAt(data []byte, ends []uint32, i int) []byte {
	start := uint32(0)
	if i > 0 {
		start = ends[i-1]
	}
	return data[start:ends[i]]
}
