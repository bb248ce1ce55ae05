package evaluator

import (
	"crypto/sha256"
	"strconv"
)

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
	var buf keyBuf
	b := append(buf[:0], e.EventName...)
	for _, f := range dedupeFields {
		v, ok := e.Metadata[f]
		if !ok && f == "rulePassed" && e.keyRulePassed != "" {
			v, ok = e.keyRulePassed, true
		}
		if ok {
			b = keyField(b, f, v)
		}
	}
	sum := keySum(b, identity, "", "")
	return string(sum[:])
}

// keyBuf holds what a de-duplication key hashes, on the caller's stack: a short key costs
// no allocation beyond its result.
type keyBuf [256]byte

func keyField(b []byte, name, value string) []byte {
	b = append(b, 0, '|')
	b = append(b, name...)
	b = append(b, '=')
	return append(b, value...)
}

// keySum ends with the identity (given in parts, as DedupeIdentity concatenates them).
func keySum(b []byte, identity, sep, unit string) [16]byte {
	b = append(b, 0, 0)
	b = append(b, identity...)
	b = append(b, sep...)
	b = append(b, unit...)
	full := sha256.Sum256(b)
	return [16]byte(full[:16])
}

// DedupeIdentity is the identity an exposure is keyed on (docs/semantics.md §4.4): identity
// (the caller's rendering of the user's IDs) and, for an automatic exposure, the user's unit ID
// of the spec's ID type. Server Core hashes that unit ID into an automatic exposure's key but
// not into a manual gate exposure's (observed with 0.23.2; its manual config, experiment and
// layer exposures are keyed as the automatic ones), so a manual gate exposure is suppressed by
// an automatic one of the same result only when the user has no ID of that type.
func (e Exposure) DedupeIdentity(identity string, u *User, manual bool) string {
	sep, unit := e.identityParts(u, manual)
	return identity + sep + unit
}

// identityParts are what DedupeIdentity appends to identity.
func (e Exposure) identityParts(u *User, manual bool) (sep, unit string) {
	return identityParts(e.EventName, e.IDType, e.unitKeyed, u, manual)
}

func identityParts(event, idType string, unitKeyed bool, u *User, manual bool) (sep, unit string) {
	if manual || u == nil {
		return "\x00unit:", ""
	}
	unit = u.UnitID(idType).IDString()
	typed := unit
	if idType == "" && event == LayerExposureEvent {
		// An overridden layer has no ID type; Server Core's typed layer exposure is then keyed
		// with the userID (observed, 0.23.2; its typed config and experiment exposures are not).
		typed = u.UserID.IDString()
	}
	if unitKeyed && typed != "" {
		return "\x00typed-unit:", typed
	}
	return "\x00unit:", unit
}

// ExposureKey is r.Exposure()'s automatic de-duplication key,
// DedupeKey(DedupeIdentity(identity, u, false)), without building the exposure: a caller
// that finds it already seen builds nothing.
func (r GateResult) ExposureKey(identity string, u *User) [16]byte {
	var buf keyBuf
	b := append(buf[:0], GateExposureEvent...)
	b = keyField(b, "gate", r.Name)
	b = keyField(b, "ruleID", r.RuleID)
	b = keyField(b, "gateValue", strconv.FormatBool(r.Value))
	sep, unit := identityParts(GateExposureEvent, r.IDType, false, u, false)
	return keySum(b, identity, sep, unit)
}

// ExposureKey is r.Exposure()'s automatic de-duplication key (as GateResult's).
func (r ConfigResult) ExposureKey(identity string, u *User) [16]byte {
	var buf keyBuf
	b := append(buf[:0], ConfigExposureEvent...)
	b = keyField(b, "config", r.Name)
	b = keyField(b, "ruleID", r.RuleID)
	b = keyField(b, "rulePassed", strconv.FormatBool(r.Passed))
	sep, unit := identityParts(ConfigExposureEvent, r.IDType, false, u, false)
	return keySum(b, identity, sep, unit)
}

// ExposureSampling is r.Exposure()'s Sampling (what de-duplication's TTL and sampling read).
func (r GateResult) ExposureSampling() *Sampling {
	return r.sampling.withAdditional(boolHash(r.Value), false)
}

// ExposureSampling is r.Exposure()'s Sampling.
func (r ConfigResult) ExposureSampling() *Sampling {
	smp := r.sampling.withAdditional(boolHash(r.Passed), true)
	if smp != nil && r.experiment {
		smp.manualAdd = boolHash(r.IsUserInExperiment)
	}
	return smp
}
