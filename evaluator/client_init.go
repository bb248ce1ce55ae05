package evaluator

import (
	"encoding/json"
	"slices"
)

// The hash algorithms for entity names in a client initialize response.
const (
	HashDJB2   = "djb2"
	HashSHA256 = "sha256"
	HashNone   = "none"
)

// ClientInitOptions select how a client initialize response is built (docs/semantics.md §6.2).
type ClientInitOptions struct {
	// HashAlgorithm for entity names: HashDJB2 (the default), HashSHA256 or HashNone.
	HashAlgorithm string
	// ClientSDKKey selects the app through the payload's (hashed_)sdk_keys_to_app_ids.
	ClientSDKKey string
	// TargetAppID selects the app directly.
	TargetAppID string
}

// ClientInitializeResponse evaluates every gate, dynamic config, experiment, autotune and
// layer for the user (segments and holdouts excluded) in the v1 "initialize" format a client
// SDK bootstraps from. The result is ready to be JSON-encoded.
//
//nolint:goconst // JSON field names, spelled as on the wire
func (e *Evaluator) ClientInitializeResponse(u *User, o ClientInitOptions) map[string]any {
	s := e.Specs()
	algo := o.HashAlgorithm
	if algo != HashSHA256 && algo != HashNone {
		algo = HashDJB2
	}
	hash := func(name string) string {
		switch algo {
		case HashNone:
			return name
		case HashSHA256:
			return SHA256Base64(name)
		}
		return DJB2(name)
	}
	out := map[string]any{
		"feature_gates": map[string]any{}, "dynamic_configs": map[string]any{}, "layer_configs": map[string]any{},
		"has_updates": true, "hash_used": algo, "user": u, "sdkParams": map[string]any{},
		"evaluated_keys": evaluatedKeys(u),
	}
	if s == nil {
		out["time"] = 0
		return out
	}
	out["time"] = s.time
	if len(s.paramStores) > 0 {
		out["param_stores"] = s.paramStores
	}
	appID, filter := s.clientAppID(o)
	visible := func(sp *spec) bool {
		if !filter {
			return true
		}
		if appID == "" || !sp.hasTargetApps {
			return false
		}
		return slices.Contains(sp.targetAppIDs, appID)
	}
	run := func(name string, kind Kind) *evalCtx {
		c := e.acquire(s, u)
		if filter {
			c.appID = appID
		}
		c.evaluate(name, kind)
		return c
	}
	gates := out["feature_gates"].(map[string]any)
	for _, name := range s.names[KindGate] {
		if sp := s.gates[name]; visible(sp) {
			c := run(name, KindGate)
			gates[hash(name)] = map[string]any{
				"name": hash(name), "value": c.boolv && !c.unsupported, "rule_id": c.resultRuleID(),
				"secondary_exposures": hashedExposures(c.sec, hash), "id_type": c.idType,
			}
			e.release(c)
		}
	}
	configs := out["dynamic_configs"].(map[string]any)
	for _, kind := range []Kind{KindDynamicConfig, KindExperiment, KindAutotune} {
		for _, name := range s.names[kind] {
			sp := s.configs[name]
			if !visible(sp) {
				continue
			}
			c := run(name, KindDynamicConfig)
			configs[hash(name)] = c.clientConfigEntry(name, kind, sp, hash)
			e.release(c)
		}
	}
	layers := out["layer_configs"].(map[string]any)
	for _, name := range s.names[KindLayer] {
		sp := s.layers[name]
		if !visible(sp) {
			continue
		}
		c := run(name, KindLayer)
		layers[hash(name)] = c.clientLayerEntry(name, hash)
		e.release(c)
	}
	return out
}

// clientConfigEntry is the dynamic_configs entry for config name of the given kind (dynamic
// config, experiment or autotune), which c has evaluated.
//
//nolint:goconst // JSON field names, spelled as on the wire
func (c *evalCtx) clientConfigEntry(name string, kind Kind, sp *spec, hash func(string) string) map[string]any {
	entry := map[string]any{
		"name": hash(name), "value": c.valueJSON(), "rule_id": c.resultRuleID(),
		"secondary_exposures": hashedExposures(c.sec, hash), "id_type": c.idType,
		"is_device_based": c.idType == "stableID",
	}
	if kind == KindDynamicConfig {
		entry["passed"] = c.boolv && !c.unsupported
		return entry
	}
	if g := c.resultGroup(); g != "" {
		entry["group_name"] = g
	}
	if c.isInLayer {
		entry["is_in_layer"] = true
		if c.hasExplicit {
			entry["explicit_parameters"] = nonNil(c.explicit)
		}
	}
	if kind == KindExperiment {
		// The spec's, not the shared result's (which a nested gate may have overwritten before a
		// fall-through): Server Core's client initialize response (0.23.2, observed).
		entry["is_experiment_active"] = sp.isActive.isTrue()
		entry["is_user_in_experiment"] = c.isExpGroup
	}
	return entry
}

// clientLayerEntry is the layer_configs entry for layer name, which c has evaluated.
//
//nolint:goconst // JSON field names, spelled as on the wire
func (c *evalCtx) clientLayerEntry(name string, hash func(string) string) map[string]any {
	value := c.valueJSON()
	if c.layerValue != nil {
		value, _ = json.Marshal(c.layerValue)
	}
	entry := map[string]any{
		"name": hash(name), "value": value, "rule_id": c.resultRuleID(),
		"secondary_exposures": hashedExposures(c.sec, hash), "id_type": c.idType,
		"is_device_based":                 c.idType == "stableID",
		"explicit_parameters":             []string{},
		"undelegated_secondary_exposures": hashedExposures(c.sec[:c.undelegatedLen()], hash),
	}
	if g := c.resultGroup(); g != "" {
		entry["group_name"] = g
	}
	if c.delegate != "" {
		entry["allocated_experiment_name"] = hash(c.delegate)
		entry["is_experiment_active"] = c.isExpActive
		if ds := c.s.configs[c.delegate]; ds != nil {
			entry["is_experiment_active"] = ds.isActive.isTrue() // as for experiments above
		}
		entry["is_user_in_experiment"] = c.isExpGroup
		if c.hasExplicit {
			entry["explicit_parameters"] = nonNil(c.explicit)
		}
	}
	if c.paramRuleIDs != nil {
		entry["parameter_rule_ids"] = c.paramRuleIDs
	}
	return entry
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// clientAppID picks the app a client initialize response is filtered to (docs/semantics.md §6.2). filter is
// false when neither a client key nor a target app was given.
func (s *Specs) clientAppID(o ClientInitOptions) (appID string, filter bool) {
	if o.TargetAppID != "" {
		return o.TargetAppID, true
	}
	if o.ClientSDKKey == "" {
		return "", false
	}
	appID = s.appID
	if s.sdkKeysToAppIDs != nil {
		appID = s.sdkKeysToAppIDs[o.ClientSDKKey]
	}
	if s.hashedSDKKeysToAppIDs != nil {
		appID = s.hashedSDKKeysToAppIDs[DJB2(o.ClientSDKKey)]
	}
	return appID, true
}

// hashedExposures de-duplicates exposures (first occurrence wins) and hashes gate names.
func hashedExposures(list []SecondaryExposure, hash func(string) string) []SecondaryExposure {
	out := make([]SecondaryExposure, 0, len(list))
	seen := make(map[SecondaryExposure]struct{}, len(list))
	for _, x := range list {
		if _, dup := seen[x]; dup {
			continue
		}
		seen[x] = struct{}{}
		out = append(out, SecondaryExposure{Gate: hash(x.Gate), GateValue: x.GateValue, RuleID: x.RuleID})
	}
	return out
}

func evaluatedKeys(u *User) map[string]any {
	keys := map[string]any{}
	if !u.UserID.IsMissing() {
		keys["userID"] = u.logged["userID"]
	}
	if raw, ok := u.logged["customIDs"]; ok {
		keys["customIDs"] = raw
	}
	return keys
}
