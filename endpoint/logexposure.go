package endpoint

import (
	"net/http"
	"strconv"

	"github.com/statsig-operator/statsig-operator/evaluator"
)

// logManualExposure serves POST /v1/log_exposure: Server Core's manual exposures
// (manuallyLogGateExposure and its config, experiment and layer-parameter siblings). The
// caller evaluated earlier with exposures off (statsigMetadata.exposureLoggingDisabled, or
// get_layer's parameterNames: []) and now uses the result: the entity is evaluated again
// for the user with the current revision and its exposure logged with isManualExposure,
// de-duplicated as Server Core does it (DedupeIdentity). Body: user and one of gateName,
// configName, experimentName, or layerName with parameterName.
func (s *Server) logManualExposure(w http.ResponseWriter, r *http.Request) {
	var body evalRequest
	req := &body
	p, u, ok := s.decodeEval(w, r, req)
	if !ok {
		return
	}
	exp, aerr := manualExposure(p.Evaluator, u.user, req)
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	// Keyed as Server Core 0.23.2 keys a manual exposure (observed): a gate's without the
	// unit ID (DedupeIdentity), the others as the automatic exposure of the same result.
	key := exp.DedupeKey(exp.DedupeIdentity(u.identity(), u.user, req.GateName != ""))
	if req.ExperimentName != "" {
		delete(exp.Metadata, "rulePassed") // Server Core's manual experiment exposures have none
	}
	exp.Metadata["isManualExposure"] = "true"
	s.logExposureKeyed(p, u, exp.Manual(), key) // Manual: sampled as Server Core samples manual exposures
	writeRawJSON(w, http.StatusAccepted, logAccepted)
}

// manualExposure evaluates the one entity req names. A layer parameter is exposed whether or
// not the layer's value holds it, as Server Core's manual exposure does.
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
		r := ev.GetExperiment(u, req.ExperimentName)
		exp = r.Exposure()
		// Server Core keys a manual experiment exposure by whether the user is in the
		// experiment (not rulePassed, which it does not send): rulePassed carries that for the
		// key only and is removed before sending.
		exp.Metadata["rulePassed"] = strconv.FormatBool(r.IsUserInExperiment)
	default:
		if aerr := checkName("layerName", req.LayerName); aerr != nil {
			return nil, aerr
		}
		if aerr := checkName("parameterName", req.ParameterName); aerr != nil {
			return nil, badRequest("a layer exposure needs parameterName: " + aerr.message)
		}
		exp = ev.GetLayer(u, req.LayerName).ManualParameterExposure(req.ParameterName)
	}
	return &exp, nil
}
