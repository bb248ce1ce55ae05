package controllers

import (
	"os"
	"os/exec"
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

const genModule = "/work/shared/bench/gen"

// largePayload generates the benchmark's v2 payload (10 MB; 62 MB with
// STATSIG_OPERATOR_PERF=62mb) with the shared generator, cached per run.
func largePayload() []byte {
	preset := "10mb"
	if os.Getenv("STATSIG_OPERATOR_PERF") == "62mb" {
		preset = "62mb"
	}
	dir := filepath.Join(os.TempDir(), "statsig-operator-gen-"+preset)
	out := filepath.Join(dir, "out")
	if _, err := os.Stat(filepath.Join(out, "dcs_v2.json")); err != nil {
		src := filepath.Join(dir, "gen")
		Expect(os.MkdirAll(dir, 0o755)).To(Succeed())
		cp := exec.Command("cp", "-r", genModule, src)
		cp.Stdout, cp.Stderr = GinkgoWriter, GinkgoWriter
		Expect(cp.Run()).To(Succeed())
		Expect(exec.Command("chmod", "-R", "u+w", src).Run()).To(Succeed())
		gen := exec.Command("go", "run", "./cmd/gen", "-preset", preset, "-seed", "1", "-out", out)
		gen.Dir = src
		gen.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod")
		gen.Stdout, gen.Stderr = GinkgoWriter, GinkgoWriter
		Expect(gen.Run()).To(Succeed())
	}
	b, err := os.ReadFile(filepath.Join(out, "dcs_v2.json"))
	Expect(err).NotTo(HaveOccurred())
	return b
}
