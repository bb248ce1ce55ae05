package endpoint

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
)

// ofrepConfigurationResponse is the configuration answer in the shape OFREP last defined
// before it removed the endpoint (open-feature/protocol #38), plus the event streams that
// ADR-0008 advertises in the bulk response. Providers that still call it find the streams;
// the rest read them from the bulk response.
type ofrepConfigurationResponse struct {
	Name         string             `json:"name"`
	Capabilities ofrepCapabilities  `json:"capabilities"`
	EventStreams []ofrepEventStream `json:"eventStreams,omitempty"`
}

type ofrepCapabilities struct {
	CacheInvalidation ofrepCacheInvalidation `json:"cacheInvalidation"`
	FlagEvaluation    ofrepFlagEvaluation    `json:"flagEvaluation"`
}

type ofrepCacheInvalidation struct {
	Polling ofrepPolling `json:"polling"`
}

type ofrepPolling struct {
	Enabled              bool  `json:"enabled"`
	MinPollingIntervalMs int64 `json:"minPollingIntervalMs"`
}

type ofrepFlagEvaluation struct {
	SupportedTypes []string `json:"supportedTypes"`
}

// ofrepMinPollingIntervalMs: polling faster than a second only repeats 304s; with streams
// there is no reason to poll at all.
const ofrepMinPollingIntervalMs = 1000

// ofrepConfiguration serves GET /ofrep/v1/configuration. It needs a key (the advertised
// stream carries that key's token) and answers 304 to a matching If-None-Match.
func (s *Server) ofrepConfiguration(w http.ResponseWriter, r *http.Request) {
	key := apiKey(r)
	if _, aerr := s.projectFor(key); aerr != nil {
		writeJSON(w, aerr.status, ofrepFailure{ErrorCode: ofrepGeneral, ErrorDetails: aerr.message})
		return
	}
	out := ofrepConfigurationResponse{
		Name: "statsig-operator",
		Capabilities: ofrepCapabilities{
			CacheInvalidation: ofrepCacheInvalidation{
				Polling: ofrepPolling{Enabled: true, MinPollingIntervalMs: ofrepMinPollingIntervalMs},
			},
			// Gates are booleans, configs, experiments and layers objects, parameters any type.
			FlagEvaluation: ofrepFlagEvaluation{SupportedTypes: []string{"boolean", "string", "int", "float", "object"}},
		},
		EventStreams: s.eventStreams(key),
	}
	body, _ := json.Marshal(out)
	sum := sha256.Sum256(body)
	etag := `"` + hex.EncodeToString(sum[:16]) + `"`
	w.Header().Set("ETag", etag)
	if inm := r.Header.Get("If-None-Match"); inm != "" && etagMatches(inm, etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	writeRawJSON(w, http.StatusOK, body)
}
