package endpoint

import (
	"encoding/json"
	"net/http"
)

// ofrepBulkResponse is the bulk evaluation answer.
type ofrepBulkResponse struct {
	Flags []ofrepSuccess `json:"flags"`
	// EventStreams advertises the change-notification stream (ADR-0008; ofrep_events.go).
	EventStreams []ofrepEventStream `json:"eventStreams,omitempty"`
}

// ofrepBulk serves POST /ofrep/v1/evaluate/flags: every gate, dynamic config, experiment and
// layer (not segments or holdouts), then every parameter-store parameter with a value
// (<store>.<param>), for a static context. Like the client initialize
// response, bulk results log no exposures: the client evaluates ahead of use, and responses
// are cached (response_cache.go). The ETag hashes the body, so If-None-Match answers 304
// whenever the results are unchanged (without evaluation on a hit). A re-fetch an
// event triggered carries flagConfigEtag and flagConfigLastModified (query, ADR-0008): they
// are never an error, and a flagConfigEtag this replica does not serve yet waits for it.
func (s *Server) ofrepBulk(w http.ResponseWriter, r *http.Request) {
	key := apiKey(r)
	p, aerr := s.projectFor(key)
	if aerr != nil {
		writeJSON(w, aerr.status, ofrepFailure{ErrorCode: ofrepGeneral, ErrorDetails: aerr.message})
		return
	}
	if q := r.URL.Query(); q.Get("flagConfigEtag") != "" && s.opts.MaxEventStreams > 0 {
		p = s.awaitConfig(r.Context(), p, q.Get("flagConfigEtag"), q.Get("flagConfigLastModified"))
	}
	// The key is the body as sent: it is read in decodeOFREPBody's buffer, and a hit builds
	// no user.
	var c cacheable
	var done bool
	u, oerr := s.decodeOFREPBody(w, r, func(body []byte) bool {
		c, done = s.lookup(w, r, routeOFREPBulk, p, func(k *keyHasher) {
			k.str(key) // the advertised event stream's token derives from it
			k.bytes(body)
		})
		return done
	})
	if done {
		return
	}
	if oerr != nil {
		writeJSON(w, oerr.status, ofrepFailure{ErrorCode: oerr.code, ErrorDetails: oerr.details})
		return
	}
	c.watch(u.user)
	entities := p.Entities().List()
	out := ofrepBulkResponse{Flags: make([]ofrepSuccess, 0, len(entities))}
	for _, e := range entities {
		out.Flags = append(out.Flags, s.evaluateFlag(p, u, e.Name, ofrepKinds[e.Kind], false))
	}
	out.Flags = append(out.Flags, s.paramFlags(p, u)...)
	out.EventStreams = s.eventStreams(key)
	body, err := json.Marshal(out)
	if err != nil {
		writeJSON(w, http.StatusInternalServerError,
			ofrepFailure{ErrorCode: ofrepGeneral, ErrorDetails: "failed to encode the response"})
		return
	}
	etag := s.store(c, u.user, body)
	if etag == "" {
		etag = bodyETag(body)
	}
	writeTagged(w, r, body, etag)
}
