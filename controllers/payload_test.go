package controllers

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// genModule is the benchmark's payload generator, its own Go module in hack/bench/gen.
func genModule() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "hack", "bench", "gen")
}

// largePayload generates the benchmark's v2 payload (10 MB; 62 MB with
// STATSIG_OPERATOR_PERF=62mb) with the repository's generator, cached per run.
func largePayload() []byte {
	preset := "10mb"
	if os.Getenv("STATSIG_OPERATOR_PERF") == "62mb" {
		preset = "62mb"
	}
	out := filepath.Join(os.TempDir(), "statsig-operator-gen-"+preset, "out")
	if _, err := os.Stat(filepath.Join(out, "dcs_v2.json")); err != nil {
		gen := exec.Command("go", "run", "./cmd/gen", "-preset", preset, "-seed", "1", "-out", out)
		gen.Dir = genModule()
		gen.Env = append(os.Environ(), "GOWORK=off")
		gen.Stdout, gen.Stderr = GinkgoWriter, GinkgoWriter
		Expect(gen.Run()).To(Succeed())
	}
	b, err := os.ReadFile(filepath.Join(out, "dcs_v2.json"))
	Expect(err).NotTo(HaveOccurred())
	return b
}
