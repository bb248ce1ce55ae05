package evaluator

import (
	"hash/maphash"
	"unsafe"
)

// condIndex is the condition map by id: its entries in one slice (40 bytes each) and an
// open-addressing table of 8-byte slots (a hash tag and an entry index) at a load factor of
// at most 3/4. A map[string]condRef rounds up to power-of-two tables of 56-byte slots: 7.5
// MB for the 62 MB payload's 77k conditions, against 3.5 MB here.
type condIndex struct {
	entries []condRef
	slots   []uint64 // 0: empty; else tag<<32 | (index+1)
}

var condIndexSeed = maphash.MakeSeed()

// newCondIndex indexes refs (taking the slice) in order; a repeated id keeps the last entry
// (as a JSON object's repeated key does).
func newCondIndex(refs []condRef) *condIndex {
	x := &condIndex{entries: refs[:0], slots: make([]uint64, len(refs)*4/3+1)}
	for _, r := range refs {
		if i, ok := x.find(r.id); ok {
			x.entries[i] = r
			continue
		}
		x.entries = append(x.entries, r)
		x.slots[x.free(r.id)] = x.tag(r.id) | uint64(len(x.entries))
	}
	return x
}

func (x *condIndex) tag(id string) uint64 {
	return maphash.String(condIndexSeed, id) &^ (1<<32 - 1)
}

// home is the first slot to probe for a hash: its low half scaled to the table size (any
// size works; the tag is the high half).
func (x *condIndex) home(h uint64) int {
	return int(uint64(uint32(h)) * uint64(len(x.slots)) >> 32)
}

func (x *condIndex) find(id string) (int, bool) {
	if x == nil || len(x.slots) == 0 {
		return 0, false
	}
	h := maphash.String(condIndexSeed, id)
	tag := h &^ (1<<32 - 1)
	for j := x.home(h); ; {
		s := x.slots[j]
		if s == 0 {
			return 0, false
		}
		if s&^(1<<32-1) == tag {
			if i := int(uint32(s)) - 1; x.entries[i].id == id {
				return i, true
			}
		}
		if j++; j == len(x.slots) {
			j = 0
		}
	}
}

// free returns the empty slot where id goes (id not present).
func (x *condIndex) free(id string) int {
	j := x.home(maphash.String(condIndexSeed, id))
	for x.slots[j] != 0 {
		if j++; j == len(x.slots) {
			j = 0
		}
	}
	return j
}

// get returns the entry for id.
func (x *condIndex) get(id string) (condRef, bool) {
	if i, ok := x.find(id); ok {
		return x.entries[i], true
	}
	return condRef{}, false
}

// getBytes is get for an id in a scratch buffer (no copy).
func (x *condIndex) getBytes(id []byte) (condRef, bool) {
	return x.get(unsafe.String(unsafe.SliceData(id), len(id)))
}

func (x *condIndex) len() int {
	if x == nil {
		return 0
	}
	return len(x.entries)
}
