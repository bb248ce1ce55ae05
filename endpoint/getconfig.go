package endpoint

import (
	"bytes"
	"encoding/json"
	"net/http"

	"github.com/statsig-operator/statsig-operator/evaluator"
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

// configOut is what writeConfig encodes as a configResponse.
type configOut struct {
	name      string
	value     json.RawMessage
	ruleID    string
	groupName string
}

func (c configOut) response() configResponse {
	return configResponse{Name: c.name, Value: objectValue(c.value), Group: new(c.ruleID), RuleID: new(c.ruleID),
		GroupName: optStr(c.groupName)}
}

// writeConfig writes c as configResponse encodes; false when its value is not valid JSON.
func writeConfig(buf *bytes.Buffer, c configOut) bool {
	buf.WriteString(`{"name":`)
	writeJSONString(buf, c.name)
	buf.WriteString(`,"value":`)
	if v := c.value; absentValue(v) {
		buf.WriteString("{}") // objectValue's {} for a missing value
	} else if !writeJSONRaw(buf, v) {
		return false
	}
	buf.WriteString(`,"group":`)
	writeJSONString(buf, c.ruleID)
	buf.WriteString(`,"rule_id":`)
	writeJSONString(buf, c.ruleID)
	buf.WriteString(`,"group_name":`)
	writeJSONOrNull(buf, c.groupName)
	buf.WriteByte('}')
	return true
}

// getConfig serves POST /v1/get_config (dynamic configs and experiments, as Statsig's API).
func (s *Server) getConfig(w http.ResponseWriter, r *http.Request) { s.serveConfig(w, r, false) }

// getExperiment serves POST /v1/get_experiment: get_config evaluated as an experiment
// (experimentName or configName), so exposures carry the experiment's fields.
func (s *Server) getExperiment(w http.ResponseWriter, r *http.Request) { s.serveConfig(w, r, true) }

func (s *Server) serveConfig(w http.ResponseWriter, r *http.Request, experiment bool) {
	var body evalRequest
	req := &body
	p, u, ok := s.decodeEval(w, r, req)
	if !ok {
		return
	}
	field, single, list := "configName", req.ConfigName, req.ConfigNames
	if experiment && (req.ExperimentName != "" || req.ExperimentNames != nil) {
		field, single, list = "experimentName", req.ExperimentName, req.ExperimentNames
	}
	var one [1]string
	names, multi, aerr := names(field, single, list, &one)
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	expose := !req.exposuresDisabled() && logsExposures(p)
	var small [4]configOut
	out := small[:0]
	for _, name := range names {
		var res evaluator.ConfigResult
		if experiment {
			res = p.Evaluator.GetExperiment(u.user, name)
		} else {
			res = p.Evaluator.GetConfig(u.user, name)
		}
		if expose {
			logResultExposure(s, p, u, res)
		}
		out = append(out, configOut{name: name, value: res.Value, ruleID: res.RuleID, groupName: res.GroupName})
	}
	kind := "dynamic_config"
	if experiment {
		kind = "experiment"
	}
	s.metrics.evaluations.WithLabelValues(kind).Add(float64(len(names)))
	respond(w, func(buf *bytes.Buffer) bool {
		if !multi {
			return writeConfig(buf, out[len(out)-1])
		}
		return writeByName(buf, out, func(c configOut) string { return c.name }, writeConfig)
	}, func() {
		// A value encoding/json must judge (it answers 500 for invalid JSON, as before).
		if !multi {
			writeJSON(w, http.StatusOK, out[len(out)-1].response())
			return
		}
		m := make(map[string]configResponse, len(out))
		for _, c := range out {
			m[c.name] = c.response()
		}
		writeJSON(w, http.StatusOK, m)
	})
}

// optStr is nil (JSON null) for "".
func optStr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
