package endpoint

import (
	"bytes"
	"net/http"
	"slices"
	"strings"
)

// gateResponse is one gate in /v1/check_gate's answer.
type gateResponse struct {
	Name      string  `json:"name"`
	Value     bool    `json:"value"`
	RuleID    *string `json:"rule_id"`
	GroupName *string `json:"group_name"`
}

// gateOut is what writeGate encodes as a gateResponse (GroupName "" is null).
type gateOut struct {
	Name      string
	Value     bool
	RuleID    string
	GroupName string
}

// checkGate serves POST /v1/check_gate. An unknown gate evaluates to false with rule_id ""
// (as Statsig does), and is still exposed.
func (s *Server) checkGate(w http.ResponseWriter, r *http.Request) {
	var body evalRequest
	req := &body
	p, u, ok := s.decodeEval(w, r, req)
	if !ok {
		return
	}
	var one [1]string
	list, multi, aerr := names("gateName", req.GateName, req.GateNames, &one)
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	expose := !req.exposuresDisabled() && logsExposures(p)
	// A few gates fit on the stack; a longer list grows onto the heap.
	var small [4]gateOut
	out := small[:0]
	for _, name := range list {
		res := p.Evaluator.CheckGate(u.user, name)
		if expose {
			logResultExposure(s, p, u, res)
		}
		out = append(out, gateOut{Name: name, Value: res.Value, RuleID: res.RuleID, GroupName: res.GroupName})
	}
	s.metrics.evaluations.WithLabelValues("gate").Add(float64(len(list)))
	respond(w, func(buf *bytes.Buffer) bool {
		if !multi {
			writeGate(buf, out[len(out)-1])
			return true
		}
		writeByName(buf, out, func(g gateOut) string { return g.Name }, writeGate)
		return true
	}, nil)
}

// writeGate writes g as {"name","value","rule_id","group_name"} (group_name null when "").
func writeGate(buf *bytes.Buffer, g gateOut) bool {
	buf.WriteString(`{"name":`)
	writeJSONString(buf, g.Name)
	if g.Value {
		buf.WriteString(`,"value":true,"rule_id":`)
	} else {
		buf.WriteString(`,"value":false,"rule_id":`)
	}
	writeJSONString(buf, g.RuleID)
	buf.WriteString(`,"group_name":`)
	writeJSONOrNull(buf, g.GroupName)
	buf.WriteByte('}')
	return true
}

// writeByName writes list as a JSON object keyed by name, as encoding/json writes a map:
// keys in byte order, a repeated name once with its last value. list is sorted in place.
func writeByName[T any](buf *bytes.Buffer, list []T, name func(T) string, write func(*bytes.Buffer, T) bool) bool {
	slices.SortStableFunc(list, func(a, b T) int { return strings.Compare(name(a), name(b)) })
	buf.WriteByte('{')
	first := true
	for i, v := range list {
		if i+1 < len(list) && name(list[i+1]) == name(v) {
			continue // the map kept the last of equal names
		}
		if !first {
			buf.WriteByte(',')
		}
		first = false
		writeJSONString(buf, name(v))
		buf.WriteByte(':')
		if !write(buf, v) {
			return false
		}
	}
	buf.WriteByte('}')
	return true
}
