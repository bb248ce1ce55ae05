package endpoint

import (
	"errors"
	"net/http"
)

// healthz answers 200 while the process serves HTTP.
//
//nolint:goconst // JSON field names, spelled as on the wire
func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"status": "ok"})
}

// readyz answers 503 until at least one project is loaded, so a Service sends no traffic to
// a replica that could only answer 401.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	if err := s.ReadyzCheck(r); err != nil {
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"status": "not ready", "reason": err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"status": "ready", "projects": s.reg.Len()})
}

// ReadyzCheck has the signature of controller-runtime's healthz.Checker, so the manager's
// /readyz can include the endpoint.
func (s *Server) ReadyzCheck(_ *http.Request) error {
	if s.reg.Len() == 0 {
		return errors.New("no project loaded yet")
	}
	return nil
}
