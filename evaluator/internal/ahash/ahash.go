// Package ahash is the portable (non-AES) AHasher of the Rust crate ahash 0.8.11, the one
// Server Core's prebuilt binaries run: its exposure sampling decides by these hashes, so
// matching which exposures it sends needs the same 64-bit values, not merely a good hash.
//
// Only what Server Core hashes is here: RandomState::with_seeds, the Hasher's write and
// write_u64/usize, and helpers that feed the Hasher as Rust's Hash impls do for str,
// byte slices and slices of u64.
package ahash

import (
	"encoding/binary"
	"math/bits"
)

const (
	multiple = 6364136223846793005
	rot      = 23
)

// pi2 is the constant ahash XORs into the seeds of RandomState::with_seeds.
var pi2 = [4]uint64{0x452821e638d01377, 0xbe5466cf34e90c6c, 0xc0ac29b7c97c50dd, 0x3f84d5b5b5470917}

// State is a RandomState: the four keys every hasher it builds starts from.
type State struct{ k0, k1, k2, k3 uint64 }

// WithSeeds is RandomState::with_seeds.
func WithSeeds(k0, k1, k2, k3 uint64) State {
	return State{k0 ^ pi2[0], k1 ^ pi2[1], k2 ^ pi2[2], k3 ^ pi2[3]}
}

// Hasher is one AHasher (fallback variant).
type Hasher struct {
	buffer, pad uint64
	extra       [2]uint64
}

// New is build_hasher.
func (s State) New() Hasher {
	return Hasher{buffer: s.k1, pad: s.k0, extra: [2]uint64{s.k2, s.k3}}
}

// foldedMultiply is the 64x64→128 multiply folded by XOR, as ahash does on 64-bit targets.
func foldedMultiply(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	return hi ^ lo
}

func (h *Hasher) update(v uint64) { h.buffer = foldedMultiply(v^h.buffer, multiple) }

func (h *Hasher) largeUpdate(lo, hi uint64) {
	combined := foldedMultiply(lo^h.extra[0], hi^h.extra[1])
	h.buffer = bits.RotateLeft64((h.buffer+h.pad)^combined, rot)
}

// WriteU64 is write_u64 (also write_u8/u16/u32/usize on 64-bit targets: all widen to u64).
func (h *Hasher) WriteU64(v uint64) { h.update(v) }

// Write is Hasher::write: the length folds in first, then 16-byte blocks (the last block
// first, then from the front), or one padded block for short input.
func (h *Hasher) Write(b []byte) {
	h.buffer = (h.buffer + uint64(len(b))) * multiple
	switch {
	case len(b) > 16:
		n := len(b)
		h.largeUpdate(binary.LittleEndian.Uint64(b[n-16:]), binary.LittleEndian.Uint64(b[n-8:]))
		for len(b) > 16 {
			h.largeUpdate(binary.LittleEndian.Uint64(b), binary.LittleEndian.Uint64(b[8:]))
			b = b[16:]
		}
	case len(b) > 8:
		h.largeUpdate(binary.LittleEndian.Uint64(b), binary.LittleEndian.Uint64(b[len(b)-8:]))
	default:
		lo, hi := readSmall(b)
		h.largeUpdate(lo, hi)
	}
}

func readSmall(b []byte) (uint64, uint64) {
	n := len(b)
	switch {
	case n >= 4:
		return uint64(binary.LittleEndian.Uint32(b)), uint64(binary.LittleEndian.Uint32(b[n-4:]))
	case n >= 2:
		return uint64(binary.LittleEndian.Uint16(b)), uint64(b[n-1])
	case n == 1:
		return uint64(b[0]), uint64(b[0])
	}
	return 0, 0
}

// Sum64 is finish: it does not change the hasher.
func (h *Hasher) Sum64() uint64 {
	return bits.RotateLeft64(foldedMultiply(h.buffer, h.pad), int(h.buffer&63))
}

// String is hash_one(&str): Rust's Hash for str writes the bytes then a 0xff terminator.
func (s State) String(v string) uint64 {
	h := s.New()
	h.Write([]byte(v))
	h.WriteU64(0xff)
	return h.Sum64()
}

// Bytes is hash_one(&[u8]): a slice writes its length (as usize) before its contents.
func (s State) Bytes(v []byte) uint64 {
	h := s.New()
	h.WriteU64(uint64(len(v)))
	h.Write(v)
	return h.Sum64()
}

// U64s is hash_one(Vec<u64>): the length, then every element's little-endian bytes in
// one write (integers hash a slice as a single byte run).
func (s State) U64s(v []uint64) uint64 {
	buf := make([]byte, 8*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint64(buf[8*i:], x)
	}
	h := s.New()
	h.WriteU64(uint64(len(v)))
	h.Write(buf)
	return h.Sum64()
}

// Statsig is the state Server Core hashes with (RandomState::with_seeds(420, 42, 24, 4)).
var Statsig = WithSeeds(420, 42, 24, 4)
