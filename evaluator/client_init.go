package evaluator

import (
	"encoding/json"
	"math/rand/v2"
	"slices"
	"strconv"
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
	// SDKInfo is the response's sdkInfo (sdkType, sdkVersion, sessionId); empty when nil.
	SDKInfo map[string]string

	// Entity filters: when set (even empty), only the named (unhashed) entities of that kind are
	// included. ExperimentFilter is for experiments; autotunes are never filtered.
	FeatureGateFilter, ExperimentFilter, DynamicConfigFilter, LayerFilter []string
	HasFeatureGateFilter, HasExperimentFilter                             bool
	HasDynamicConfigFilter, HasLayerFilter                                bool
	// ParamStoreFilter, when HasParamStoreFilter, keeps only the named (unhashed) parameter
	// stores.
	ParamStoreFilter    []string
	HasParamStoreFilter bool
	// RemoveIDType leaves id_type out of every entry.
	RemoveIDType bool
	// RemoveDefaultValueGates leaves out gates that failed on the default rule with no secondary
	// exposures.
	RemoveDefaultValueGates bool
	// RemoveExperimentsInLayers leaves out experiments in a layer.
	RemoveExperimentsInLayers bool
	// ResponseFormat is "v1" (or empty: the initialize format) or "v2" (the initialize format with
	// secondary exposures mapped: Server Core's InitializeWithSecondaryExposureMapping).
	ResponseFormat string
	// PreviousResponseHash is the full_checksum of the response the client holds: when set, the
	// response carries its own full_checksum, and is blank (has_updates false) when they are
	// equal (v1 format only, as Server Core).
	PreviousResponseHash string
	// IncludeLocalOverrides applies the evaluator's overrides (SetOverrides), as Server Core's
	// include_local_overrides; off by default.
	IncludeLocalOverrides bool
}

// Payload and response fields named in several places.
const (
	fieldHasUpdates  = "has_updates"
	fieldParamStores = "param_stores"
)

// A client initialize response's entity sections.
const (
	sectionGates   = "feature_gates"
	sectionConfigs = "dynamic_configs"
	sectionLayers  = "layer_configs"
)

var clientSections = [...]string{sectionGates, sectionConfigs, sectionLayers}

// The response formats ClientInitOptions.ResponseFormat takes.
const (
	ResponseFormatV1 = "v1"
	ResponseFormatV2 = "v2"
)

// filtered reports whether o's filter for kind (when set) leaves name out.
func (o *ClientInitOptions) filtered(kind Kind, name string) bool {
	var set bool
	var list []string
	switch kind {
	case KindGate:
		set, list = o.HasFeatureGateFilter, o.FeatureGateFilter
	case KindExperiment:
		set, list = o.HasExperimentFilter, o.ExperimentFilter
	case KindDynamicConfig:
		set, list = o.HasDynamicConfigFilter, o.DynamicConfigFilter
	case KindLayer:
		set, list = o.HasLayerFilter, o.LayerFilter
	}
	return set && !slices.Contains(list, name)
}

// ClientInitializeResponse evaluates every gate, dynamic config, experiment, autotune and
// layer for the user (segments and holdouts excluded) in the v1 "initialize" format a client
// SDK bootstraps from. The result is ready to be JSON-encoded.
//
//nolint:gocyclo,goconst // one pass over the sections in Server Core's order; JSON field names
func (e *Evaluator) ClientInitializeResponse(u *User, o ClientInitOptions) map[string]any {
	s := e.Specs()
	algo, hash := nameHasher(o.HashAlgorithm)
	out := map[string]any{
		sectionGates: map[string]any{}, sectionConfigs: map[string]any{}, sectionLayers: map[string]any{},
		fieldHasUpdates: true, "hash_used": algo, "user": json.RawMessage(e.LoggedUser(u)), "sdkParams": map[string]any{},
		"evaluated_keys": evaluatedKeys(u), "sdkInfo": sdkInfo(o.SDKInfo), fieldParamStores: map[string]any{},
	}
	if h, ok := privateAttributesHash(u); ok {
		out["pa_hash"] = h
	}
	if s == nil {
		out["time"] = 0
		return out
	}
	out["time"] = s.time
	var ck *responseChecksum
	if o.PreviousResponseHash != "" && o.ResponseFormat != ResponseFormatV2 && o.ResponseFormat != ResponseFormatInitV2 {
		ck = &responseChecksum{}
	}
	appID, filter := s.clientAppID(o)
	// As Server Core: entities are filtered by app only when a client key or target app was
	// given and it named an app (an unknown client key filters nothing); an entity without
	// target apps is then left out.
	visibleApps := func(hasApps bool, apps []string) bool {
		if !filter || appID == "" {
			return true
		}
		return hasApps && slices.Contains(apps, appID)
	}
	visible := func(sp *spec) bool { return visibleApps(sp.hasTargetApps, sp.targetAppIDs) }
	gcirMemo := map[string]struct{}{} // see evalCtx.gcirMemo
	run := func(name string, kind Kind) *evalCtx {
		c := e.acquire(s, u)
		c.gcirMemo = gcirMemo
		if filter {
			c.appID = appID
		}
		c.skipOverrides = !o.IncludeLocalOverrides
		c.evaluate(name, kind)
		return c
	}
	idType := func(entry map[string]any) map[string]any {
		if o.RemoveIDType {
			delete(entry, "id_type")
		}
		return entry
	}
	gates := out[sectionGates].(map[string]any)
	for _, name := range s.names[KindGate] {
		if sp := s.gates[name]; visible(sp) && !o.filtered(KindGate, name) {
			c := run(name, KindGate)
			value := c.boolv && !c.unsupported
			if o.RemoveDefaultValueGates && !value && c.resultRuleID() == "default" && len(c.sec) == 0 {
				e.release(c)
				continue
			}
			gates[hash(name)] = idType(map[string]any{
				"name": hash(name), "value": value, "rule_id": c.resultRuleID(),
				"secondary_exposures": hashedExposures(c.sec, hash), "id_type": c.idType,
			})
			ck.gate(name, gates[hash(name)].(map[string]any))
			e.release(c)
		}
	}
	configs := out[sectionConfigs].(map[string]any)
	for _, kind := range []Kind{KindDynamicConfig, KindExperiment, KindAutotune} {
		for _, name := range s.names[kind] {
			sp := s.configs[name]
			if !visible(sp) || o.filtered(kind, name) {
				continue
			}
			c := run(name, configEvalKind(kind))
			if kind == KindExperiment && o.RemoveExperimentsInLayers && c.isInLayer {
				e.release(c)
				continue
			}
			configs[hash(name)] = idType(c.clientConfigEntry(name, kind, sp, hash))
			ck.config(name, kind, configs[hash(name)].(map[string]any))
			e.release(c)
		}
	}
	// CMAB configs, after (and over) the dynamic configs, as autotunes.
	v2 := initV2Extra{layerExplicit: map[string][]string{}, rawExposures: map[string][]SecondaryExposure{}}
	e.clientCMABEntries(s, &o, filter, appID, run, func(name string, c *evalCtx) {
		configs[hash(name)] = idType(c.clientConfigEntry(name, KindAutotune, nil, hash))
		if o.ResponseFormat == ResponseFormatInitV2 {
			v2.rawExposures[hash(name)] = copyExposures(c.sec)
		}
	})
	layers := out[sectionLayers].(map[string]any)
	for _, name := range s.names[KindLayer] {
		sp := s.layers[name]
		if !visible(sp) || o.filtered(KindLayer, name) {
			continue
		}
		c := run(name, KindLayer)
		layers[hash(name)] = idType(c.clientLayerEntry(name, hash))
		ck.layer(name, layers[hash(name)].(map[string]any))
		if o.ResponseFormat == ResponseFormatInitV2 && c.hasExplicit {
			v2.layerExplicit[hash(name)] = nonNil(c.explicit)
		}
		e.release(c)
	}
	out[fieldParamStores] = s.clientParamStores(o, visibleApps, hash)
	if ck != nil {
		ck.paramStores = s.paramStoresHash(o, visibleApps)
	}
	if sr := s.sessionReplay; sr != nil {
		if sr.random() {
			u.markVolatile()
		}
		sr.addTo(out, hash, func(gate string) bool {
			c := run(gate, KindGate)
			defer e.release(c)
			return c.boolv && !c.unsupported
		}, rand.Float64())
	}
	return s.finishClientResponse(out, o, ck, v2, hash)
}

// finishClientResponse applies the response format and previous_response_hash.
func (s *Specs) finishClientResponse(out map[string]any, o ClientInitOptions, ck *responseChecksum,
	v2 initV2Extra, hash func(string) string,
) map[string]any {
	switch {
	case o.ResponseFormat == ResponseFormatInitV2:
		toInitV2(out, v2)
	case ck != nil:
		full := ck.sum(sessionReplayHash(s.sessionReplay, out, hash))
		if full == o.PreviousResponseHash {
			return blankResponse()
		}
		out["full_checksum"] = full
	case o.ResponseFormat == ResponseFormatV2:
		mapExposures(out)
	}
	return out
}

// configEvalKind is the kind a client initialize response evaluates a dynamic_configs entry
// as: experiments and autotunes as experiments (CMAB configs apply to them), as Server Core.
func configEvalKind(kind Kind) Kind {
	if kind == KindDynamicConfig {
		return kind
	}
	return KindExperiment
}

// clientCMABEntries evaluates the CMAB configs a client initialize response includes and hands
// each result to add.
func (e *Evaluator) clientCMABEntries(s *Specs, o *ClientInitOptions, filter bool, appID string,
	run func(string, Kind) *evalCtx, add func(string, *evalCtx),
) {
	for _, name := range s.cmabNames {
		if s.cmab[name].clientVisible(o, filter, appID) {
			c := run(name, KindExperiment)
			add(name, c)
			e.release(c)
		}
	}
}

// mapExposures turns a v1 response into Server Core's v2 format (InitializeWithSecondaryExposureMapping):
// each entry's secondary_exposures (and a layer's undelegated_secondary_exposures) become the
// djb2 hashes of "gate:gateValue:ruleID" (gate names already hashed), and the top-level
// "exposures" maps each hash to its exposure; layers have no parameter_rule_ids.
//
//nolint:goconst // JSON field names, spelled as on the wire
func mapExposures(out map[string]any) {
	exposures := map[string]SecondaryExposure{}
	keys := func(list any) []string {
		l, _ := list.([]SecondaryExposure)
		ks := make([]string, 0, len(l))
		for _, x := range l {
			k := DJB2(x.Gate + ":" + x.GateValue + ":" + x.RuleID)
			exposures[k] = x
			ks = append(ks, k)
		}
		return ks
	}
	for _, sec := range clientSections {
		for _, v := range out[sec].(map[string]any) {
			entry := v.(map[string]any)
			entry["secondary_exposures"] = keys(entry["secondary_exposures"])
			if u, ok := entry["undelegated_secondary_exposures"]; ok {
				entry["undelegated_secondary_exposures"] = keys(u)
			}
			delete(entry, "parameter_rule_ids")
		}
	}
	out["exposures"] = exposures
}

// nameHasher is the algorithm used (the default for an unknown one) and its name hash.
func nameHasher(algo string) (string, func(string) string) {
	switch algo {
	case HashNone:
		return algo, func(name string) string { return name }
	case HashSHA256:
		return algo, SHA256Base64
	}
	return HashDJB2, DJB2
}

// sessionReplayInfo is the payload's session_replay_info.
type sessionReplayInfo struct {
	SamplingRate     *float64                        `json:"sampling_rate"`
	TargetingGate    *string                         `json:"targeting_gate"`
	RecordingBlocked *bool                           `json:"recording_blocked"`
	EventTriggers    map[string]sessionReplayTrigger `json:"session_recording_event_triggers"`
	ExposureTriggers map[string]sessionReplayTrigger `json:"session_recording_exposure_triggers"`
	PrivacySettings  *sessionReplayPrivacy           `json:"session_recording_privacy_settings"`
}

type sessionReplayTrigger struct {
	SamplingRate   *float64  `json:"sampling_rate,omitempty"`
	Values         *[]string `json:"values,omitempty"`
	PassesSampling *bool     `json:"passes_sampling,omitempty"`
}

type sessionReplayPrivacy struct {
	PrivacyMode      string    `json:"privacy_mode"`
	UnmaskedElements *[]string `json:"unmasked_elements,omitempty"`
	MaskedElements   *[]string `json:"masked_elements,omitempty"`
	BlockedElements  *[]string `json:"blocked_elements,omitempty"`
}

// addTo sets a client initialize response's session replay fields as Server Core does
// (0.20.2 source, 0.23.2 observed): can_record_session unless recording is blocked, the targeting
// gate fails or random (one draw per response, in [0,1)) exceeds the sampling rate; each
// trigger's passes_sampling is random <= its sampling rate; exposure trigger names are hashed.
//
//nolint:goconst // JSON field names, spelled as on the wire
func (sr *sessionReplayInfo) addTo(out map[string]any, hash func(string) string, gate func(string) bool,
	random float64,
) {
	can := true
	if sr.RecordingBlocked != nil {
		out["recording_blocked"] = *sr.RecordingBlocked
		if *sr.RecordingBlocked {
			can = false
		}
	}
	if sr.TargetingGate != nil {
		passes := gate(*sr.TargetingGate)
		out["passes_session_recording_targeting"] = passes
		can = can && passes
	}
	if sr.SamplingRate != nil {
		out["session_recording_rate"] = *sr.SamplingRate
		if random > *sr.SamplingRate {
			can = false
		}
	}
	out["can_record_session"] = can
	triggers := func(in map[string]sessionReplayTrigger, key func(string) string) map[string]sessionReplayTrigger {
		m := make(map[string]sessionReplayTrigger, len(in))
		for k, t := range in {
			nt := sessionReplayTrigger{Values: t.Values}
			if t.SamplingRate != nil {
				p := random <= *t.SamplingRate
				nt.PassesSampling = &p
			}
			m[key(k)] = nt
		}
		return m
	}
	if sr.EventTriggers != nil {
		out["session_recording_event_triggers"] = triggers(sr.EventTriggers, func(k string) string { return k })
	}
	if sr.ExposureTriggers != nil {
		out["session_recording_exposure_triggers"] = triggers(sr.ExposureTriggers, hash)
	}
	if sr.PrivacySettings != nil {
		out["session_recording_privacy_settings"] = sr.PrivacySettings
	}
}

// sdkInfo is the response's sdkInfo object.
func sdkInfo(info map[string]string) map[string]string {
	if info == nil {
		return map[string]string{}
	}
	return info
}

// privateAttributesHash is Server Core's pa_hash: the sum modulo 2^32 of the DJB2 hashes of
// "key:value" (value's string view, or nothing) over the user's private attributes; absent when
// there are none.
func privateAttributesHash(u *User) (string, bool) {
	if len(u.PrivateAttributes) == 0 {
		return "", false
	}
	var sum uint32
	for k, v := range u.PrivateAttributes {
		s := k + ":"
		if v.hasStr {
			s += v.str
		}
		sum += djb2Uint32(s)
	}
	return strconv.FormatUint(uint64(sum), 10), true
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
		entry["is_experiment_active"] = c.mappedSpec(sp).isActive.isTrue()
		entry["is_user_in_experiment"] = c.isExpGroup
	}
	return entry
}

// mappedSpec is sp, or the config a config mapping evaluated instead (Server Core 0.23.2's client
// initialize response reports the mapped experiment's is_experiment_active, observed).
func (c *evalCtx) mappedSpec(sp *spec) *spec {
	if c.overrideName != "" {
		if ms := c.s.configs[c.overrideName]; ms != nil {
			return ms
		}
	}
	return sp
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
			entry["is_experiment_active"] = c.mappedSpec(ds).isActive.isTrue() // as for experiments above
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
	logged := u.loggedMap()
	if !u.UserID.IsMissing() && u.UserID.IDString() != "" { // Server Core leaves an empty userID out
		keys["userID"] = logged["userID"]
	}
	if raw, ok := logged["customIDs"]; ok {
		keys["customIDs"] = raw
	}
	return keys
}
