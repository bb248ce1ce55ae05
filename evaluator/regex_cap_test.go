package evaluator

import (
	"runtime"
	"strings"
	"testing"
	"time"
)

// A huge str_matches pattern is refused before compiling (was 813 MB and 11 s in Load for a
// 5 MB literal): the condition fails as an invalid pattern does, and the load stays cheap.
func TestHugeRegexPatternIsNotCompiled(t *testing.T) {
	payload := func(pattern string) string {
		return `{"has_updates":true,"time":1,"feature_gates":{"re":` + gateJSON("100", "c") + `},
			"dynamic_configs":{},"layer_configs":{},"condition_map":{"c":{"type":"user_field","field":"email",` +
			`"operator":"str_matches","targetValue":"` + pattern + `","idType":"userID"}}}`
	}
	user := &User{UserID: StringValue("u"), Email: StringValue("abc@example.com")}
	for _, tc := range []struct {
		name    string
		pattern string
		want    bool
	}{
		{"small pattern matches", "^abc@", true},
		{"at the cap", "abc@" + strings.Repeat("x?", (MaxRegexPatternLen-4)/2), true},
		{"over the cap fails the condition", "abc@" + strings.Repeat("x?", MaxRegexPatternLen/2), false},
		{"5 MB literal fails the condition", "abc@" + strings.Repeat("x", 5<<20), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			start := time.Now()
			specs, err := Load(strings.NewReader(payload(tc.pattern)), LoadOptions{})
			took := time.Since(start)
			runtime.ReadMemStats(&after)
			if err != nil {
				t.Fatal(err)
			}
			ev := New(Options{})
			ev.SetSpecs(specs)
			if got := ev.CheckGate(user, "re").Value; got != tc.want {
				t.Fatalf("gate = %v, want %v", got, tc.want)
			}
			allocated := after.TotalAlloc - before.TotalAlloc
			if extra := uint64(3 * len(tc.pattern)); allocated > 64<<20+extra || took > 5*time.Second {
				t.Fatalf("load allocated %d MB in %v for a %d-byte pattern", allocated>>20, took, len(tc.pattern))
			}
		})
	}
}
