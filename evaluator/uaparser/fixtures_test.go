package uaparser

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/statsig-operator/statsig-operator/test/fixtures"
)

// fixturesDir is the shared fixtures directory (see test/fixtures).
func fixturesDir(t testing.TB) string { return fixtures.Dir(t) }

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(fixturesDir(t), "server-core", name))
	if err != nil {
		t.Fatalf("read fixture: %v", err)
	}
	return data
}
