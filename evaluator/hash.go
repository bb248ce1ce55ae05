package evaluator

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"strconv"
)

// h64 is Statsig's allocation hash: the first 8 bytes of SHA-256, big-endian (docs/semantics.md §2.7).
func h64(s string) uint64 {
	sum := sha256.Sum256([]byte(s))
	return binary.BigEndian.Uint64(sum[:8])
}

// hashUnit hashes prefix+unit without allocating for the common sizes.
func hashUnit(prefix, unit string) uint64 {
	var buf [256]byte
	n := len(prefix) + len(unit)
	if n > len(buf) {
		return h64(prefix + unit)
	}
	copy(buf[:], prefix)
	copy(buf[len(prefix):], unit)
	sum := sha256.Sum256(buf[:n])
	return binary.BigEndian.Uint64(sum[:8])
}

// hashRule is hashUnit(specSalt + "." + ruleSalt + ".", unit): a rule's pass-percentage
// bucket, without keeping the concatenated prefix for every rule.
func hashRule(specSalt, ruleSalt, unit string) uint64 {
	var buf [256]byte
	n := len(specSalt) + len(ruleSalt) + len(unit) + 2
	if n > len(buf) {
		return h64(specSalt + "." + ruleSalt + "." + unit)
	}
	i := copy(buf[:], specSalt)
	buf[i] = '.'
	i += 1 + copy(buf[i+1:], ruleSalt)
	buf[i] = '.'
	copy(buf[i+1:], unit)
	sum := sha256.Sum256(buf[:n])
	return binary.BigEndian.Uint64(sum[:8])
}

// HashIDListID is how ID lists store an ID: base64std(sha256(id))[:8].
func HashIDListID(id string) string {
	sum := sha256.Sum256([]byte(id))
	// 6 bytes encode to exactly the first 8 base64 characters of the full digest.
	var out [8]byte
	base64.StdEncoding.Encode(out[:], sum[:6])
	return string(out[:])
}

// DJB2 is Statsig's djb2 name hash over Unicode code points, as an unsigned decimal string.
func DJB2(s string) string {
	return strconv.FormatUint(uint64(djb2Uint32(s)), 10)
}

func djb2Uint32(s string) uint32 {
	var h uint32
	for _, r := range s {
		h = h*31 + uint32(r)
	}
	return h
}

// SHA256Base64 is the sha256 name hash of client initialize responses.
func SHA256Base64(s string) string {
	sum := sha256.Sum256([]byte(s))
	return base64.StdEncoding.EncodeToString(sum[:])
}
