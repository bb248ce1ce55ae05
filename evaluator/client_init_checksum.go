package evaluator

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"

	"github.com/statsig-operator/statsig-operator/evaluator/internal/ahash"
)

// responseChecksum computes Server Core's full_checksum of a client initialize response (the
// previous_response_hash option): a hash, with Server Core's fixed-seed ahash, of one hash per
// section (gates, configs, layers, parameter stores, session replay), each the hash of its
// entries' hashes in name order, each entry's hash made of the interned-string hashes of its
// fields. The client sends it back; an unchanged response is then answered blank.
//
// Server Core itself is not deterministic where it hashes a Rust HashMap in iteration order:
// layers with parameter_rule_ids, several parameter stores, several session replay triggers,
// and layer values merged from several rules. There the checksum changes between its
// processes too; a client then gets the full response, which is always correct.
type responseChecksum struct {
	gates, configs, layers []namedHash
	paramStores            uint64
}

type namedHash struct {
	name string
	sum  uint64
}

// returnableHash is a DynamicReturnable's: of its raw JSON text, 0 for true, false and null.
func returnableHash(raw json.RawMessage) uint64 {
	switch string(raw) {
	case "", jsonTrue, jsonFalse, jsonNull:
		return 0
	}
	return ahash.Statsig.Bytes(raw)
}

// optBool is Server Core's opt_bool_to_hashable: 1 true, 0 false, 2 absent.
func optBool(entry map[string]any, key string) uint64 {
	b, ok := entry[key].(bool)
	switch {
	case !ok:
		return 2
	case b:
		return 1
	}
	return 0
}

func exposuresHash(v any) uint64 {
	list, _ := v.([]SecondaryExposure)
	hs := make([]uint64, 0, len(list))
	for _, x := range list {
		hs = append(hs, ahash.Statsig.U64s([]uint64{internedHash(x.Gate), internedHash(x.GateValue), internedHash(x.RuleID)}))
	}
	return ahash.Statsig.U64s(hs)
}

func stringsHash(v any) uint64 {
	list, _ := v.([]string)
	hs := make([]uint64, 0, len(list))
	for _, s := range list {
		hs = append(hs, internedHash(s))
	}
	return ahash.Statsig.U64s(hs)
}

func str(entry map[string]any, key string) string {
	s, _ := entry[key].(string)
	return s
}

func raw(entry map[string]any) json.RawMessage {
	r, _ := entry["value"].(json.RawMessage)
	return r
}

// gate records a feature_gates entry (name unhashed).
func (ck *responseChecksum) gate(name string, e map[string]any) {
	if ck == nil {
		return
	}
	v, _ := e["value"].(bool)
	ck.gates = append(ck.gates, namedHash{name, ahash.Statsig.U64s([]uint64{
		internedHash(name), boolHash(v), internedHash(str(e, "rule_id")), exposuresHash(e["secondary_exposures"]),
	})})
}

// config records a dynamic_configs entry of a dynamic config, experiment or autotune.
func (ck *responseChecksum) config(name string, kind Kind, e map[string]any) {
	if ck == nil {
		return
	}
	head := []uint64{internedHash(name), returnableHash(raw(e)), internedHash(str(e, "rule_id")),
		exposuresHash(e["secondary_exposures"])}
	if kind == KindDynamicConfig {
		passed, _ := e["passed"].(bool)
		ck.configs = append(ck.configs, namedHash{name, ahash.Statsig.U64s(append(head, boolHash(passed)))})
		return
	}
	inLayer, _ := e["is_in_layer"].(bool)
	ck.configs = append(ck.configs, namedHash{name, ahash.Statsig.U64s(append(head,
		boolHash(inLayer), stringsHash(e["explicit_parameters"]), internedHash(str(e, "group_name")),
		optBool(e, "is_experiment_active"), optBool(e, "is_user_in_experiment")))})
}

// layer records a layer_configs entry.
func (ck *responseChecksum) layer(name string, e map[string]any) {
	if ck == nil {
		return
	}
	hs := []uint64{internedHash(name), returnableHash(raw(e)), internedHash(str(e, "rule_id")),
		exposuresHash(e["secondary_exposures"]), internedHash(str(e, "group_name")),
		optBool(e, "is_experiment_active"), optBool(e, "is_user_in_experiment"),
		internedHash(str(e, "allocated_experiment_name")), stringsHash(e["explicit_parameters"]),
		exposuresHash(e["undelegated_secondary_exposures"])}
	if ids, ok := e["parameter_rule_ids"].(map[string]string); ok {
		pairs := make([]uint64, 0, 2*len(ids))
		for _, p := range slices.Sorted(mapKeys(ids)) {
			pairs = append(pairs, internedHash(p), internedHash(ids[p]))
		}
		hs = append(hs, ahash.Statsig.U64s(pairs))
	}
	ck.layers = append(ck.layers, namedHash{name, ahash.Statsig.U64s(hs)})
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func sectionHash(list []namedHash) uint64 {
	slices.SortFunc(list, func(a, b namedHash) int { return strings.Compare(a.name, b.name) })
	hs := make([]uint64, len(list))
	for i, x := range list {
		hs[i] = x.sum
	}
	return ahash.Statsig.U64s(hs)
}

// paramStoreHash is one parameter store's: its name and version.
func paramStoreHash(name string, version uint64) uint64 {
	return ahash.Statsig.U64s([]uint64{internedHash(name), version})
}

// sessionReplayHash is the session replay part, from the response's fields (0: no
// session_replay_info in the payload).
func sessionReplayHash(sr *sessionReplayInfo, out map[string]any, hash func(string) string) uint64 {
	if sr == nil {
		return 0
	}
	info := ahash.Statsig.U64s([]uint64{optBool(out, "can_record_session"), optBool(out, "recording_blocked"),
		optBool(out, "passes_session_recording_targeting")})
	triggers := func(key string, names map[string]sessionReplayTrigger, hashName func(string) string) uint64 {
		got, _ := out[key].(map[string]sessionReplayTrigger)
		hs := make([]uint64, 0, len(names))
		for _, n := range slices.Sorted(mapKeys(names)) {
			t := got[hashName(n)]
			h := []uint64{internedHash(n), 2}
			if t.PassesSampling != nil {
				h[1] = boolHash(*t.PassesSampling)
			}
			if t.Values != nil {
				for _, v := range *t.Values {
					h = append(h, internedHash(v))
				}
			}
			hs = append(hs, ahash.Statsig.U64s(h))
		}
		return ahash.Statsig.U64s(hs)
	}
	same := func(s string) string { return s }
	return ahash.Statsig.U64s([]uint64{info,
		triggers("session_recording_event_triggers", sr.EventTriggers, same),
		triggers("session_recording_exposure_triggers", sr.ExposureTriggers, hash)})
}

// sum is full_checksum as Server Core renders it (decimal).
func (ck *responseChecksum) sum(sessionReplay uint64) string {
	return strconv.FormatUint(ahash.Statsig.U64s([]uint64{
		sectionHash(ck.gates), sectionHash(ck.configs), sectionHash(ck.layers), ck.paramStores, sessionReplay,
	}), 10)
}

// blankResponse is Server Core's answer when previous_response_hash matches.
//
//nolint:goconst // JSON field names, spelled as on the wire
func blankResponse() map[string]any {
	return map[string]any{
		sectionGates: map[string]any{}, sectionConfigs: map[string]any{}, sectionLayers: map[string]any{},
		"time": 0, fieldHasUpdates: false, "hash_used": "", "user": map[string]any{}, "sdkInfo": map[string]any{},
		"sdkParams": map[string]any{}, "evaluated_keys": map[string]any{}, fieldParamStores: map[string]any{},
	}
}

// paramStoresHash is the parameter-store part: 0 when the payload has no param_stores,
// else the hash of each store's (name, version) in name order, over the stores the response
// holds.
func (s *Specs) paramStoresHash(o ClientInitOptions, visible func(hasApps bool, apps []string) bool) uint64 {
	if s.paramStores == nil {
		return 0
	}
	hs := make([]uint64, 0, len(s.paramStores))
	for _, n := range slices.Sorted(mapKeys(s.paramStores)) {
		ps := s.paramStores[n]
		if !visible(ps.hasTargetApps, ps.targetAppIDs) || (o.HasParamStoreFilter && !slices.Contains(o.ParamStoreFilter, n)) {
			continue
		}
		hs = append(hs, paramStoreHash(n, ps.version))
	}
	return ahash.Statsig.U64s(hs)
}
