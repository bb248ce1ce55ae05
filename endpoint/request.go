package endpoint

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"unsafe"

	"github.com/statsig-operator/statsig-operator/evaluator"
	"github.com/statsig-operator/statsig-operator/serving"
)

// maxNameLen bounds entity names in requests; Statsig names are far shorter.
const maxNameLen = 256

// evalRequest is the body shared by the Statsig HTTP API's evaluating calls (docs/semantics.md §6.1).
type evalRequest struct {
	GateName        string   `json:"gateName"`
	GateNames       []string `json:"gateNames"`
	ConfigName      string   `json:"configName"`
	ConfigNames     []string `json:"configNames"`
	ExperimentName  string   `json:"experimentName"`
	ExperimentNames []string `json:"experimentNames"`
	LayerName       string   `json:"layerName"`
	LayerNames      []string `json:"layerNames"`
	// ParameterNames, on get_layer, are the parameters the caller reads: only those are
	// exposed (absent: every parameter of the value).
	ParameterNames *[]string `json:"parameterNames"`
	// ParameterName, on log_exposure, is the layer parameter read.
	ParameterName   string          `json:"parameterName"`
	User            json.RawMessage `json:"user"`
	StatsigMetadata *struct {
		ExposureLoggingDisabled bool `json:"exposureLoggingDisabled"`
	} `json:"statsigMetadata"`
}

func (r *evalRequest) exposuresDisabled() bool {
	return r.StatsigMetadata != nil && r.StatsigMetadata.ExposureLoggingDisabled
}

// names returns the requested names (single or list form) and whether the list form was
// used, which selects the map-shaped response. The single form is returned in one, the
// caller's array (no allocation).
func names(field, single string, list []string, one *[1]string) ([]string, bool, *apiError) {
	switch {
	case single != "" && list != nil:
		return nil, false, badRequest(fmt.Sprintf("send either %s or %ss, not both", field, field))
	case list != nil:
		if len(list) == 0 {
			return nil, false, badRequest(field + "s must not be empty")
		}
		for _, n := range list {
			if !validName(n) {
				return nil, false, checkName(field+"s", n) // the plural is built only for the error
			}
		}
		return list, true, nil
	case single == "":
		return nil, false, badRequest(fmt.Sprintf("%s is required (or %ss for several)", field, field))
	}
	if err := checkName(field, single); err != nil {
		return nil, false, err
	}
	one[0] = single
	return one[:], false, nil
}

func validName(n string) bool { return n != "" && len(n) <= maxNameLen }

func checkName(field, n string) *apiError {
	if !validName(n) {
		return badRequest(fmt.Sprintf("%s must hold names of 1 to %d characters", field, maxNameLen))
	}
	return nil
}

// evalUser is a request's Statsig user, ready for evaluation and logging.
type evalUser struct {
	user *evaluator.User // &decoded: one allocation holds both
	raw  []byte
	// logged is the user as exposures log it (privateAttributes removed), built on first use.
	logged []byte
	// ident is identity's value once computed (hasIdent), in identBuf when it fits.
	ident    string
	hasIdent bool
	identBuf [96]byte
	decoded  evaluator.User
}

// identity identifies the user for exposure dedupe (docs/semantics.md §4.4): userID and
// custom IDs. It is rendered on first use: requests that log nothing never need it.
func (u *evalUser) identity() string {
	if !u.hasIdent {
		b := appendIdentity(u.identBuf[:0], u.user) // u is on the heap already: no allocation
		u.ident = unsafe.String(unsafe.SliceData(b), len(b))
		u.hasIdent = true
	}
	return u.ident
}

// loggedUser is the user as exposures log it with the project's options (environment tier,
// global custom fields; docs/semantics.md §4.2), computed once per request.
func (u *evalUser) loggedUser(e *evaluator.Evaluator) []byte {
	if u.logged == nil {
		u.logged = e.LoggedUser(u.user)
	}
	return u.logged
}

// parseUser decodes a public Statsig user object; a user needs a userID or a custom ID.
func parseUser(raw json.RawMessage) (*evalUser, *apiError) { return parseUserAs(raw, false) }

// parseAnyUser is parseUser for routes that log nothing (client initialize responses): a user
// without any ID is evaluated as Server Core evaluates it (every ID empty).
func parseAnyUser(raw json.RawMessage) (*evalUser, *apiError) { return parseUserAs(raw, true) }

func parseUserAs(raw json.RawMessage, anonymous bool) (*evalUser, *apiError) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return nil, badRequest("user is required: send a Statsig user object with a userID or customIDs")
	}
	if raw[0] != '{' {
		return nil, badRequest("user must be a JSON object")
	}
	// raw is the request's own copy, which the user keeps (its strings are views of it).
	// Every caller's raw is valid JSON already (a span the request decoders validated, or
	// json.Marshal's output: checkDecoder and checkContext assert it), so it is not
	// validated a second time.
	eu := &evalUser{raw: raw}
	u := &eu.decoded
	eu.user = u
	if err := evaluator.DecodeValidUserInto(u, raw); err != nil {
		return nil, badRequest("user: " + jsonErrorMessage(err))
	}
	if aerr := checkIDs(u); aerr != nil {
		return nil, aerr
	}
	if anonymous && u.UserID.IsMissing() && u.CustomIDs == nil {
		// Server Core's StatsigUser constructor gives a user with neither field userID "",
		// which the client initialize response's user then carries.
		if err := evaluator.DecodeValidUserInto(u, withEmptyUserID(raw)); err != nil {
			return nil, badRequest("user: " + jsonErrorMessage(err))
		}
	}
	if !anonymous && !hasID(u) {
		return nil, badRequest("user needs a non-empty userID or at least one non-empty customIDs entry")
	}
	return eu, nil
}

// hasID: the user has a non-empty userID or custom ID (identityOf's ok, without rendering).
func hasID(u *evaluator.User) bool {
	if u.UserID.IDString() != "" {
		return true
	}
	for _, v := range u.CustomIDs {
		if v.IDString() != "" {
			return true
		}
	}
	return false
}

// withEmptyUserID returns the user object raw (a JSON object) with "userID":"" first.
func withEmptyUserID(raw []byte) []byte {
	body := bytes.TrimSpace(raw[1:])
	out := make([]byte, 0, len(raw)+16)
	out = append(out, `{"userID":""`...)
	if len(body) > 0 && body[0] != '}' {
		out = append(out, ',')
	}
	return append(out, body...)
}

// Bounds on a user's IDs: what one request may make the exposure pipeline hold.
const (
	maxIDLen       = 1024
	maxCustomIDs   = 64
	idTooLongError = "user IDs are limited to %d bytes (%s has %d)"
)

// checkIDs refuses IDs longer than maxIDLen and more than maxCustomIDs custom IDs.
func checkIDs(u *evaluator.User) *apiError {
	if n := len(u.UserID.IDString()); n > maxIDLen {
		return badRequest(fmt.Sprintf(idTooLongError, maxIDLen, "userID", n))
	}
	if len(u.CustomIDs) > maxCustomIDs {
		return badRequest(fmt.Sprintf("customIDs holds %d IDs; at most %d are accepted", len(u.CustomIDs), maxCustomIDs))
	}
	for k, v := range u.CustomIDs {
		if n := len(v.IDString()); n > maxIDLen {
			return badRequest(fmt.Sprintf(idTooLongError, maxIDLen, "customIDs."+truncate(k, 64), n))
		}
	}
	return nil
}

// appendIdentity appends the user's userID and sorted custom IDs (strings and numbers only)
// to dst: exposure de-duplication keys on it (docs/semantics.md §4.4).
func appendIdentity(dst []byte, u *evaluator.User) []byte {
	dst = append(dst, "u:"...)
	dst = append(dst, u.UserID.IDString()...)
	if len(u.CustomIDs) > 0 {
		keys := make([]string, 0, len(u.CustomIDs))
		for k := range u.CustomIDs {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			v := u.CustomIDs[k].IDString()
			if v == "" {
				continue
			}
			dst = append(dst, ';')
			dst = append(dst, k...)
			dst = append(dst, ':')
			dst = append(dst, v...)
		}
	}
	return dst
}

// scalarString is the string form of a JSON string or number ("" for anything else);
// SDKs coerce numeric IDs the same way.
func scalarString(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return ""
	}
	switch raw[0] {
	case '"':
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return s
		}
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		if f, err := strconv.ParseFloat(string(raw), 64); err == nil {
			return strconv.FormatFloat(f, 'f', -1, 64)
		}
	}
	return ""
}

// decodeEval reads an evaluating request into req and resolves its project and user.
func (s *Server) decodeEval(w http.ResponseWriter, r *http.Request, req *evalRequest,
) (*serving.Project, *evalUser, bool) {
	p, aerr := s.projectFor(apiKey(r))
	if aerr != nil {
		writeError(w, aerr)
		return nil, nil, false
	}
	aerr = decodeBodyWith(w, r, s.opts.MaxBodyBytes, false, false,
		func(data []byte) error { return decodeEvalRequest(data, req) })
	if aerr != nil {
		writeError(w, aerr)
		return nil, nil, false
	}
	u, aerr := parseUser(req.User)
	if aerr != nil {
		writeError(w, aerr)
		return nil, nil, false
	}
	return p, u, true
}
