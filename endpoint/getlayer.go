package endpoint

import (
	"net/http"
)

// layerResponse is one layer in /v1/get_layer's answer.
type layerResponse struct {
	Name                    string  `json:"name"`
	Value                   any     `json:"value"`
	RuleID                  *string `json:"ruleID"`
	GroupName               *string `json:"group_name"`
	AllocatedExperimentName *string `json:"allocatedExperimentName"`
}

// getLayer serves POST /v1/get_layer. Server Core exposes a layer parameter when it is read
// (docs/semantics.md §2.10.3); the caller receives every parameter, so it says which it reads
// in parameterNames (only those are exposed; [] exposes none, for a later /v1/log_exposure).
// Without parameterNames every parameter is exposed, as if all were read.
func (s *Server) getLayer(w http.ResponseWriter, r *http.Request) {
	var body evalRequest
	req := &body
	p, u, ok := s.decodeEval(w, r, req)
	if !ok {
		return
	}
	var one [1]string
	names, multi, aerr := names("layerName", req.LayerName, req.LayerNames, &one)
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	var params []string
	if req.ParameterNames != nil {
		params = *req.ParameterNames
		for _, n := range params {
			if aerr := checkName("parameterNames", n); aerr != nil {
				writeError(w, aerr)
				return
			}
		}
	}
	expose := !req.exposuresDisabled()
	out := make(map[string]layerResponse, len(names))
	var last layerResponse
	for _, name := range names {
		res := evaluateLayer(p.Evaluator, u.user, name)
		if expose {
			exps := res.exposures()
			if req.ParameterNames != nil {
				exps = res.exposuresOf(params)
			}
			for _, e := range exps {
				s.logExposure(p, u, e)
			}
		}
		l := layerResponse{
			Name:                    name,
			Value:                   res.value,
			RuleID:                  new(res.ruleID),
			GroupName:               optStr(res.groupName),
			AllocatedExperimentName: optStr(res.allocated),
		}
		out[name], last = l, l
	}
	s.metrics.evaluations.WithLabelValues("layer").Add(float64(len(names)))
	if multi {
		writeJSON(w, http.StatusOK, out)
		return
	}
	writeJSON(w, http.StatusOK, last)
}
