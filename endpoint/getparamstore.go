package endpoint

import (
	"encoding/json"
	"net/http"

	"github.com/statsig-operator/statsig-operator/evaluator"
	"github.com/statsig-operator/statsig-operator/serving"
)

// paramStoreRequest is /v1/get_parameter_store's body.
type paramStoreRequest struct {
	// StoreName or ParameterStoreName names the store (StoreName wins when both are set).
	StoreName          string `json:"storeName"`
	ParameterStoreName string `json:"parameterStoreName"`
	// ParameterNames are the parameters read (absent: every parameter of the store). Each read
	// logs what Server Core's getValue logs.
	ParameterNames *[]string `json:"parameterNames"`
	// Fallbacks are getValue's fallbacks by parameter: a parameter's value is returned only
	// when it has the fallback's JSON type, else the fallback is; without one (or null) any
	// value is returned, and null when there is none.
	Fallbacks       map[string]json.RawMessage `json:"fallbacks"`
	User            json.RawMessage            `json:"user"`
	StatsigMetadata *struct {
		ExposureLoggingDisabled bool `json:"exposureLoggingDisabled"`
	} `json:"statsigMetadata"`
}

// paramStoreResponse is /v1/get_parameter_store's answer: the parameters read, by name.
type paramStoreResponse struct {
	Name  string                     `json:"name"`
	Value map[string]json.RawMessage `json:"value"`
}

// getParameterStore serves POST /v1/get_parameter_store: parameters of a parameter store
// read for a user as Server Core's getParameterStore(user, name).getValue(param, fallback)
// reads them (docs/endpoint.md). An unknown store or parameter answers the fallback (null
// without one) and logs nothing.
func (s *Server) getParameterStore(w http.ResponseWriter, r *http.Request) {
	p, aerr := s.projectFor(apiKey(r))
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	var req paramStoreRequest
	if aerr := decodeJSON(w, r, s.opts.MaxBodyBytes, &req, false); aerr != nil {
		writeError(w, aerr)
		return
	}
	name := req.StoreName
	if name == "" {
		name = req.ParameterStoreName
	}
	if name == "" {
		writeError(w, badRequest("storeName (or parameterStoreName) is required"))
		return
	}
	if aerr := checkName("storeName", name); aerr != nil {
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
	} else if specs := p.Evaluator.Specs(); specs != nil {
		params, _ = specs.ParameterNames(name)
	}
	for n := range req.Fallbacks {
		if aerr := checkName("fallbacks", n); aerr != nil {
			writeError(w, aerr)
			return
		}
	}
	u, aerr := parseUser(req.User)
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	expose := req.StatsigMetadata == nil || !req.StatsigMetadata.ExposureLoggingDisabled
	out := paramStoreResponse{Name: name, Value: make(map[string]json.RawMessage, len(params))}
	for _, param := range params {
		res := p.Evaluator.GetParameter(u.user, name, param, req.Fallbacks[param])
		if expose {
			s.logParameterExposures(p, u, res)
		}
		out.Value[param] = res.Value
	}
	s.metrics.evaluations.WithLabelValues("parameter_store").Add(float64(len(params)))
	writeJSON(w, http.StatusOK, out)
}

// logParameterExposures logs what reading one parameter logs (gate, config or layer parameter
// exposure; nothing for a static value).
func (s *Server) logParameterExposures(p *serving.Project, u *evalUser, res evaluator.ParameterResult) {
	for _, e := range res.Exposures() {
		s.logExposure(p, u, e)
	}
}
