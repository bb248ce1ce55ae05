package standin

import (
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"strconv"
	"strings"
)

// Stats are the counters served by GET /_standin/stats.
type Stats struct {
	Requests         map[string]int   `json:"requests"`
	FullPayloads     map[string]int   `json:"full_payloads"`
	NoUpdates        int              `json:"no_updates"`
	BytesSent        map[string]int64 `json:"bytes_sent"`
	FaultsServed     map[string]int   `json:"faults_served"`
	LogEventRequests int              `json:"log_event_requests"`
	EventsReceived   int              `json:"events_received"`
	Time             map[string]int64 `json:"time"`
}

func newStats() Stats {
	return Stats{
		Requests:     map[string]int{},
		FullPayloads: map[string]int{},
		BytesSent:    map[string]int64{},
		FaultsServed: map[string]int{},
		Time:         map[string]int64{},
	}
}

// Stats returns a copy of the counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := newStats()
	maps.Copy(out.Requests, s.stats.Requests)
	maps.Copy(out.FullPayloads, s.stats.FullPayloads)
	maps.Copy(out.BytesSent, s.stats.BytesSent)
	maps.Copy(out.FaultsServed, s.stats.FaultsServed)
	out.NoUpdates = s.stats.NoUpdates
	out.LogEventRequests = s.stats.LogEventRequests
	out.EventsReceived = s.stats.EventsReceived
	for f, v := range s.variants {
		out.Time[string(f)] = v.time
	}
	return out
}

// dcsHandler serves config specs: {"has_updates":false} when the client's sinceTime is
// current or its checksum matches, else the full payload (gzip when accepted).
func (s *Server) dcsHandler(f Format) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		since, _ := strconv.ParseInt(r.URL.Query().Get("sinceTime"), 10, 64)
		checksum := r.URL.Query().Get("checksum")
		if r.Method == http.MethodPost {
			// legacy clients POST {"sinceTime": N}
			var b struct {
				SinceTime int64 `json:"sinceTime"`
			}
			if raw, err := io.ReadAll(io.LimitReader(r.Body, 1<<20)); err == nil && len(raw) > 0 &&
				json.Unmarshal(raw, &b) == nil &&
				b.SinceTime > since {
				since = b.SinceTime
			}
		}
		s.mu.Lock()
		v := s.variants[f]
		if v == nil {
			s.mu.Unlock()
			writeJSON(w, http.StatusNotFound, map[string]any{"message": errNoPayload.Error()})
			return
		}
		if since >= v.time || (checksum != "" && checksum == v.checksum) {
			s.stats.NoUpdates++
			s.mu.Unlock()
			writeJSON(w, http.StatusOK, map[string]any{"has_updates": false})
			return
		}
		body, enc := v.body, ""
		if acceptsGzip(r) {
			body, enc = v.gzipped(), encodingGzip
		}
		s.stats.FullPayloads[string(f)]++
		s.stats.BytesSent[string(f)] += int64(len(body))
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if enc != "" {
			w.Header().Set("Content-Encoding", enc)
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		_, _ = w.Write(body)
	}
}

func acceptsGzip(r *http.Request) bool {
	for part := range strings.SplitSeq(r.Header.Get("Accept-Encoding"), ",") {
		name, _, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(name, encodingGzip) {
			return true
		}
	}
	return false
}

// encodingGzip is the gzip Content-Encoding, the one compression the CDN serves.
const encodingGzip = "gzip"

// writeFailure answers like the Statsig API does when it refuses a request.
func writeFailure(w http.ResponseWriter, code int, message string) {
	writeJSON(w, code, map[string]any{"success": false, "message": message})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(code)
	_, _ = w.Write(b)
}
