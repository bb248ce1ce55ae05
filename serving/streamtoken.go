package serving

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
)

// streamTokenDomain separates event-stream tokens from every other use of a key's digest.
const streamTokenDomain = "statsig-operator/ofrep-event-stream\x00"

// streamToken derives the event-stream token from a key's SHA-256: the registry holds only
// digests, so it can index tokens without the raw keys, and a token (which travels in URLs,
// as EventSource cannot send headers) never reveals the key.
func streamToken(keySum [32]byte) [32]byte {
	h := sha256.New()
	h.Write([]byte(streamTokenDomain))
	h.Write(keySum[:])
	var out [32]byte
	h.Sum(out[:0])
	return out
}

// StreamToken is the OFREP event-stream token of an API key (hex). It grants only the
// change-notification stream of the key's project.
func StreamToken(key string) string {
	t := streamToken(sha256.Sum256([]byte(key)))
	return hex.EncodeToString(t[:])
}

// ByStreamToken returns the project whose key derives token (as StreamToken), or nil.
func (r *Registry) ByStreamToken(token string) *Project {
	var t [32]byte
	if len(token) != 2*len(t) {
		return nil
	}
	if _, err := hex.Decode(t[:], []byte(token)); err != nil {
		return nil
	}
	p := r.index.Load().byToken[t]
	if p == nil {
		return nil
	}
	for _, k := range p.keys {
		if tk := streamToken(k.sum); subtle.ConstantTimeCompare(tk[:], t[:]) == 1 {
			return p
		}
	}
	return nil
}
