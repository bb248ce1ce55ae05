package evaluator

import "crypto/sha256"

// dedupeFields are the exposure metadata that make two exposures the same for de-duplication
// (docs/semantics.md §4.4): which spec and rule, and the outcome. A manual exposure never
// matches an automatic one (Server Core keys them on different user hashes).
var dedupeFields = [...]string{
	"gate", "config", "ruleID", "gateValue", "rulePassed", "allocatedExperiment", "parameterName",
	"isManualExposure",
}

// DedupeKey identifies the exposure for de-duplication as Server Core does: the event, the
// spec, rule and outcome, and the user's identity (userID and custom IDs, not other
// attributes; identity is the caller's "u:<userID>;<idType>:<id>..." rendering). It is a
// 128-bit digest, so a de-duplication set costs the same per entry whatever the user sends.
func (e Exposure) DedupeKey(identity string) string {
	h := sha256.New()
	h.Write([]byte(e.EventName))
	for _, k := range dedupeFields {
		if v, ok := e.Metadata[k]; ok {
			h.Write([]byte{0, '|'})
			h.Write([]byte(k))
			h.Write([]byte{'='})
			h.Write([]byte(v))
		}
	}
	h.Write([]byte{0, 0})
	h.Write([]byte(identity))
	var sum [sha256.Size]byte
	return string(h.Sum(sum[:0])[:16])
}
