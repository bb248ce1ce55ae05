package endpoint

import (
	"net/http"

	"github.com/statsig-operator/statsig-operator/evaluator"
)

// logExposure serves POST /v1/log_exposure: Server Core's manual exposures
// (manuallyLogGateExposure and its config, experiment and layer-parameter siblings). The
// caller evaluated earlier with exposures off (statsigMetadata.exposureLoggingDisabled, or
// get_layer's parameterNames: []) and now uses the result: the entity is evaluated again
// for the user with the current revision and its exposure logged with isManualExposure,
// de-duplicated like any other. Body: user and one of gateName, configName, experimentName,
// or layerName with parameterName.
func (s *Server) logManualExposure(w http.ResponseWriter, r *http.Request) {
	p, req, u, ok := s.decodeEval(w, r)
	if !ok {
		return
	}
	exp, aerr := manualExposure(p.Evaluator, u.user, req)
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	if exp != nil {
		exp.Metadata["isManualExposure"] = "true"
		s.logExposure(p, u, exp.Manual())
	}
	writeRawJSON(w, http.StatusAccepted, logAccepted)
}

// manualExposure evaluates the one entity req names; nil when a layer parameter does not
// exist (nothing to expose, as in Server Core).
func manualExposure(ev *evaluator.Evaluator, u *evaluator.User, req *evalRequest) (*evaluator.Exposure, *apiError) {
	set := 0
	for _, n := range []string{req.GateName, req.ConfigName, req.ExperimentName, req.LayerName} {
		if n != "" {
			set++
		}
	}
	if set != 1 {
		return nil, badRequest("send exactly one of gateName, configName, experimentName and layerName")
	}
	var exp evaluator.Exposure
	switch {
	case req.GateName != "":
		if aerr := checkName("gateName", req.GateName); aerr != nil {
			return nil, aerr
		}
		exp = ev.CheckGate(u, req.GateName).Exposure()
	case req.ConfigName != "":
		if aerr := checkName("configName", req.ConfigName); aerr != nil {
			return nil, aerr
		}
		exp = ev.GetConfig(u, req.ConfigName).Exposure()
	case req.ExperimentName != "":
		if aerr := checkName("experimentName", req.ExperimentName); aerr != nil {
			return nil, aerr
		}
		exp = ev.GetExperiment(u, req.ExperimentName).Exposure()
	default:
		if aerr := checkName("layerName", req.LayerName); aerr != nil {
			return nil, aerr
		}
		if aerr := checkName("parameterName", req.ParameterName); aerr != nil {
			return nil, badRequest("a layer exposure needs parameterName: " + aerr.message)
		}
		e, ok := ev.GetLayer(u, req.LayerName).ParameterExposure(req.ParameterName)
		if !ok {
			return nil, nil
		}
		exp = e
	}
	return &exp, nil
}
