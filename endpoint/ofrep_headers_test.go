package endpoint

import (
	"net/http"
	"strings"
	"testing"

	"github.com/statsig-operator/statsig-operator/inject"
)

// TestOFREPHeadersFromInjectedEnv reads the OFREP_HEADERS value the webhook injects as an
// OFREP provider does (OpenFeature ADR-0007: comma-separated Name=Value pairs, split at the
// first '='), after the kubelet's $(VAR) expansion with a client key, and checks that the
// endpoint accepts the headers it yields.
func TestOFREPHeadersFromInjectedEnv(t *testing.T) {
	env := newTestEnv(t, nil)
	value := strings.ReplaceAll(inject.OFREPHeaders, "$("+inject.EnvOFREPKey+")", clientKey)
	var headers []string
	for pair := range strings.SplitSeq(value, ",") {
		name, val, ok := strings.Cut(strings.TrimSpace(pair), "=")
		if !ok {
			t.Fatalf("OFREP_HEADERS entry %q has no '='", pair)
		}
		headers = append(headers, strings.TrimSpace(name), strings.TrimSpace(val))
	}
	res := env.do(t, "POST", "/ofrep/v1/evaluate/flags/test_public", `{"context":{"targetingKey":"u1"}}`, headers...)
	if res.status != http.StatusOK {
		t.Fatalf("OFREP with headers %q = %d %s, want 200", headers, res.status, res.body)
	}
}
