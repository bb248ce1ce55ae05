package evaluator

import "crypto/sha256"

// dedupeFields are the exposure metadata that make two exposures the same for de-duplication
// (docs/semantics.md §4.4): which spec and rule, and the outcome.
var dedupeFields = [...]string{
	"gate", "config", "ruleID", "gateValue", "rulePassed", "allocatedExperiment", "parameterName",
}

// DedupeKey identifies the exposure for de-duplication as Server Core does: the event, the
// spec, rule and outcome, and the user's identity (userID and custom IDs, not other
// attributes; identity is the caller's "u:<userID>;<idType>:<id>..." rendering). It is a
// 128-bit digest, so a de-duplication set costs the same per entry whatever the user sends.
func (e Exposure) DedupeKey(identity string) string {
	h := sha256.New()
	h.Write([]byte(e.EventName))
	for _, k := range dedupeFields {
		v, ok := e.Metadata[k]
		if !ok && k == "rulePassed" && e.keyRulePassed != "" {
			v, ok = e.keyRulePassed, true
		}
		if ok {
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

// DedupeIdentity is the identity an exposure is keyed on (docs/semantics.md §4.4): identity
// (the caller's rendering of the user's IDs) and, for an automatic exposure, the user's unit ID
// of the spec's ID type. Server Core hashes that unit ID into an automatic exposure's key but
// not into a manual gate exposure's (observed with 0.23.2; its manual config, experiment and
// layer exposures are keyed as the automatic ones), so a manual gate exposure is suppressed by
// an automatic one of the same result only when the user has no ID of that type.
func (e Exposure) DedupeIdentity(identity string, u *User, manual bool) string {
	if manual || u == nil {
		return identity + "\x00unit:"
	}
	unit := u.UnitID(e.IDType).IDString()
	typed := unit
	if e.IDType == "" && e.EventName == LayerExposureEvent {
		// An overridden layer has no ID type; Server Core's typed layer exposure is then keyed
		// with the userID (observed, 0.23.2; its typed config and experiment exposures are not).
		typed = u.UserID.IDString()
	}
	if e.unitKeyed && typed != "" {
		return identity + "\x00typed-unit:" + typed
	}
	return identity + "\x00unit:" + unit
}
