package dcs

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"sort"
)

// Parameter stores for differential testing (gen -param-stores): stores whose parameters
// reference the payload's gates, dynamic configs, experiments and layers (existing and
// missing entities, existing and missing parameters), static values of every JSON type, and
// the shapes Server Core decodes by their fields rather than their ref_type. A few stores are
// scoped to apps (targetAppIDs) reachable through the client keys of ParamStoreClientKeys.

// ParamStoreClientKeys maps the client keys added with the stores to their app.
var ParamStoreClientKeys = map[string]string{"client-pstore-app-a": "pstore_app_a", "client-pstore-app-b": "pstore_app_b"}

// ParamStores builds n stores over p's entities, deterministically from seed (its own random
// source: the rest of the payload is unchanged).
//
//nolint:goconst // JSON field names, spelled as on the wire
func ParamStores(p *Payload, seed uint64, n int) map[string]any {
	r := rand.New(rand.NewPCG(seed, 0x7061_7261_6d73))
	var gates, configs, exps []string
	for _, s := range p.FeatureGates {
		if s.Entity == "feature_gate" {
			gates = append(gates, s.Name)
		}
	}
	params := map[string][]string{} // config/experiment/layer → parameters seen in its values
	collect := func(s *Spec) {
		seen := map[string]bool{}
		add := func(v any) {
			if m, ok := v.(map[string]any); ok {
				for k := range m {
					seen[k] = true
				}
			}
		}
		add(s.DefaultValue)
		for _, rl := range s.Rules {
			add(rl.ReturnValue)
		}
		keys := make([]string, 0, len(seen))
		for k := range seen {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		params[s.Name] = keys
	}
	for i := range p.DynamicConfigs {
		s := &p.DynamicConfigs[i]
		collect(s)
		if s.Entity == "experiment" {
			exps = append(exps, s.Name)
		} else if s.Entity == "dynamic_config" {
			configs = append(configs, s.Name)
		}
	}
	var layers []string
	for i := range p.LayerConfigs {
		collect(&p.LayerConfigs[i])
		layers = append(layers, p.LayerConfigs[i].Name)
	}
	pick := func(list []string) string {
		if len(list) == 0 || r.IntN(12) == 0 {
			return fmt.Sprintf("pstore_missing_entity_%d", r.IntN(100))
		}
		return list[r.IntN(len(list))]
	}
	param := func(entity string) string {
		ps := params[entity]
		if len(ps) == 0 || r.IntN(8) == 0 {
			return "pstore_missing_param"
		}
		return ps[r.IntN(len(ps))]
	}
	statics := []struct {
		typ string
		val any
	}{
		{"string", "hello"}, {"string", ""}, {"number", 42}, {"number", -3.5}, {"number", 0},
		{"boolean", true}, {"boolean", false}, {"array", []any{}}, {"array", []any{1, "two", map[string]any{"x": nil}}},
		{"object", map[string]any{}}, {"object", map[string]any{"k": "v", "n": []any{1, 2}}}, {"object", nil},
		// the declared type need not match the value
		{"string", 7}, {"boolean", "true"},
	}
	types := []string{"string", "number", "boolean", "array", "object"}
	value := func(typ string) any {
		switch typ {
		case "string":
			return []string{"on", "off", "a", ""}[r.IntN(4)]
		case "number":
			return []any{1, 2.5, -7, 1e6}[r.IntN(4)]
		case "boolean":
			return r.IntN(2) == 0
		case "array":
			return []any{"x", r.IntN(10)}
		}
		return map[string]any{"v": r.IntN(10)}
	}
	out := map[string]any{}
	for si := range n {
		ps := map[string]any{}
		np := 6 + r.IntN(10)
		for pi := range np {
			name := fmt.Sprintf("p%02d", pi)
			var prm map[string]any
			switch k := r.IntN(11); {
			case k < 2:
				st := statics[r.IntN(len(statics))]
				prm = map[string]any{"ref_type": "static", "param_type": st.typ, "value": st.val}
			case k < 5:
				typ := types[r.IntN(len(types))]
				prm = map[string]any{"ref_type": "gate", "param_type": typ, "gate_name": pick(gates),
					"pass_value": value(typ), "fail_value": value(typ)}
			case k < 7:
				c := pick(configs)
				prm = map[string]any{"ref_type": "dynamic_config", "param_type": types[r.IntN(len(types))],
					"config_name": c, "param_name": param(c)}
			case k < 9:
				e := pick(exps)
				prm = map[string]any{"ref_type": "experiment", "param_type": types[r.IntN(len(types))],
					"experiment_name": e, "param_name": param(e)}
			case k < 10:
				l := pick(layers)
				prm = map[string]any{"ref_type": "layer", "param_type": types[r.IntN(len(types))],
					"layer_name": l, "param_name": param(l)}
			default:
				// Decoded by shape, not ref_type: a gate reference that also has a value is static;
				// a "dynamic_config" with experiment_name is an experiment reference.
				if r.IntN(2) == 0 {
					prm = map[string]any{"ref_type": "gate", "param_type": "string", "gate_name": pick(gates),
						"pass_value": "p", "fail_value": "f", "value": "static wins"}
				} else {
					e := pick(exps)
					prm = map[string]any{"ref_type": "dynamic_config", "param_type": "string",
						"experiment_name": e, "param_name": param(e)}
				}
			}
			if r.IntN(3) > 0 {
				prm["name"] = name
			}
			ps[name] = prm
		}
		store := map[string]any{"parameters": ps, "version": 1 + r.IntN(20)}
		switch si % 4 {
		case 1:
			store["targetAppIDs"] = []string{"pstore_app_a"}
		case 2:
			store["targetAppIDs"] = []string{"pstore_app_a", "pstore_app_b"}
		case 3:
			store["targetAppIDs"] = []string{}
		}
		out[fmt.Sprintf("pstore_%02d", si)] = store
	}
	return out
}

// AddTopLevel rewrites the JSON object in file with extra top-level fields (keys must be new),
// leaving every other byte as it was.
func AddTopLevel(file string, fields map[string]any) error {
	b, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	b = bytes.TrimRight(b, " \t\r\n")
	if len(b) < 2 || b[len(b)-1] != '}' {
		return fmt.Errorf("%s: not a JSON object", file)
	}
	var buf bytes.Buffer
	buf.Write(b[:len(b)-1])
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v, err := marshal(fields[k])
		if err != nil {
			return err
		}
		kb, _ := json.Marshal(k)
		buf.WriteByte(',')
		buf.Write(kb)
		buf.WriteByte(':')
		buf.Write(v)
	}
	buf.WriteString("}\n")
	return os.WriteFile(file, buf.Bytes(), 0o644)
}
