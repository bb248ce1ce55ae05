package standin

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Rule and condition ids the stand-in writes when it flips a gate.
const (
	flipRuleID      = "standinPublicRule"
	flipConditionID = "standin_public_"
)

// SetGate rewrites the named gate, in every loaded format that has it, to one public rule
// with passPercentage (0–100), enables it, and bumps the time — like editing the gate in
// the Statsig console. It fails when no loaded payload has the gate.
func (s *Server) SetGate(name string, passPercentage float64) error {
	if passPercentage < 0 || passPercentage > 100 {
		return fmt.Errorf("standin: pass percentage %v out of range 0-100", passPercentage)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	next := map[Format]*variant{}
	for f, v := range s.variants {
		raw, found, err := rewriteGate(v.body, f, name, passPercentage)
		if err != nil {
			return fmt.Errorf("standin: %s payload: %w", f, err)
		}
		if !found {
			continue
		}
		nv, err := newVariant(raw)
		if err != nil {
			return fmt.Errorf("standin: %s payload after rewrite: %w", f, err)
		}
		nv.origChecksum = v.origChecksum
		nv.origTime = v.origTime
		next[f] = nv
	}
	if len(next) == 0 {
		return fmt.Errorf("standin: gate %q not found in any loaded payload", name)
	}
	for f, v := range s.variants {
		if nv := next[f]; nv != nil {
			nv.render(v.time)
			s.variants[f] = nv
		}
	}
	s.bumpLocked()
	return nil
}

// rewriteGate returns payload with gate name replaced by a single public rule.
func rewriteGate(payload []byte, f Format, name string, pct float64) ([]byte, bool, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(payload, &top); err != nil {
		return nil, false, err
	}
	switch f {
	case V2:
		var gates map[string]json.RawMessage
		if err := json.Unmarshal(top["feature_gates"], &gates); err != nil || gates[name] == nil {
			return nil, false, nil
		}
		spec, idType, err := flipSpec(gates[name], pct, func(idType string) any { return []string{flipConditionID + idType} })
		if err != nil {
			return nil, false, err
		}
		gates[name] = spec
		var conds map[string]json.RawMessage
		_ = json.Unmarshal(top["condition_map"], &conds)
		if conds == nil {
			conds = map[string]json.RawMessage{}
		}
		cond, _ := marshal(publicCondition(idType))
		conds[flipConditionID+idType] = cond
		if top["feature_gates"], err = marshal(gates); err != nil {
			return nil, false, err
		}
		if top["condition_map"], err = marshal(conds); err != nil {
			return nil, false, err
		}
	case V1:
		var gates []json.RawMessage
		if err := json.Unmarshal(top["feature_gates"], &gates); err != nil {
			return nil, false, nil
		}
		found := false
		for i, g := range gates {
			var head struct {
				Name string `json:"name"`
			}
			if json.Unmarshal(g, &head) != nil || head.Name != name {
				continue
			}
			spec, _, err := flipSpec(g, pct, func(idType string) any { return []any{publicCondition(idType)} })
			if err != nil {
				return nil, false, err
			}
			gates[i], found = spec, true
		}
		if !found {
			return nil, false, nil
		}
		var err error
		if top["feature_gates"], err = marshal(gates); err != nil {
			return nil, false, err
		}
	default:
		return nil, false, errors.New("unknown format")
	}
	out, err := marshal(top)
	return out, err == nil, err
}

// flipSpec replaces a spec's rules by one public rule; conditions builds the rule's
// conditions for the spec's unit type.
func flipSpec(raw json.RawMessage, pct float64, conditions func(idType string) any) (json.RawMessage, string, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var spec map[string]any
	if err := dec.Decode(&spec); err != nil {
		return nil, "", fmt.Errorf("gate spec: %w", err)
	}
	idType, _ := spec["idType"].(string)
	if strings.TrimSpace(idType) == "" {
		idType = "userID"
	}
	spec["enabled"] = true
	spec["rules"] = []any{map[string]any{
		"name": "standin public", "id": flipRuleID, "salt": flipRuleID, "passPercentage": pct,
		"conditions": conditions(idType), "returnValue": true, "idType": idType,
	}}
	out, err := marshal(spec)
	return out, idType, err
}

func publicCondition(idType string) map[string]any {
	return map[string]any{
		"type":             "public",
		"targetValue":      nil,
		"operator":         nil,
		"field":            nil,
		"additionalValues": nil,
		"idType":           idType,
	}
}

// marshal encodes without HTML escaping and without the trailing newline.
func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}
