package endpoint

import (
	"net/http"
)

// configResponse is one config or experiment in /v1/get_config's answer; group repeats the
// rule id (deprecated in Statsig's API, kept for old clients).
type configResponse struct {
	Name      string  `json:"name"`
	Value     any     `json:"value"`
	Group     *string `json:"group"`
	RuleID    *string `json:"rule_id"`
	GroupName *string `json:"group_name"`
}

// getConfig serves POST /v1/get_config (dynamic configs and experiments, as Statsig's API).
func (s *Server) getConfig(w http.ResponseWriter, r *http.Request) { s.serveConfig(w, r, false) }

// getExperiment serves POST /v1/get_experiment: get_config evaluated as an experiment
// (experimentName or configName), so exposures carry the experiment's fields.
func (s *Server) getExperiment(w http.ResponseWriter, r *http.Request) { s.serveConfig(w, r, true) }

func (s *Server) serveConfig(w http.ResponseWriter, r *http.Request, experiment bool) {
	p, req, u, ok := s.decodeEval(w, r)
	if !ok {
		return
	}
	field, single, list := "configName", req.ConfigName, req.ConfigNames
	if experiment && (req.ExperimentName != "" || req.ExperimentNames != nil) {
		field, single, list = "experimentName", req.ExperimentName, req.ExperimentNames
	}
	names, multi, aerr := names(field, single, list)
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	expose := !req.exposuresDisabled()
	out := make(map[string]configResponse, len(names))
	var last configResponse
	for _, name := range names {
		var res evaluatedConfig
		if experiment {
			res = fromExperiment(p.Evaluator.GetExperiment(u.user, name))
		} else {
			res = fromConfig(p.Evaluator.GetConfig(u.user, name))
		}
		if expose {
			s.logExposure(p, u, res.exposure)
		}
		c := configResponse{
			Name:      name,
			Value:     res.value,
			Group:     new(res.ruleID),
			RuleID:    new(res.ruleID),
			GroupName: optStr(res.groupName),
		}
		out[name], last = c, c
	}
	kind := "dynamic_config"
	if experiment {
		kind = "experiment"
	}
	s.metrics.evaluations.WithLabelValues(kind).Add(float64(len(names)))
	if multi {
		writeJSON(w, http.StatusOK, out)
		return
	}
	writeJSON(w, http.StatusOK, last)
}
