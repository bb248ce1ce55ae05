package standin

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
)

// maxControlBody caps a payload posted to the control API.
const maxControlBody = 1 << 30

// serveControl is the curl-friendly control API:
//
//	POST   /_standin/bump                               time += 1000 ms
//	POST   /_standin/payload?format=v2                  body = new payload
//	POST   /_standin/gate?name=X&pass_percentage=N      flip a gate (then bump)
//	POST   /_standin/idlist?name=X&file_id=F&creation_time=T[&append=true]   body = list lines
//	POST   /_standin/fault?route=dcs_v2&kind=500&times=N[&status=429]
//	DELETE /_standin/fault                              clear faults
//	GET    /_standin/stats                              counters
//	GET    /_standin/events                             received events
func (s *Server) serveControl(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	name := q.Get("name") // gate or ID list
	fail := func(code int, err error) { writeJSON(w, code, map[string]any{"error": err.Error()}) }
	switch op := r.Method + " " + r.URL.Path; op {
	case "POST /_standin/bump":
		writeJSON(w, http.StatusOK, map[string]any{timeField: s.Bump()})
	case "POST /_standin/payload":
		f, err := parseFormat(q.Get("format"))
		if err != nil {
			fail(http.StatusBadRequest, err)
			return
		}
		b, err := io.ReadAll(io.LimitReader(r.Body, maxControlBody))
		if err == nil {
			err = s.SetPayload(f, b)
		}
		if err != nil {
			fail(http.StatusBadRequest, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"format": f, timeField: s.Time(f), "bytes": len(b)})
	case "POST /_standin/gate":
		pct, err := strconv.ParseFloat(q.Get("pass_percentage"), 64)
		if err != nil || name == "" {
			fail(http.StatusBadRequest, fmt.Errorf("want name=<gate>&pass_percentage=<0-100>"))
			return
		}
		if err := s.SetGate(name, pct); err != nil {
			fail(http.StatusNotFound, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"gate": name, "pass_percentage": pct, timeField: s.Stats().Time})
	case "POST /_standin/idlist":
		b, err := io.ReadAll(io.LimitReader(r.Body, maxControlBody))
		if err != nil || name == "" {
			fail(http.StatusBadRequest, fmt.Errorf("want name=<list> and the list lines as body"))
			return
		}
		if q.Get("append") == "true" {
			if !s.AppendIDList(name, b) {
				fail(http.StatusNotFound, fmt.Errorf("no ID list %q", name))
				return
			}
		} else {
			ct, _ := strconv.ParseInt(q.Get("creation_time"), 10, 64)
			if ct == 0 {
				ct = time.Now().UnixMilli()
			}
			fileID := q.Get("file_id")
			if fileID == "" {
				fileID = strconv.FormatInt(ct, 36)
			}
			s.SetIDList(name, b, fileID, ct)
		}
		writeJSON(w, http.StatusOK, map[string]any{"name": name})
	case "POST /_standin/fault":
		times, _ := strconv.Atoi(q.Get("times"))
		status, _ := strconv.Atoi(q.Get("status"))
		route := Route(q.Get("route"))
		if route == "" {
			route = RouteAll
		}
		if err := s.InjectFault(route, Fault{Kind: FaultKind(q.Get("kind")), Times: times, Status: status}); err != nil {
			fail(http.StatusBadRequest, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"route": route, "kind": q.Get("kind"), "times": times})
	case "DELETE /_standin/fault":
		s.ClearFaults()
		writeJSON(w, http.StatusOK, map[string]any{"cleared": true})
	case "GET /_standin/stats":
		writeJSON(w, http.StatusOK, s.Stats())
	case "GET /_standin/events":
		evs := s.Events()
		out := make([]any, len(evs))
		for i, e := range evs {
			out[i] = e.Raw
		}
		writeJSON(w, http.StatusOK, out)
	default:
		fail(http.StatusNotFound, fmt.Errorf("unknown control request %q", op))
	}
}
