package evaluator

import (
	"encoding/json"
	"slices"
	"strconv"
)

// ResponseFormatInitV2 is Server Core's InitializeV2 client initialize response format.
const ResponseFormatInitV2 = "init_v2"

// initV2Extra is what the init_v2 format needs beyond a v1 response, by hashed name: the
// explicit parameters of layers whose result has them, and the secondary exposures of CMAB
// entries as evaluated (Server Core neither hashes nor de-duplicates them there).
type initV2Extra struct {
	layerExplicit map[string][]string
	rawExposures  map[string][]SecondaryExposure
}

// toInitV2 rewrites a v1 client initialize response into Server Core's init_v2 format: entries
// with one- and two-letter keys (r rule ID, omitted when "default"; s secondary exposures; i ID
// type; v value; p passed; gn group name; ea/ue experiment active / user in experiment; ae
// allocated experiment; ep explicit parameters; us undelegated secondary exposures), values and
// secondary exposures stored once in the top-level "values" and "exposures" maps and referred
// to by ID. Server Core numbers the IDs in its HashMap iteration order, so its IDs change from
// process to process; ours follow the sections' name order.
//
//nolint:goconst // JSON field names, spelled as on the wire
func toInitV2(out map[string]any, extra initV2Extra) {
	layerExplicit := extra.layerExplicit
	exposures := map[string]SecondaryExposure{}
	exposureIDs := map[SecondaryExposure]string{}
	values := map[string]json.RawMessage{}
	valueIDs := map[uint64]string{}
	mapExposures := func(v any) []string {
		list, _ := v.([]SecondaryExposure)
		ids := make([]string, 0, len(list))
		for _, x := range list {
			id, ok := exposureIDs[x]
			if !ok {
				id = strconv.Itoa(len(exposures))
				exposures[id], exposureIDs[x] = x, id
			}
			ids = append(ids, id)
		}
		return ids
	}
	// A value is keyed by its DynamicReturnable hash (0 for true, false and null, which then
	// share one ID, as in Server Core).
	valueID := func(v any) string {
		r, _ := v.(json.RawMessage)
		h := returnableHash(r)
		id, ok := valueIDs[h]
		if !ok {
			id = strconv.Itoa(len(values))
			if len(r) == 0 {
				r = json.RawMessage(jsonNull)
			}
			values[id], valueIDs[h] = r, id
		}
		return id
	}
	base := func(e map[string]any) map[string]any {
		n := map[string]any{}
		if r, _ := e["rule_id"].(string); r != "default" {
			n["r"] = r
		}
		if l, _ := e["secondary_exposures"].([]SecondaryExposure); len(l) > 0 {
			n["s"] = mapExposures(l)
		}
		if t, ok := e["id_type"]; ok {
			n["i"] = t
		}
		return n
	}
	copyKeys := func(n, e map[string]any, keys ...[2]string) {
		for _, k := range keys {
			if v, ok := e[k[0]]; ok {
				n[k[1]] = v
			}
		}
	}
	section := func(name string, conv func(hashed string, e map[string]any) map[string]any) {
		entries := out[name].(map[string]any)
		for _, k := range slices.Sorted(mapKeys(entries)) {
			entries[k] = conv(k, entries[k].(map[string]any))
		}
	}
	section(sectionGates, func(_ string, e map[string]any) map[string]any {
		n := base(e)
		if v, _ := e["value"].(bool); v {
			n["v"] = true
		}
		return n
	})
	section(sectionConfigs, func(hashed string, e map[string]any) map[string]any {
		if raw, ok := extra.rawExposures[hashed]; ok {
			e["secondary_exposures"] = raw
		}
		n := base(e)
		n["v"] = valueID(e["value"])
		if p, ok := e["passed"]; ok { // a dynamic config
			n["p"] = p
			return n
		}
		copyKeys(n, e, [2]string{"group_name", "gn"}, [2]string{"is_experiment_active", "ea"},
			[2]string{"is_user_in_experiment", "ue"})
		return n
	})
	section(sectionLayers, func(hashed string, e map[string]any) map[string]any {
		n := base(e)
		n["v"] = valueID(e["value"])
		copyKeys(n, e, [2]string{"group_name", "gn"}, [2]string{"is_experiment_active", "ea"},
			[2]string{"is_user_in_experiment", "ue"}, [2]string{"allocated_experiment_name", "ae"})
		if ep, ok := layerExplicit[hashed]; ok {
			n["ep"] = ep
		}
		if l, _ := e["undelegated_secondary_exposures"].([]SecondaryExposure); len(l) > 0 {
			n["us"] = mapExposures(l)
		}
		return n
	})
	out["exposures"] = exposures
	out["values"] = values
	out["response_format"] = "init-v2"
}
