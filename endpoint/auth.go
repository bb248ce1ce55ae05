package endpoint

import (
	"net/http"
	"strings"

	"github.com/statsig-operator/statsig-operator/serving"
)

// apiKey returns the key a request presents: the statsig-api-key header (Statsig SDKs and
// HTTP API), then X-API-Key and Authorization: Bearer (OFREP providers).
func apiKey(r *http.Request) string {
	if k := strings.TrimSpace(r.Header.Get("Statsig-Api-Key")); k != "" {
		return k
	}
	if k := strings.TrimSpace(r.Header.Get("X-Api-Key")); k != "" {
		return k
	}
	if a := r.Header.Get("Authorization"); len(a) > 7 && strings.EqualFold(a[:7], "bearer ") {
		return strings.TrimSpace(a[7:])
	}
	return ""
}

var (
	errNoKey = &apiError{
		http.StatusUnauthorized,
		"missing API key: send the statsig-api-key header (or Authorization: Bearer <key>)",
	}
	errUnknownKey = &apiError{http.StatusUnauthorized, "API key is not accepted by any served project"}
)

// errClientKeyScope answers a client key on a server-key route: the config specs and ID
// lists hold every rule, salt and allow-list, which a public client key must not read.
var errClientKeyScope = &apiError{
	http.StatusForbidden,
	"this key is a client key: downloading config specs and ID lists needs the project's server secret key",
}

// projectFor resolves the project of key (any scope); the key itself never appears in the error.
func (s *Server) projectFor(key string) (*serving.Project, *apiError) {
	return s.projectScoped(key, serving.ScopeClient)
}

// serverProjectFor resolves the project of a server secret key: client keys get 403.
func (s *Server) serverProjectFor(key string) (*serving.Project, *apiError) {
	return s.projectScoped(key, serving.ScopeServer)
}

func (s *Server) projectScoped(key string, need serving.Scope) (*serving.Project, *apiError) {
	if key == "" {
		return nil, errNoKey
	}
	p, scope := s.reg.Authorize(key)
	if p == nil || p.Evaluator == nil {
		return nil, errUnknownKey
	}
	if scope < need {
		return nil, errClientKeyScope
	}
	return p, nil
}
