// Package injecttest builds small served projects (a real download_config_specs v2 payload
// loaded into the real evaluator) and an exposure recorder, for the webhook, workload and e2e
// tests.
package injecttest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"sync"

	"github.com/statsig-operator/statsig-operator/evaluator"
	"github.com/statsig-operator/statsig-operator/serving"
)

// Payload describes the entities of a test project. Gates maps a gate name to its pass
// percentage (0–100) for everyone; Configs and Experiments map a name to the value everyone
// gets (experiments in group "Test"); Layers map a name to their default value.
type Payload struct {
	Gates       map[string]float64
	Configs     map[string]map[string]any
	Experiments map[string]map[string]any
	Layers      map[string]map[string]any
	// ParamStores map a store name to its parameters (payload shape, e.g.
	// {"ref_type":"gate","param_type":"string","gate_name":"g","pass_value":"a","fail_value":"b"}).
	ParamStores map[string]map[string]any
}

// DCS renders p as a download_config_specs v2 payload.
//
//nolint:goconst // the keys and values spell out the payload's JSON, like a fixture file would
func (p Payload) DCS() []byte {
	rule := func(id string, pass float64, ret any, group string) map[string]any {
		r := map[string]any{
			"name":           id,
			"id":             id,
			"passPercentage": pass,
			"conditions":     []string{"public"},
			"returnValue":    ret,
			"salt":           id + "-salt",
			"idType":         "userID",
		}
		if group != "" {
			r["groupName"] = group
			r["isExperimentGroup"] = true
		}
		return r
	}
	// entity is a gate, config, experiment or layer spec: kind is its "entity", typ its "type".
	entity := func(typ, kind, name string, defaultValue any, rules []any) map[string]any {
		return map[string]any{
			"type":         typ,
			"entity":       kind,
			"salt":         name + "-salt",
			"enabled":      true,
			"defaultValue": defaultValue,
			"idType":       "userID",
			"rules":        rules,
		}
	}
	gates := map[string]any{}
	for _, n := range sortedKeys(p.Gates) {
		gates[n] = entity("feature_gate", "feature_gate", n, false, []any{rule("rule_"+n, p.Gates[n], true, "")})
	}
	configs := map[string]any{}
	for _, n := range sortedKeys(p.Configs) {
		configs[n] = entity("dynamic_config", "dynamic_config", n, map[string]any{},
			[]any{rule("rule_"+n, 100, p.Configs[n], "")})
	}
	for _, n := range sortedKeys(p.Experiments) {
		e := entity("dynamic_config", "experiment", n, map[string]any{},
			[]any{rule("group_"+n, 100, p.Experiments[n], "Test")})
		e["isActive"] = true
		configs[n] = e
	}
	layers := map[string]any{}
	for _, n := range sortedKeys(p.Layers) {
		layers[n] = entity("dynamic_config", "layer", n, p.Layers[n], []any{})
	}
	out := map[string]any{
		"response_format": "dcs-v2", "has_updates": true, "time": 1700000000000,
		"condition_map":       map[string]any{"public": map[string]any{"type": "public", "idType": "userID"}},
		"feature_gates":       gates,
		"dynamic_configs":     configs,
		"layer_configs":       layers,
		"experiment_to_layer": map[string]any{},
	}
	if p.ParamStores != nil {
		stores := map[string]any{}
		for n, params := range p.ParamStores {
			stores[n] = map[string]any{"parameters": params}
		}
		out["param_stores"] = stores
	}
	b, _ := json.Marshal(out)
	return b
}

// Project loads p into an evaluator and returns it as the served project name@revision,
// logging exposures to sink (nil: logging disabled).
func Project(name, revision string, p Payload, sink serving.EventSink) (*serving.Project, error) {
	specs, err := evaluator.Load(bytes.NewReader(p.DCS()), evaluator.LoadOptions{})
	if err != nil {
		return nil, fmt.Errorf("load test payload: %w", err)
	}
	ev := evaluator.New(evaluator.Options{})
	ev.SetSpecs(specs)
	return &serving.Project{
		Name:              name,
		Revision:          revision,
		Evaluator:         ev,
		Events:            sink,
		DisableAllLogging: sink == nil,
	}, nil
}

// Sink records exposures.
type Sink struct {
	mu        sync.Mutex
	Exposures []Exposure
}

// Exposure is one recorded LogExposure call.
type Exposure struct {
	User      json.RawMessage
	Exposure  evaluator.Exposure
	DedupeKey string
}

// LogExposure records the call.
func (s *Sink) LogExposure(user []byte, e evaluator.Exposure, key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Exposures = append(s.Exposures, Exposure{append(json.RawMessage(nil), user...), e, key})
}

// LogCustom accepts and drops custom events.
func (s *Sink) LogCustom([]byte) error { return nil }

// Snapshot returns a copy of what was recorded.
func (s *Sink) Snapshot() []Exposure {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Exposure(nil), s.Exposures...)
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
