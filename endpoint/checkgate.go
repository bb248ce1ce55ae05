package endpoint

import (
	"net/http"
)

// gateResponse is one gate in /v1/check_gate's answer.
type gateResponse struct {
	Name      string  `json:"name"`
	Value     bool    `json:"value"`
	RuleID    *string `json:"rule_id"`
	GroupName *string `json:"group_name"`
}

// checkGate serves POST /v1/check_gate. An unknown gate evaluates to false with rule_id ""
// (as Statsig does), and is still exposed.
func (s *Server) checkGate(w http.ResponseWriter, r *http.Request) {
	p, req, u, ok := s.decodeEval(w, r)
	if !ok {
		return
	}
	list, multi, aerr := names("gateName", req.GateName, req.GateNames)
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	expose := !req.exposuresDisabled()
	out := make(map[string]gateResponse, len(list))
	var single gateResponse
	for _, name := range list {
		res := p.Evaluator.CheckGate(u.user, name)
		if expose {
			s.logExposure(p, u, res.Exposure())
		}
		g := gateResponse{Name: name, Value: res.Value, RuleID: new(res.RuleID), GroupName: optStr(res.GroupName)}
		out[name], single = g, g
	}
	s.metrics.evaluations.WithLabelValues("gate").Add(float64(len(list)))
	if multi {
		writeJSON(w, http.StatusOK, out)
		return
	}
	writeJSON(w, http.StatusOK, single)
}

// optStr is nil (JSON null) for "".
func optStr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
