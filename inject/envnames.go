package inject

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// DefaultEndpointService names the endpoint Service of the install conventions (Helm chart
// and config/).
const DefaultEndpointService = "statsig-operator-endpoint"

// OFREPEndpoint is the in-cluster endpoint Service URL (OpenFeature ADR-0007's OFREP_ENDPOINT).
func OFREPEndpoint(service, namespace string) string {
	return "http://" + service + "." + namespace + ".svc"
}

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
