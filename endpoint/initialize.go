package endpoint

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/statsig-operator/statsig-operator/evaluator"
	"github.com/statsig-operator/statsig-operator/serving"
)

// initializeRequest is the body @statsig/js-client posts to <networkConfig.api>/initialize.
// Its delta fields (sinceTime, previousDerivedFields, deltasResponseRequested,
// full_checksum, partialUserMatchSinceTime) are read by nobody: every answer is a full
// response, which the client takes in place of a delta.
type initializeRequest struct {
	User            json.RawMessage `json:"user"`
	Hash            string          `json:"hash"`
	StatsigMetadata clientMetadata  `json:"statsigMetadata"`
}

// clientMetadata is the part of a client SDK's statsigMetadata that evaluation uses.
type clientMetadata struct {
	StableID json.RawMessage `json:"stableID"`
}

// stableID is the device's stable ID when the client sent one as a string.
func (m clientMetadata) stableID() string {
	var s string
	if len(m.StableID) > 0 && m.StableID[0] == '"' && json.Unmarshal(m.StableID, &s) == nil {
		return s
	}
	return ""
}

// initialize serves POST /v1/initialize, the client SDKs' own initialize request: the
// client initialize response (as /v1/get_client_initialize_response) for the body's user
// and hash, filtered to the app of the presented client key. The key may come in the query
// string (?k=, js-client's form), the body as text/plain, gzip (?gz=1) or Statsig-encoded
// (?se=1). The device's stableID (statsigMetadata.stableID) is the user's
// customIDs.stableID unless the user sets one, as Statsig's own servers evaluate it.
func (s *Server) initialize(w http.ResponseWriter, r *http.Request) {
	key := clientAPIKey(r)
	p, aerr := s.projectFor(key)
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	var req initializeRequest
	if aerr := decodeJSONAs(w, r, s.opts.MaxBodyBytes, &req, true, true); aerr != nil {
		writeError(w, aerr)
		return
	}
	hash := req.Hash
	switch hash {
	case "":
		hash = evaluator.HashDJB2
	case evaluator.HashDJB2, evaluator.HashSHA256, evaluator.HashNone:
	default:
		writeError(w, badRequest(fmt.Sprintf("hash must be djb2, sha256 or none, got %q", truncate(hash, 40))))
		return
	}
	raw := bytes.TrimSpace(req.User)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		raw = []byte("{}")
	}
	o := evaluator.ClientInitOptions{HashAlgorithm: hash, SDKInfo: s.sdkInfo}
	if _, scope := s.reg.Authorize(key); scope == serving.ScopeClient {
		o.ClientSDKKey = key
	}
	sid := req.StatsigMetadata.stableID()
	c, done := s.lookup(w, r, routeInitialize, p, func(k *keyHasher) {
		clientInitKey(k, &o)
		k.bytes(raw)
		k.str(sid)
	})
	if done {
		return
	}
	if sid != "" && raw[0] == '{' {
		var err error
		if raw, err = withStableID(raw, sid); err != nil {
			writeError(w, badRequest("user: "+jsonErrorMessage(err)))
			return
		}
	}
	u, aerr := parseAnyUser(raw)
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	c.watch(u.user)
	res := p.Evaluator.ClientInitializeResponseJSON(u.user, o)
	s.metrics.evaluations.WithLabelValues("client_initialize").Inc()
	writeTagged(w, r, res, s.store(c, u.user, res))
}

// withStableID returns the user object raw with customIDs.stableID set to id, unless it
// holds a non-empty one already.
func withStableID(raw []byte, id string) ([]byte, error) {
	var user map[string]json.RawMessage
	if err := json.Unmarshal(raw, &user); err != nil {
		return nil, err
	}
	ids := map[string]json.RawMessage{}
	if c := bytes.TrimSpace(user["customIDs"]); len(c) > 0 && !bytes.Equal(c, []byte("null")) {
		if err := json.Unmarshal(c, &ids); err != nil {
			return nil, err
		}
		var cur string
		if json.Unmarshal(ids["stableID"], &cur) == nil && cur != "" {
			return raw, nil
		}
	}
	ids["stableID"], _ = json.Marshal(id)
	user["customIDs"], _ = json.Marshal(ids)
	return json.Marshal(user)
}
