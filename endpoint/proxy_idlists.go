package endpoint

import (
	"net/http"
)

// emptyManifest is the ID-list manifest served: serving.Project carries no ID-list files, so
// SDKs pointed here keep no lists (segments backed by ID lists evaluate as empty in those
// SDKs; the operator's own evaluations use the lists it loaded).
var emptyManifest = []byte(`{}`)

// getIDLists serves POST /v1/get_id_lists and GET /v1/get_id_lists/{key}.json.
func (s *Server) getIDLists(w http.ResponseWriter, r *http.Request) {
	key := apiKey(r)
	if key == "" {
		var aerr *apiError
		if key, aerr = keyFromFile(r.PathValue("file")); aerr != nil {
			writeError(w, aerr)
			return
		}
	}
	if _, aerr := s.projectFor(key); aerr != nil {
		writeError(w, aerr)
		return
	}
	if r.Method == http.MethodPost {
		// Drain and check the (normally empty) body so a bad one is still a 4xx.
		var ignored map[string]any
		if aerr := decodeJSON(w, r, s.opts.MaxBodyBytes, &ignored, true); aerr != nil {
			writeError(w, aerr)
			return
		}
	}
	writeRawJSON(w, http.StatusOK, emptyManifest)
}
