package evaluator

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/statsig-operator/statsig-operator/test/fixtures"
)

// Benchmarks on the eval project fixture (82 gates, 65 configs, 12 layers) with its first user.
// The peer comparison on generated 1–62 MB payloads is in docs/performance.md.
func benchSetup(b *testing.B) (*Evaluator, *User) {
	b.Helper()
	exp := fixtures.Expected(b)
	e := New(Options{})
	e.SetSpecs(loadFixture(b, "server-core/eval_proj_dcs.json"))
	return e, mustUser(b, exp.Users[0])
}

func BenchmarkCheckGatePublic(b *testing.B) {
	e, u := benchSetup(b)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		_ = e.CheckGate(u, "test_public")
	}
}

func BenchmarkCheckGatePartialRollout(b *testing.B) {
	e, u := benchSetup(b)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		_ = e.CheckGate(u, "test_50_50")
	}
}

func BenchmarkCheckGateNested(b *testing.B) {
	e, u := benchSetup(b)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		_ = e.CheckGate(u, "test_nested_gate_condition")
	}
}

func BenchmarkGetConfig(b *testing.B) {
	e, u := benchSetup(b)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		_ = e.GetConfig(u, "test_email_config")
	}
}

func BenchmarkGetExperiment(b *testing.B) {
	e, u := benchSetup(b)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		_ = e.GetExperiment(u, "test_experiment_no_targeting")
	}
}

func BenchmarkGetLayer(b *testing.B) {
	e, u := benchSetup(b)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		l := e.GetLayer(u, "Basic_test_layer")
		_, _ = l.Get("value")
	}
}

func BenchmarkLoadEvalProject(b *testing.B) {
	raw, err := os.ReadFile(filepath.Join(fixturesDir(b), "server-core", "eval_proj_dcs.json"))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := Load(bytes.NewReader(raw), LoadOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkClientInitializeResponse(b *testing.B) {
	e, u := benchSetup(b)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		_ = e.ClientInitializeResponse(u, ClientInitOptions{})
	}
}

// BenchmarkClientInitializeResponseJSON is the client initialize response as served: built and
// JSON-encoded (the eval project; GCIR_BENCH_PAYLOAD=FILE benchmarks that payload instead, for
// hack/bench/gcir/bench.sh, which times Server Core on the same file in the same run).
func BenchmarkClientInitializeResponseJSON(b *testing.B) {
	e, u := benchSetup(b)
	if f := os.Getenv("GCIR_BENCH_PAYLOAD"); f != "" {
		r, err := os.Open(f)
		if err != nil {
			b.Fatal(err)
		}
		s, err := Load(r, LoadOptions{})
		_ = r.Close()
		if err != nil {
			b.Fatal(err)
		}
		e.SetSpecs(s)
		u = mustUser(b, json.RawMessage(
			`{"userID":"user-1","email":"someone@statsig.com","customIDs":{"companyID":"c-1","stableID":"s-1"}}`))
	}
	b.ReportAllocs()
	var n int
	for i := 0; i < b.N; i++ {
		n = len(e.ClientInitializeResponseJSON(u, ClientInitOptions{HashAlgorithm: HashDJB2}))
	}
	b.ReportMetric(float64(n), "bytes/response")
}
