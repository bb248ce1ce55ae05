package evaluator

import (
	"slices"
	"unsafe"
)

// condSlab hands out a load's long-lived objects (conditions, specs, rules, their strings)
// from shared chunks: a snapshot's objects then sit together, away from the load's garbage
// (fewer cache misses when evaluating, fewer half-used spans after the load). Not safe for
// concurrent use: one per compiling goroutine. See staleLimit for what chunks cost on resync.
type condSlab struct {
	free    []condition
	specs   []spec
	rules   []rule
	bytes   []byte
	u32s    []uint32
	strs    []string
	ptrs    []*condition
	exts    []targetExt
	links   []ruleDelegate
	vals    []retVal
	buckets []([bucketWords]uint64)
	names   map[string]string // short strings most conditions repeat (fields, id types)
	lists   listScratch       // the compiling goroutine's buffers for list targets
	tmp     byteArena         // what the goroutine needs until the load ends (condition ids)
}

// slabBytes is the size of a chunk: the largest small-object size class, so that every chunk
// has a span of its own. A span shared with the load's garbage of the same size would stay
// in use, mostly empty, after the garbage is collected (as the small objects a load keeps did
// before they moved into chunks: 20 MB of the 62 MB payload's RSS).
const slabBytes = 32 << 10

// take hands out n zeroed elements from *free, starting a new chunk when it is short; more
// than a quarter of a chunk gets an allocation of its own.
func take[T any](free *[]T, n int) []T {
	var zero T
	chunk := max(slabBytes/int(unsafe.Sizeof(zero)), 1)
	if n > chunk/4 {
		return make([]T, n)
	}
	if len(*free) < n {
		*free = make([]T, chunk)
	}
	out := (*free)[:n:n]
	*free = (*free)[n:]
	return out
}

func (s *condSlab) alloc() *condition {
	if s == nil {
		return &condition{}
	}
	return &take(&s.free, 1)[0]
}

func (s *condSlab) spec() *spec {
	if s == nil {
		return &spec{}
	}
	return &take(&s.specs, 1)[0]
}

func (s *condSlab) ruleSlice(n int) []rule {
	if s == nil {
		return make([]rule, n)
	}
	return take(&s.rules, n)
}

// uint32s returns a zeroed slice of n from the slab's chunks.
func (s *condSlab) uint32s(n int) []uint32 {
	if s == nil {
		return make([]uint32, n)
	}
	return take(&s.u32s, n)
}

// strings returns a copy of ss from the slab's chunks.
func (s *condSlab) strings(ss []string) []string {
	if s == nil {
		return slices.Clone(ss)
	}
	return append(take(&s.strs, len(ss))[:0], ss...)
}

// condPtrs returns a zeroed slice of n condition pointers from the slab's chunks.
func (s *condSlab) condPtrs(n int) []*condition {
	if s == nil {
		return make([]*condition, n)
	}
	return take(&s.ptrs, n)
}

func (s *condSlab) ext() *targetExt {
	if s == nil {
		return &targetExt{}
	}
	return &take(&s.exts, 1)[0]
}

func (s *condSlab) delegate() *ruleDelegate {
	if s == nil {
		return &ruleDelegate{}
	}
	return &take(&s.links, 1)[0]
}

func (s *condSlab) value() *retVal {
	if s == nil {
		return &retVal{}
	}
	return &take(&s.vals, 1)[0]
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
func (s *condSlab) clone(b []byte) []byte {
	c := s.str(b)
	return unsafe.Slice(unsafe.StringData(c), len(c))[:len(c):len(c)]
}

// bucketSet returns a zeroed bitset from the slab's chunks.
func (s *condSlab) bucketSet() *[bucketWords]uint64 {
	if s == nil {
		return new([bucketWords]uint64)
	}
	return &take(&s.buckets, 1)[0]
}

// str returns a copy of b stored in the slab's byte chunks.
func (s *condSlab) str(b []byte) string {
	return s.concat(unsafe.String(unsafe.SliceData(b), len(b)))
}

// concat returns the concatenation of parts, stored in the slab's byte chunks.
func (s *condSlab) concat(parts ...string) string {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	b := s.bytesN(n)[:0]
	for _, p := range parts {
		b = append(b, p...)
	}
	return unsafe.String(unsafe.SliceData(b), len(b)) // never written again
}

// bytesN returns n bytes for the caller to fill (and then never write again) from the slab's
// byte chunks; more than an eighth of a chunk gets an allocation of its own.
func (s *condSlab) bytesN(n int) []byte {
	if s == nil || n > slabBytes/8 {
		return make([]byte, n)
	}
	if cap(s.bytes)-len(s.bytes) < n {
		s.bytes = make([]byte, 0, slabBytes)
	}
	start := len(s.bytes)
	s.bytes = s.bytes[:start+n]
	return s.bytes[start : start+n : start+n]
}

// views copies a list stored as bytes end to end (with end offsets) into the slab as one
// string, and returns its elements as substrings of it (never nil): a list's elements are
// then contiguous, away from the load's garbage.
func (s *condSlab) views(data []byte, ends []uint32) []string {
	all := s.str(data)
	var out []string
	if s == nil {
		out = make([]string, len(ends))
	} else {
		out = take(&s.strs, len(ends))
	}
	if out == nil {
		out = []string{}
	}
	start := uint32(0)
	for i, e := range ends {
		out[i] = all[start:e]
		start = e
	}
	return out
}
