// Package arena hands out a load's memory in shared chunks: long-lived objects packed
// together away from the load's garbage (Take, Slab), short-lived bytes freed wholesale with
// the load (Temp), and a ring of reusable chunks carrying JSON from a reader to its workers
// (Ring).
package arena

import (
	"slices"
	"unsafe"
)

// ChunkBytes is the size of a chunk: the largest small-object size class, so that every
// chunk has a span of its own. A span shared with the load's garbage of the same size would
// stay in use, mostly empty, after the garbage is collected (as the small objects a load
// keeps did before they moved into chunks: 20 MB of the 62 MB payload's RSS).
const ChunkBytes = 32 << 10

// Take hands out n zeroed elements from *free, starting a new chunk when it is short; more
// than a quarter of a chunk gets an allocation of its own.
func Take[T any](free *[]T, n int) []T {
	var zero T
	chunk := max(ChunkBytes/int(unsafe.Sizeof(zero)), 1)
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

// Slab hands out bytes, strings and uint32s from shared chunks. Not safe for concurrent use:
// one per goroutine. Every method works on a nil *Slab, allocating from the heap.
type Slab struct {
	bytes []byte
	u32s  []uint32
	strs  []string
}

// Uint32s returns a zeroed slice of n.
func (s *Slab) Uint32s(n int) []uint32 {
	if s == nil {
		return make([]uint32, n)
	}
	return Take(&s.u32s, n)
}

// Strings returns a copy of ss.
func (s *Slab) Strings(ss []string) []string {
	if s == nil {
		return slices.Clone(ss)
	}
	return append(Take(&s.strs, len(ss))[:0], ss...)
}

// StringChunk is the chunk Strings and Views take from, for a caller that Takes strings
// itself (an inlined Take lets the caller's escape analysis see what is copied).
func (s *Slab) StringChunk() *[]string { return &s.strs }

// Clone returns a copy of b stored in the byte chunks.
func (s *Slab) Clone(b []byte) []byte {
	c := s.Str(b)
	return unsafe.Slice(unsafe.StringData(c), len(c))[:len(c):len(c)]
}

// Str returns a copy of b stored in the byte chunks.
func (s *Slab) Str(b []byte) string {
	return s.Concat(unsafe.String(unsafe.SliceData(b), len(b)))
}

// Concat returns the concatenation of parts, stored in the byte chunks.
func (s *Slab) Concat(parts ...string) string {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	b := s.Bytes(n)[:0]
	for _, p := range parts {
		b = append(b, p...)
	}
	return unsafe.String(unsafe.SliceData(b), len(b)) // never written again
}

// Bytes returns n bytes for the caller to fill (and then never write again) from the byte
// chunks; more than an eighth of a chunk gets an allocation of its own.
func (s *Slab) Bytes(n int) []byte {
	if s == nil || n > ChunkBytes/8 {
		return make([]byte, n)
	}
	if cap(s.bytes)-len(s.bytes) < n {
		s.bytes = make([]byte, 0, ChunkBytes)
	}
	start := len(s.bytes)
	s.bytes = s.bytes[:start+n]
	return s.bytes[start : start+n : start+n]
}

// Views copies a list stored as bytes end to end (with end offsets) into the chunks as one
// string, and returns its elements as substrings of it (never nil): a list's elements are
// then contiguous, away from the load's garbage.
func (s *Slab) Views(data []byte, ends []uint32) []string {
	all := s.Str(data)
	var out []string
	if s == nil {
		out = make([]string, len(ends))
	} else {
		out = Take(&s.strs, len(ends))
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
