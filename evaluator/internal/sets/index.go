package sets

import (
	"hash/maphash"
	"unsafe"
)

// Keyed is an Index entry.
type Keyed interface {
	IndexKey() string
}

// Index is a read-only index of entries by key (the condition map by id): the entries in one
// slice and an open-addressing table of 8-byte slots (a hash tag and an entry index) at a
// load factor of at most 3/4. A map[string]condRef rounded up to power-of-two tables of
// 56-byte slots: 7.5 MB for the 62 MB payload's 77k conditions, against 3.5 MB here. A nil
// *Index is empty.
type Index[E Keyed] struct {
	entries []E
	slots   []uint64 // 0: empty; else tag<<32 | (index+1)
}

var indexSeed = maphash.MakeSeed()

// NewIndex indexes entries (taking the slice) in order; a repeated key keeps the last entry
// (as a JSON object's repeated key does), at the first one's position.
func NewIndex[E Keyed](entries []E) *Index[E] {
	x := &Index[E]{entries: entries[:0], slots: make([]uint64, len(entries)*4/3+1)}
	for _, r := range entries {
		id := r.IndexKey()
		if i, ok := x.find(id); ok {
			x.entries[i] = r
			continue
		}
		x.entries = append(x.entries, r)
		x.slots[x.free(id)] = tag(id) | uint64(len(x.entries))
	}
	return x
}

func tag(id string) uint64 {
	return maphash.String(indexSeed, id) &^ (1<<32 - 1)
}

// home is the first slot to probe for a hash: its low half scaled to the table size (any
// size works; the tag is the high half).
func (x *Index[E]) home(h uint64) int {
	return int(uint64(uint32(h)) * uint64(len(x.slots)) >> 32)
}

func (x *Index[E]) find(id string) (int, bool) {
	if x == nil || len(x.slots) == 0 {
		return 0, false
	}
	h := maphash.String(indexSeed, id)
	tag := h &^ (1<<32 - 1)
	for j := x.home(h); ; {
		s := x.slots[j]
		if s == 0 {
			return 0, false
		}
		if s&^(1<<32-1) == tag {
			if i := int(uint32(s)) - 1; x.entries[i].IndexKey() == id {
				return i, true
			}
		}
		if j++; j == len(x.slots) {
			j = 0
		}
	}
}

// free returns the empty slot where id goes (id not present).
func (x *Index[E]) free(id string) int {
	j := x.home(maphash.String(indexSeed, id))
	for x.slots[j] != 0 {
		if j++; j == len(x.slots) {
			j = 0
		}
	}
	return j
}

// Get returns the entry for id.
func (x *Index[E]) Get(id string) (E, bool) {
	if i, ok := x.find(id); ok {
		return x.entries[i], true
	}
	var zero E
	return zero, false
}

// GetBytes is Get for an id in a scratch buffer (no copy).
func (x *Index[E]) GetBytes(id []byte) (E, bool) {
	return x.Get(unsafe.String(unsafe.SliceData(id), len(id)))
}

// Entries are the entries, in order (not to be modified).
func (x *Index[E]) Entries() []E {
	if x == nil {
		return nil
	}
	return x.entries
}

// Len is the number of entries.
func (x *Index[E]) Len() int {
	if x == nil {
		return 0
	}
	return len(x.entries)
}
