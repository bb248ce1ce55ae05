package endpoint

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
)

// ofrepSuccess is an OFREP evaluation result.
type ofrepSuccess struct {
	Key      string         `json:"key"`
	Value    any            `json:"value"`
	Reason   string         `json:"reason"`
	Variant  string         `json:"variant,omitempty"`
	Metadata map[string]any `json:"metadata,omitempty"`
}

// OFREP error codes (the errorCode of a failure).
const (
	ofrepGeneral             = "GENERAL"
	ofrepParseError          = "PARSE_ERROR"
	ofrepFlagNotFound        = "FLAG_NOT_FOUND"
	ofrepTargetingKeyMissing = "TARGETING_KEY_MISSING"
	ofrepInvalidContext      = "INVALID_CONTEXT"
)

// ofrepFailure is an OFREP per-flag error.
type ofrepFailure struct {
	Key          string `json:"key,omitempty"`
	ErrorCode    string `json:"errorCode"`
	ErrorDetails string `json:"errorDetails,omitempty"`
}

// exposureLoggingDisabledHeader, set to "true", evaluates an OFREP flag without an exposure.
const exposureLoggingDisabledHeader = "Statsig-Exposure-Logging-Disabled"

// ofrepEvaluate serves POST /ofrep/v1/evaluate/flags/{key}: one flag for a dynamic context,
// exposed like the Statsig API's calls. Auth: statsig-api-key, X-API-Key or
// Authorization: Bearer <key>.
func (s *Server) ofrepEvaluate(w http.ResponseWriter, r *http.Request) {
	key := r.PathValue("key")
	p, aerr := s.projectFor(apiKey(r))
	if aerr != nil {
		writeJSON(w, aerr.status, ofrepFailure{ErrorCode: ofrepGeneral, ErrorDetails: aerr.message})
		return
	}
	u, oerr := s.decodeOFREP(w, r)
	if oerr != nil {
		writeJSON(w, oerr.status, ofrepFailure{Key: key, ErrorCode: oerr.code, ErrorDetails: oerr.details})
		return
	}
	// OFREP requests carry only a context: a header asks for no exposure, as the HTTP API's
	// statsigMetadata.exposureLoggingDisabled does.
	expose := !strings.EqualFold(r.Header.Get(exposureLoggingDisabledHeader), "true")
	kind := flagKind(p, key)
	if kind == "" {
		if store, param, ok := paramFlag(p, key); ok {
			if res, ok := s.evaluateParamFlag(p, u, key, store, param, expose); ok {
				writeJSON(w, http.StatusOK, res)
				return
			}
			writeJSON(w, http.StatusNotFound, ofrepFailure{Key: truncate(key, maxNameLen), ErrorCode: ofrepFlagNotFound,
				ErrorDetails: "the parameter has no value for this context (its config or layer has no such parameter)"})
			return
		}
		writeJSON(w, http.StatusNotFound, ofrepFailure{Key: truncate(key, maxNameLen), ErrorCode: ofrepFlagNotFound,
			ErrorDetails: "no gate, dynamic config, experiment, layer or parameter-store parameter " +
				"(<store>.<param>) of that name in this project"})
		return
	}
	f := s.evaluateOFREP(p, u, key, kind, expose)
	respond(w, func(buf *bytes.Buffer) bool { return writeOFREPFlag(buf, f) },
		func() { writeJSON(w, http.StatusOK, f.success()) })
}

// decodeOFREP reads {"context": {...}} and maps the context to a Statsig user.
func (s *Server) decodeOFREP(w http.ResponseWriter, r *http.Request) (*evalUser, *ofrepError) {
	return s.decodeOFREPBody(w, r, nil)
}

// decodeOFREPBody is decodeOFREP, calling before (when set) with the body first: when it
// returns true, no user is built (nil, nil).
func (s *Server) decodeOFREPBody(w http.ResponseWriter, r *http.Request, before func(body []byte) bool,
) (*evalUser, *ofrepError) {
	var u *evalUser
	var oerr *ofrepError
	aerr := decodeBodyWith(w, r, s.opts.MaxBodyBytes, false, false, func(data []byte) error {
		if before != nil && before(data) {
			return nil
		}
		ctx, ok := fastOFREPContext(data) // a view of data: the user is built before it is reused
		if !ok {
			var req ofrepRequest
			if err := json.Unmarshal(data, &req); err != nil {
				return err
			}
			ctx = req.Context
		}
		u, oerr = userFromContext(ctx)
		return nil
	})
	if aerr != nil {
		code := ofrepGeneral
		if aerr.status == http.StatusBadRequest {
			code = ofrepParseError
		}
		return nil, &ofrepError{aerr.status, code, aerr.message}
	}
	return u, oerr
}

// ofrepReason is OpenFeature's reason for a Statsig result: DISABLED for a disabled spec,
// DEFAULT when no rule matched (the pre-configured default value), SPLIT when the matched
// rule assigns users pseudorandomly (an experiment group or a partial rollout), and
// TARGETING_MATCH for any other matched rule.
func ofrepReason(ruleID string, split bool) string {
	switch {
	case ruleID == "disabled":
		return "DISABLED"
	case ruleID == "default" || ruleID == "":
		return "DEFAULT"
	case split:
		return "SPLIT"
	}
	return "TARGETING_MATCH"
}
