package standin

import (
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// FaultKind is a failure the stand-in can produce.
type FaultKind string

// Fault kinds.
const (
	Status500        FaultKind = "500"                // HTTP 500
	Status401        FaultKind = "401"                // HTTP 401
	Status403        FaultKind = "403"                // HTTP 403
	StatusCode       FaultKind = "status"             // HTTP Fault.Status
	Timeout          FaultKind = "timeout"            // no answer until the client gives up
	SlowDrip         FaultKind = "slow_drip"          // 200, body a few bytes per interval
	Truncated        FaultKind = "truncated"          // Content-Length larger than sent, then close
	CorruptJSON      FaultKind = "corrupt_json"       // 200 application/json, invalid JSON
	WrongContentType FaultKind = "wrong_content_type" // 200 text/html error page
	HugeBody         FaultKind = "huge_body"          // 200, a body of Fault.HugeSize made on the fly
)

// Fault describes an injected failure.
type Fault struct {
	Kind FaultKind
	// Times is how many requests it hits; ≤ 0 means until ClearFaults.
	Times int
	// Status is the code for StatusCode faults.
	Status int
	// DripBytes and DripInterval pace SlowDrip (8 bytes every 50 ms by default).
	DripBytes    int
	DripInterval time.Duration
	// HugeSize is the HugeBody size (1 GiB by default).
	HugeSize int64
}

// InjectFault makes the next requests of route (RouteAll: any route but control) fail.
// Route faults take precedence over RouteAll faults; faults of a route apply in order.
func (s *Server) InjectFault(route Route, f Fault) error {
	switch f.Kind {
	case Status500, Status401, Status403, Timeout, SlowDrip, Truncated, CorruptJSON, WrongContentType, HugeBody:
	case StatusCode:
		if f.Status < 100 || f.Status > 999 {
			return fmt.Errorf("standin: fault status %d out of range", f.Status)
		}
	default:
		return fmt.Errorf("standin: unknown fault kind %q", f.Kind)
	}
	if f.DripBytes <= 0 {
		f.DripBytes = 8
	}
	if f.DripInterval <= 0 {
		f.DripInterval = 50 * time.Millisecond
	}
	if f.HugeSize <= 0 {
		f.HugeSize = 1 << 30
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[route] = append(s.faults[route], &f)
	return nil
}

// ClearFaults removes every pending fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = map[Route][]*Fault{}
}

// takeFault consumes one use of the first fault that applies to route.
func (s *Server) takeFault(route Route) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, rt := range []Route{route, RouteAll} {
		q := s.faults[rt]
		if len(q) == 0 {
			continue
		}
		f := *q[0]
		if q[0].Times > 0 {
			q[0].Times--
			if q[0].Times == 0 {
				s.faults[rt] = q[1:]
			}
		}
		s.stats.FaultsServed[string(f.Kind)]++
		return &f
	}
	return nil
}

func (s *Server) serveFault(w http.ResponseWriter, r *http.Request, route Route, f *Fault) {
	switch f.Kind {
	case Status500, Status401, Status403:
		code, _ := strconv.Atoi(string(f.Kind))
		writeFailure(w, code, http.StatusText(code))
	case StatusCode:
		writeFailure(w, f.Status, http.StatusText(f.Status))
	case Timeout:
		select {
		case <-r.Context().Done():
		case <-s.done:
		}
	case SlowDrip:
		s.drip(w, r, s.faultBody(route), f)
	case Truncated:
		body := s.faultBody(route)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(body[:len(body)/2])
		_ = http.NewResponseController(w).Flush()
		if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
			_ = conn.Close()
		}
	case CorruptJSON:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(`{"has_updates":true,"time":1,"feature_gates":{"broken":{"rules":[}`))
	case WrongContentType:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(
			[]byte("<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>\n"),
		)
	case HugeBody:
		s.huge(w, r, f.HugeSize)
	}
}

// faultBody is the body a partial fault cuts: the route's real answer where one exists.
func (s *Server) faultBody(route Route) []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := V2
	if route == RouteDCSV1 {
		f = V1
	}
	if v := s.variants[f]; v != nil && (route == RouteDCSV1 || route == RouteDCSV2 || route == RouteAll) {
		return v.body
	}
	return []byte(
		`{"has_updates":true,"time":1,"feature_gates":{},"dynamic_configs":{},"layer_configs":{},` +
			`"condition_map":{},"experiment_to_layer":{}}`,
	)
}

// drip sends body a few bytes at a time until done, the client leaves or the server closes.
func (s *Server) drip(w http.ResponseWriter, r *http.Request, body []byte, f *Fault) {
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_ = rc.Flush()
	t := time.NewTicker(f.DripInterval)
	defer t.Stop()
	for len(body) > 0 {
		select {
		case <-r.Context().Done():
			return
		case <-s.done:
			return
		case <-t.C:
		}
		n := min(f.DripBytes, len(body))
		if _, err := w.Write(body[:n]); err != nil {
			return
		}
		_ = rc.Flush()
		body = body[n:]
	}
}

// huge streams a syntactically plausible JSON body of size bytes from one reused buffer.
func (s *Server) huge(w http.ResponseWriter, r *http.Request, size int64) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	head := []byte(`{"has_updates":true,"time":1,"feature_gates":{"huge":"`)
	if _, err := w.Write(head); err != nil {
		return
	}
	chunk := make([]byte, 64<<10)
	for i := range chunk {
		chunk[i] = 'a'
	}
	left := size - int64(len(head)) - 3
	for left > 0 {
		if r.Context().Err() != nil {
			return
		}
		n := min(int64(len(chunk)), left)
		if _, err := w.Write(chunk[:n]); err != nil {
			return
		}
		left -= n
	}
	_, _ = w.Write([]byte(`"}}`))
}
