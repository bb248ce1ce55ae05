package endpoint

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"

	"github.com/statsig-operator/statsig-operator/evaluator"
	"github.com/statsig-operator/statsig-operator/serving"
)

// logEventRequest is /v1/log_event's body (docs/semantics.md §6.1); events keep every field they arrive with
// so SDK-generated exposure events are forwarded intact.
type logEventRequest struct {
	Events []map[string]json.RawMessage `json:"events"`
	User   json.RawMessage              `json:"user"`
	// StatsigMetadata of a client SDK's batch: its stableID is the users' customIDs.stableID
	// (/v1/rgstr only).
	StatsigMetadata clientMetadata `json:"statsigMetadata"`
}

var logAccepted = []byte(`{"success":true}`)

// logEvent serves POST /v1/log_event: every event is validated, its user (the event's, else
// the request's) stripped of privateAttributes, its time defaulted to now, and queued on the
// project's sink; 202 {"success":true}. With logging disabled the events are accepted and
// dropped, as an SDK with disable_all_logging would.
func (s *Server) logEvent(w http.ResponseWriter, r *http.Request) { s.logEvents(w, r, false) }

// logClientEvents serves /v1/rgstr, where @statsig/js-client sends its event batches: the
// key may be in the query string and the body in the client forms (clientbody.go).
func (s *Server) logClientEvents(w http.ResponseWriter, r *http.Request) { s.logEvents(w, r, true) }

func (s *Server) logEvents(w http.ResponseWriter, r *http.Request, client bool) {
	key := apiKey(r)
	if client {
		key = clientAPIKey(r)
	}
	p, aerr := s.projectFor(key)
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	var req logEventRequest
	if aerr := decodeJSONAs(w, r, s.opts.MaxBodyBytes, &req, false, client); aerr != nil {
		writeError(w, aerr)
		return
	}
	if len(req.Events) == 0 {
		writeError(w, badRequest("events must be a non-empty array of event objects"))
		return
	}
	if client {
		if aerr := attachStableID(&req); aerr != nil {
			writeError(w, aerr)
			return
		}
	}
	var shared []byte
	if u := bytes.TrimSpace(req.User); len(u) > 0 && !bytes.Equal(u, []byte("null")) {
		if u[0] != '{' {
			writeError(w, badRequest("user must be a JSON object"))
			return
		}
		var aerr *apiError
		if shared, aerr = loggedEventUser(p, u); aerr != nil {
			writeError(w, aerr)
			return
		}
	}
	now := []byte(strconv.FormatInt(s.now().UnixMilli(), 10))
	encoded := make([][]byte, 0, len(req.Events))
	for i, ev := range req.Events {
		b, aerr := normalizeEvent(p, ev, shared, now)
		if aerr != nil {
			writeError(w, badRequest(fmt.Sprintf("events[%d]: %s", i, aerr.message)))
			return
		}
		encoded = append(encoded, b)
	}
	// Every event was validated above, so the batch is queued whole or not at all.
	if p.Events != nil && !p.DisableAllLogging {
		for _, b := range encoded {
			if err := p.Events.LogCustom(b); err != nil {
				s.log.Error(err, "A validated event could not be queued")
			}
		}
	}
	writeRawJSON(w, http.StatusAccepted, logAccepted)
}

// attachStableID gives the users of a client SDK's batch the device's stableID, from the
// batch's statsigMetadata, as customIDs.stableID when they have none: Statsig's own intake
// attributes client events to it, and the sink sends its own statsigMetadata upstream.
func attachStableID(req *logEventRequest) *apiError {
	sid := req.StatsigMetadata.stableID()
	if sid == "" {
		return nil
	}
	set := func(u json.RawMessage) (json.RawMessage, *apiError) {
		if u = bytes.TrimSpace(u); len(u) == 0 || u[0] != '{' {
			return u, nil
		}
		b, err := withStableID(u, sid)
		if err != nil {
			return nil, badRequest("user: " + jsonErrorMessage(err))
		}
		return b, nil
	}
	var aerr *apiError
	if req.User, aerr = set(req.User); aerr != nil {
		return aerr
	}
	for i, ev := range req.Events {
		if ev == nil {
			continue
		}
		if ev["user"], aerr = set(ev["user"]); aerr != nil {
			return badRequest(fmt.Sprintf("events[%d]: %s", i, aerr.message))
		}
	}
	return nil
}

// normalizeEvent validates one event and returns it ready for the sink.
func normalizeEvent(p *serving.Project, ev map[string]json.RawMessage, sharedUser, now []byte) ([]byte, *apiError) {
	if ev == nil {
		return nil, badRequest("must be an object")
	}
	var name string
	if err := json.Unmarshal(ev["eventName"], &name); err != nil || name == "" {
		return nil, badRequest("eventName must be a non-empty string")
	}
	if v := bytes.TrimSpace(ev["value"]); len(v) > 0 && v[0] != '"' && v[0] != 'n' && scalarString(v) == "" {
		return nil, badRequest("value must be a string, a number or null")
	}
	if m := bytes.TrimSpace(ev["metadata"]); len(m) > 0 && !bytes.Equal(m, []byte("null")) {
		md, aerr := stringMetadata(m)
		if aerr != nil {
			return nil, aerr
		}
		ev["metadata"] = md
	}
	if t := bytes.TrimSpace(ev["time"]); len(t) == 0 || bytes.Equal(t, []byte("null")) {
		ev["time"] = now
	} else if ms, err := strconv.ParseFloat(scalarString(t), 64); err != nil || ms < 0 || ms > 1e15 {
		return nil, badRequest("time must be a number of milliseconds (or a string of one)")
	} else {
		ev["time"] = []byte(strconv.FormatInt(int64(ms), 10))
	}
	switch u := bytes.TrimSpace(ev["user"]); {
	case len(u) > 0 && u[0] == '{':
		logged, aerr := loggedEventUser(p, u)
		if aerr != nil {
			return nil, aerr
		}
		ev["user"] = logged
	case len(u) > 0 && !bytes.Equal(u, []byte("null")):
		return nil, badRequest("user must be an object")
	case sharedUser != nil:
		ev["user"] = sharedUser
	default:
		ev["user"] = []byte("{}")
	}
	// Server Core sends custom events with both fields null.
	for _, k := range [...]string{"secondaryExposures", "statsigMetadata"} {
		if _, ok := ev[k]; !ok {
			ev[k] = json.RawMessage("null")
		}
	}
	b, err := json.Marshal(ev)
	if err != nil {
		return nil, badRequest("could not be re-encoded")
	}
	return b, nil
}

// stringMetadata renders event metadata as Statsig takes it, an object of strings, the way the
// SDKs stringify other values: numbers and booleans as their JSON text, objects and arrays as
// compact JSON; null values are left out.
func stringMetadata(raw []byte) ([]byte, *apiError) {
	if raw[0] != '{' {
		return nil, badRequest("metadata must be an object or null")
	}
	var md map[string]json.RawMessage
	if err := json.Unmarshal(raw, &md); err != nil {
		return nil, badRequest("metadata: " + jsonErrorMessage(err))
	}
	out := make(map[string]string, len(md))
	for k, v := range md {
		switch v = bytes.TrimSpace(v); {
		case bytes.Equal(v, []byte("null")):
		case v[0] == '"':
			var s string
			if err := json.Unmarshal(v, &s); err != nil {
				return nil, badRequest("metadata: " + jsonErrorMessage(err))
			}
			out[k] = s
		default:
			var buf bytes.Buffer
			if err := json.Compact(&buf, v); err != nil {
				return nil, badRequest("metadata: " + jsonErrorMessage(err))
			}
			out[k] = buf.String()
		}
	}
	b, err := json.Marshal(out)
	if err != nil {
		return nil, badRequest("metadata could not be re-encoded")
	}
	return b, nil
}

// loggedEventUser is an event's user as Server Core logs it (docs/semantics.md §4.2): the
// Statsig user fields only, the project's environment tier and global custom fields added.
func loggedEventUser(p *serving.Project, raw []byte) ([]byte, *apiError) {
	u, err := evaluator.DecodeUser(bytes.Clone(raw))
	if err != nil {
		return nil, badRequest("user: " + jsonErrorMessage(err))
	}
	return p.Evaluator.LoggedUser(u), nil
}
