package endpoint

import (
	"encoding/json"
	"fmt"
	"runtime"
	"strings"
	"testing"
)

// One request with as many gates and as long IDs as accepted, exposures logged while Statsig
// hangs: what the exposure pipeline keeps is bounded by the ID cap and the fixed-size dedupe
// keys (was: the whole identity per dedupe key, 36 -> 607 MB RSS for a 262 KB request).
func TestOneRequestCannotExhaustMemory(t *testing.T) {
	_, sink := standinSink(t, true)
	env := newTestEnv(t, sink)
	names := make([]string, 1500)
	for i := range names {
		names[i] = fmt.Sprintf("gate_%d", i)
	}
	body, _ := json.Marshal(map[string]any{
		"gateNames": names,
		"user": map[string]any{"userID": strings.Repeat("u", maxIDLen), "customIDs": map[string]string{
			"companyID": strings.Repeat("c", maxIDLen), "stableID": strings.Repeat("s", maxIDLen)}},
	})
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for i := range 4 { // distinct users: nothing is deduped
		b := strings.Replace(string(body), "uuuu", fmt.Sprintf("%04d", i), 1)
		if res := env.do(t, "POST", "/v1/check_gate", b, "statsig-api-key", testKey); res.status != 200 {
			t.Fatalf("check_gate = %d %s", res.status, res.body)
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	grown := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	t.Logf("4 requests x 1,500 exposures with 3 KiB of IDs: heap +%.1f MB", float64(grown)/(1<<20))
	if grown > 32<<20 {
		t.Fatalf("heap grew by %d MB holding the exposures of 4 requests", grown>>20)
	}
	runtime.KeepAlive(sink)
}
