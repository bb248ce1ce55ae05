package endpoint

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/statsig-operator/statsig-operator/evaluator"
)

// gcirRequest is /v1/get_client_initialize_response's body.
type gcirRequest struct {
	User json.RawMessage `json:"user"`
	// Hash is the name hashing algorithm: djb2 (default), sha256 or none.
	Hash string `json:"hash"`
	// ClientSDKKey selects the target app (docs/semantics.md §6.2); defaults to the presented key when that
	// is a client key.
	ClientSDKKey string `json:"clientSDKKey"`
	TargetAppID  string `json:"targetAppID"`
}

// clientInitialize serves POST /v1/get_client_initialize_response: every entity evaluated
// for the user in the client SDKs' initialize format (docs/semantics.md §6.2). It logs no exposures: the
// client SDK logs them when values are used.
func (s *Server) clientInitialize(w http.ResponseWriter, r *http.Request) {
	key := apiKey(r)
	p, aerr := s.projectFor(key)
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	var req gcirRequest
	if aerr := decodeJSON(w, r, s.opts.MaxBodyBytes, &req, false); aerr != nil {
		writeError(w, aerr)
		return
	}
	switch req.Hash {
	case "":
		req.Hash = evaluator.HashDJB2
	case evaluator.HashDJB2, evaluator.HashSHA256, evaluator.HashNone:
	default:
		writeError(w, badRequest(fmt.Sprintf("hash must be djb2, sha256 or none, got %q", truncate(req.Hash, 40))))
		return
	}
	u, aerr := parseUser(req.User)
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	if req.ClientSDKKey == "" && strings.HasPrefix(key, "client-") {
		req.ClientSDKKey = key
	}
	res := p.Evaluator.ClientInitializeResponse(u.user, evaluator.ClientInitOptions{
		HashAlgorithm: req.Hash,
		ClientSDKKey:  req.ClientSDKKey,
		TargetAppID:   req.TargetAppID,
	})
	s.metrics.evaluations.WithLabelValues("client_initialize").Inc()
	writeJSON(w, http.StatusOK, res)
}
