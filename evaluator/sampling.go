package evaluator

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/statsig-operator/statsig-operator/evaluator/internal/ahash"
)

// SamplingConfig is the exposure sampling part of the payload's sdk_configs
// (docs/semantics.md §4.4).
type SamplingConfig struct {
	// Mode is "on", "shadow", or "" (any other value): no sampling, every exposure is logged.
	Mode string
	// SpecialRate (when HasSpecialRate) is the rate for exposures whose rule id is "",
	// "default" or "disabled".
	SpecialRate    uint64
	HasSpecialRate bool
	// SpecTTL is how long a (spec, rule) pair counts as seen (exposure_spec_sampling_ttl_ms;
	// 60 s when absent); DedupeTTL the same for de-duplication (exposure_dedupe_ttl_ms).
	SpecTTL, DedupeTTL time.Duration
	// HasDedupeTTL: the payload sets exposure_dedupe_ttl_ms (else the logger's own window).
	HasDedupeTTL bool
}

const defaultSamplingTTL = 60 * time.Second

// parseSamplingConfig reads sdk_configs as Server Core does: numbers are read as floats
// (numeric strings too) and truncated to unsigned integers, anything else is absent.
func parseSamplingConfig(raw map[string]json.RawMessage) SamplingConfig {
	c := SamplingConfig{SpecTTL: defaultSamplingTTL, DedupeTTL: defaultSamplingTTL}
	var mode string
	if json.Unmarshal(raw["sampling_mode"], &mode) == nil && (mode == "on" || mode == "shadow") {
		c.Mode = mode
	}
	c.SpecialRate, c.HasSpecialRate = configUint(raw["special_case_sampling_rate"])
	if ms, ok := configUint(raw["exposure_spec_sampling_ttl_ms"]); ok {
		c.SpecTTL = time.Duration(ms) * time.Millisecond
	}
	if ms, ok := configUint(raw["exposure_dedupe_ttl_ms"]); ok {
		c.DedupeTTL, c.HasDedupeTTL = time.Duration(ms)*time.Millisecond, true
	}
	return c
}

// configUint is a DynamicValue's float view cast to u64 (Rust's saturating `as`).
func configUint(raw json.RawMessage) (uint64, bool) {
	if len(raw) == 0 {
		return 0, false
	}
	var f float64
	if json.Unmarshal(raw, &f) != nil {
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return 0, false
		}
		var err error
		if f, err = strconv.ParseFloat(strings.TrimSpace(s), 64); err != nil {
			return 0, false
		}
	}
	switch {
	case math.IsNaN(f) || f <= 0:
		return 0, true
	case f >= math.MaxUint64:
		return math.MaxUint64, true
	}
	return uint64(f), true
}

// Sampling is what the exposure sampling decision needs of one exposure; Exposure.Sampling
// is nil when sdk_configs turn sampling off.
type Sampling struct {
	Config SamplingConfig
	// Key is Server Core's ExposureSamplingKey: ahash values of the spec name, rule id,
	// the user's IDs, and the outcome (or the parameter name).
	SpecNameHash, RuleIDHash, UserHash, AdditionalHash uint64
	// RuleID selects the special-case rate ("", "default", "disabled").
	RuleID string
	// Rate is the rule's samplingRate, when it has one.
	Rate    uint64
	HasRate bool
	// ForwardAll is the spec's forwardAllExposures; AnalyticalGate that the evaluation
	// passed a nested gate whose rule has no samplingRate. Either logs every exposure.
	ForwardAll, AnalyticalGate bool

	userNoUnit uint64 // UserHash without the unit ID
	manualAdd  uint64 // AdditionalHash of the manual exposure
}

// IsSampled is the sampling test: the XOR of the key's hashes is a multiple of the rate
// (no rate: sampled).
func (s *Sampling) IsSampled(rate uint64, hasRate bool) bool {
	if !hasRate {
		return true
	}
	h := s.SpecNameHash ^ s.RuleIDHash ^ s.UserHash ^ s.AdditionalHash
	if rate == 0 { // Rust's u64::is_multiple_of(0)
		return h == 0
	}
	return h%rate == 0
}

// EffectiveRate is the rate the decision uses: the special-case rate for the default,
// disabled and empty rule ids (when configured), else the rule's.
func (s *Sampling) EffectiveRate() (uint64, bool) {
	switch s.RuleID {
	case "", ruleIDDefault, ruleIDDisabled:
		if s.Config.HasSpecialRate {
			return s.Config.SpecialRate, true
		}
	}
	return s.Rate, s.HasRate
}

// internedHash is how Server Core hashes names and rule ids (interned strings: the bytes as
// a slice); the empty string is 0.
func internedHash(s string) uint64 {
	if s == "" {
		return 0
	}
	return ahash.Statsig.Bytes([]byte(s))
}

// valueHash is a user value's hash as Server Core keeps it: a string's text, anything else
// its JSON text. Missing is 0.
func valueHash(v Value) uint64 {
	switch v.kind {
	case kindMissing:
		return 0
	case kindNull:
		return ahash.Statsig.String("null")
	}
	return ahash.Statsig.String(v.str)
}

// userSamplingHash is create_exposure_dedupe_user_hash: userID, stableID, the unit ID of
// unitType ("" for none) and the wrapping sum of every custom ID.
func userSamplingHash(u *User, unitType string) uint64 {
	uid := valueHash(u.UserID)
	var stable, unit, sum uint64
	if v, ok := u.CustomIDs["stableID"]; ok {
		stable = valueHash(v)
	}
	if unitType != "" {
		unit = valueHash(u.UnitID(unitType))
	}
	for _, v := range u.CustomIDs {
		sum += valueHash(v)
	}
	return ahash.Statsig.U64s([]uint64{uid, stable, unit, sum})
}

// sampling captures the evaluation's sampling facts for the result (nil when off).
func (c *evalCtx) sampling(u *User, name string) *Sampling {
	cfg := c.s.sampling
	if cfg.Mode == "" && !cfg.HasDedupeTTL { // the de-duplication window travels with it too
		return nil
	}
	s := &Sampling{
		Config: cfg, SpecNameHash: internedHash(name), RuleID: c.resultRuleID(),
		Rate: uint64(max(c.samplingRate, 0)), HasRate: c.hasSampling,
		ForwardAll: c.forwardAll, AnalyticalGate: c.analytical,
	}
	s.RuleIDHash = internedHash(s.RuleID)
	s.UserHash = userSamplingHash(u, c.idType)
	s.userNoUnit = s.UserHash
	if c.idType != "" {
		s.userNoUnit = userSamplingHash(u, "")
	}
	return s
}

// withAdditional returns a copy of s for one exposure: its outcome hash and, for
// exposures Server Core builds without the unit type (layer parameters, manual exposures),
// the user hash without it.
func (s *Sampling) withAdditional(add uint64, noUnit bool) *Sampling {
	if s == nil {
		return nil
	}
	cp := *s
	cp.AdditionalHash, cp.manualAdd = add, add
	if noUnit {
		cp.UserHash = cp.userNoUnit
	}
	return &cp
}

func boolHash(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}
