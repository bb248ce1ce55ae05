package endpoint

import (
	"strconv"
	"strings"
)

// Content encodings the forward proxy can send.
const (
	encIdentity = "identity"
	encGzip     = "gzip"
	encZstd     = "zstd"
	encBrotli   = "br"
)

// negotiateEncoding picks zstd (the stored bytes, no work), then gzip, then br (each computed
// once per revision; gzip first because it is cheaper to produce), then identity, honouring
// q-values of Accept-Encoding (RFC 9110 §12.5.3).
func negotiateEncoding(header string) string {
	q := map[string]float64{}
	star := -1.0
	for part := range strings.SplitSeq(header, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		name = strings.ToLower(strings.TrimSpace(name))
		if name == "" {
			continue
		}
		weight := 1.0
		for p := range strings.SplitSeq(params, ";") {
			k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
			if ok && strings.EqualFold(strings.TrimSpace(k), "q") {
				if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
					weight = f
				}
			}
		}
		if name == "*" {
			star = weight
			continue
		}
		q[name] = weight
	}
	weightOf := func(enc string) float64 {
		if w, ok := q[enc]; ok {
			return w
		}
		if star >= 0 {
			return star
		}
		return 0
	}
	best, bestQ := encIdentity, 0.0
	for _, enc := range []string{encZstd, encGzip, encBrotli} {
		if w := weightOf(enc); w > bestQ {
			best, bestQ = enc, w
		}
	}
	if best == encIdentity {
		return encIdentity
	}
	// identity wins only when the client prefers it explicitly.
	if w, ok := q[encIdentity]; ok && w > bestQ {
		return encIdentity
	}
	return best
}
