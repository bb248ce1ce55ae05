package uaparser

import (
	"os"
	"path/filepath"
	"testing"
)

// fixturesDir finds shared/fixtures/statsig by walking up from the package directory
// (STATSIG_FIXTURES overrides). Missing fixtures fail under CI=true and skip otherwise.
func fixturesDir(t testing.TB) string {
	t.Helper()
	if dir := os.Getenv("STATSIG_FIXTURES"); dir != "" {
		return dir
	}
	wd, err := os.Getwd()
	if err != nil {
		t.Fatalf("getwd: %v", err)
	}
	for dir := wd; ; {
		candidate := filepath.Join(dir, "shared", "fixtures", "statsig")
		if st, err := os.Stat(candidate); err == nil && st.IsDir() {
			return candidate
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			break
		}
		dir = parent
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("statsig fixtures not found above %s (set STATSIG_FIXTURES)", wd)
	}
	t.Skipf("statsig fixtures not found above %s (set STATSIG_FIXTURES)", wd)
	return ""
}

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(fixturesDir(t), "server-core", name))
	if err != nil {
		t.Fatalf("read fixture: %v", err)
	}
	return data
}
