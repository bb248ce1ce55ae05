package endpoint

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
)

// logEventRequest is /v1/log_event's body (docs/semantics.md §6.1); events keep every field they arrive with
// so SDK-generated exposure events are forwarded intact.
type logEventRequest struct {
	Events []map[string]json.RawMessage `json:"events"`
	User   json.RawMessage              `json:"user"`
}

var logAccepted = []byte(`{"success":true}`)

// logEvent serves POST /v1/log_event: every event is validated, its user (the event's, else
// the request's) stripped of privateAttributes, its time defaulted to now, and queued on the
// project's sink; 202 {"success":true}. With logging disabled the events are accepted and
// dropped, as an SDK with disable_all_logging would.
func (s *Server) logEvent(w http.ResponseWriter, r *http.Request) {
	p, aerr := s.projectFor(apiKey(r))
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	var req logEventRequest
	if aerr := decodeJSON(w, r, s.opts.MaxBodyBytes, &req, false); aerr != nil {
		writeError(w, aerr)
		return
	}
	if len(req.Events) == 0 {
		writeError(w, badRequest("events must be a non-empty array of event objects"))
		return
	}
	var shared []byte
	if u := bytes.TrimSpace(req.User); len(u) > 0 && !bytes.Equal(u, []byte("null")) {
		if u[0] != '{' {
			writeError(w, badRequest("user must be a JSON object"))
			return
		}
		shared = sanitizeUser(u)
	}
	now := []byte(strconv.FormatInt(s.now().UnixMilli(), 10))
	encoded := make([][]byte, 0, len(req.Events))
	for i, ev := range req.Events {
		b, aerr := normalizeEvent(ev, shared, now)
		if aerr != nil {
			writeError(w, badRequest(fmt.Sprintf("events[%d]: %s", i, aerr.message)))
			return
		}
		encoded = append(encoded, b)
	}
	if p.Events != nil && !p.DisableAllLogging {
		for i, b := range encoded {
			if err := p.Events.LogCustom(b); err != nil {
				msg := fmt.Sprintf("events[%d] and later were not queued: %v", i, err)
				writeJSON(w, http.StatusServiceUnavailable, errorBody{Message: msg})
				return
			}
		}
	}
	writeRawJSON(w, http.StatusAccepted, logAccepted)
}

// normalizeEvent validates one event and returns it ready for the sink.
func normalizeEvent(ev map[string]json.RawMessage, sharedUser, now []byte) ([]byte, *apiError) {
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
	if m := bytes.TrimSpace(ev["metadata"]); len(m) > 0 && m[0] != '{' && !bytes.Equal(m, []byte("null")) {
		return nil, badRequest("metadata must be an object or null")
	}
	if t := bytes.TrimSpace(ev["time"]); len(t) == 0 || bytes.Equal(t, []byte("null")) {
		ev["time"] = now
	} else if _, err := strconv.ParseFloat(scalarString(t), 64); err != nil {
		return nil, badRequest("time must be a number of milliseconds")
	}
	switch u := bytes.TrimSpace(ev["user"]); {
	case len(u) > 0 && u[0] == '{':
		ev["user"] = sanitizeUser(u)
	case len(u) > 0 && !bytes.Equal(u, []byte("null")):
		return nil, badRequest("user must be an object")
	case sharedUser != nil:
		ev["user"] = sharedUser
	default:
		ev["user"] = []byte("{}")
	}
	b, err := json.Marshal(ev)
	if err != nil {
		return nil, badRequest("could not be re-encoded")
	}
	return b, nil
}
