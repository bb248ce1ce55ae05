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

// getLayer serves POST /v1/get_layer. The caller receives every parameter, so every
// parameter is exposed (a layer exposure per parameter, docs/semantics.md §2.10.3) unless
// exposure logging is disabled.
func (s *Server) getLayer(w http.ResponseWriter, r *http.Request) {
	p, req, u, ok := s.decodeEval(w, r)
	if !ok {
		return
	}
	names, multi, aerr := names("layerName", req.LayerName, req.LayerNames)
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	expose := !req.exposuresDisabled()
	out := make(map[string]layerResponse, len(names))
	var last layerResponse
	for _, name := range names {
		res := evaluateLayer(p.Evaluator, u.user, name)
		if expose {
			for _, e := range res.exposures() {
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
