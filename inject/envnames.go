package inject

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// DefaultEndpointService names the endpoint Service of the install conventions (Helm chart
// and config/).
const DefaultEndpointService = "statsig-operator-endpoint"

// OFREPEndpoint is the in-cluster endpoint Service URL (OpenFeature ADR-0007's
// OFREP_ENDPOINT): https when the endpoint serves TLS (its Service then listens on 443).
func OFREPEndpoint(service, namespace string, tls bool) string {
	scheme := "http://"
	if tls {
		scheme = "https://"
	}
	return scheme + service + "." + namespace + ".svc"
}

// Env var names of OFREP (OpenFeature ADR-0007) and of the key the headers reference.
const (
	EnvOFREPEndpoint = "OFREP_ENDPOINT"
	EnvOFREPHeaders  = "OFREP_HEADERS"
	// EnvOFREPKey holds the key from the pod's Secret; OFREP_HEADERS references it with
	// Kubernetes dependent expansion, so it must come first in the container's env.
	EnvOFREPKey = "STATSIG_OPERATOR_OFREP_KEY"
)

// OFREPHeaders is ADR-0007's comma-separated Name=Value list carrying the key as a bearer
// token (the endpoint reads Authorization: Bearer); $(...) is expanded by the kubelet.
const OFREPHeaders = "Authorization=Bearer $(" + EnvOFREPKey + ")"

// EnvName is prefix + the upper-cased name with every character outside [A-Z0-9] as '_'.
func EnvName(prefix, name, suffix string) string {
	var b strings.Builder
	b.Grow(len(prefix) + len(name) + len(suffix))
	b.WriteString(prefix)
	for _, r := range strings.ToUpper(name) {
		if (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	b.WriteString(suffix)
	return b.String()
}

// envNames hands out env var names. Callers allocate in a fixed order (gates, configs,
// experiments, layers; names sorted within each), so when two entities sanitise to the same
// name the first keeps it and each later one gets "_" + the first 8 hex digits of the
// SHA-256 of its original name: the outcome depends only on the set of names.
type envNames struct{ used map[string]bool }

func newEnvNames() *envNames { return &envNames{used: map[string]bool{}} }

func (e *envNames) alloc(prefix, name, suffix string) string {
	n := EnvName(prefix, name, suffix)
	if !e.used[n] {
		e.used[n] = true
		return n
	}
	sum := sha256.Sum256([]byte(prefix + name + suffix))
	n = EnvName(prefix, name, "_"+strings.ToUpper(hex.EncodeToString(sum[:4]))+suffix)
	for e.used[n] {
		n += "_"
	}
	e.used[n] = true
	return n
}
