package evaluator

import (
	"slices"

	"github.com/statsig-operator/statsig-operator/evaluator/internal/arena"
)

// condSlab hands out a load's long-lived objects (conditions, specs, rules, their strings)
// from shared chunks (see package arena): a snapshot's objects then sit together, away from
// the load's garbage (fewer cache misses when evaluating, fewer half-used spans after the
// load). Not safe for concurrent use: one per compiling goroutine. See staleLimit for what
// chunks cost on resync. Every method works on a nil *condSlab, allocating from the heap.
type condSlab struct {
	a       arena.Slab // bytes, strings and uint32s
	free    []condition
	specs   []spec
	rules   []rule
	ptrs    []*condition
	exts    []targetExt
	links   []ruleDelegate
	vals    []retVal
	buckets []([bucketWords]uint64)
	names   map[string]string // short strings most conditions repeat (fields, id types)
	lists   listScratch       // the compiling goroutine's buffers for list targets
	tmp     arena.Temp        // what the goroutine needs until the load ends (condition ids)
}

// arena is the slab's byte, string and uint32 chunks (nil: the heap).
func (s *condSlab) arena() *arena.Slab {
	if s == nil {
		return nil
	}
	return &s.a
}

func (s *condSlab) alloc() *condition {
	if s == nil {
		return &condition{}
	}
	return &arena.Take(&s.free, 1)[0]
}

func (s *condSlab) spec() *spec {
	if s == nil {
		return &spec{}
	}
	return &arena.Take(&s.specs, 1)[0]
}

func (s *condSlab) ruleSlice(n int) []rule {
	if s == nil {
		return make([]rule, n)
	}
	return arena.Take(&s.rules, n)
}

// strings returns a copy of ss from the slab's chunks.
func (s *condSlab) strings(ss []string) []string {
	if s == nil {
		return slices.Clone(ss)
	}
	// (taken here rather than by a call to arena.Slab.Strings, which moved build's list
	// of condition ids to the heap)
	return append(arena.Take(s.a.StringChunk(), len(ss))[:0], ss...)
}

// condPtrs returns a zeroed slice of n condition pointers from the slab's chunks.
func (s *condSlab) condPtrs(n int) []*condition {
	if s == nil {
		return make([]*condition, n)
	}
	return arena.Take(&s.ptrs, n)
}

func (s *condSlab) ext() *targetExt {
	if s == nil {
		return &targetExt{}
	}
	return &arena.Take(&s.exts, 1)[0]
}

func (s *condSlab) delegate() *ruleDelegate {
	if s == nil {
		return &ruleDelegate{}
	}
	return &arena.Take(&s.links, 1)[0]
}

func (s *condSlab) value() *retVal {
	if s == nil {
		return &retVal{}
	}
	return &arena.Take(&s.vals, 1)[0]
}

// name returns s interned within the slab: the few distinct field names and id types of a
// payload's conditions are then stored once per worker.
func (s *condSlab) name(v string) string {
	if s == nil || v == "" {
		return v
	}
	if n, ok := s.names[v]; ok {
		return n
	}
	if s.names == nil {
		s.names = map[string]string{}
	}
	if len(s.names) >= 4096 { // not a repeated name after all: copy only
		return s.concat(v)
	}
	n := s.concat(v)
	s.names[n] = n
	return n
}

// nameOf is name for bytes read in place (no string unless it is a new name).
func (s *condSlab) nameOf(b []byte) string {
	if s != nil {
		if n, ok := s.names[string(b)]; ok {
			return n
		}
	}
	return s.name(string(b))
}

// clone returns a copy of b stored in the slab's byte chunks.
func (s *condSlab) clone(b []byte) []byte { return s.arena().Clone(b) }

// bucketSet returns a zeroed bitset from the slab's chunks.
func (s *condSlab) bucketSet() *[bucketWords]uint64 {
	if s == nil {
		return new([bucketWords]uint64)
	}
	return &arena.Take(&s.buckets, 1)[0]
}

// concat returns the concatenation of parts, stored in the slab's byte chunks.
func (s *condSlab) concat(parts ...string) string { return s.arena().Concat(parts...) }

// views copies a list stored as bytes end to end (with end offsets) into the slab (see
// arena.Slab.Views).
func (s *condSlab) views(data []byte, ends []uint32) []string { return s.arena().Views(data, ends) }
