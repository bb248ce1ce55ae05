package ipcountry

import (
	"testing"

	"github.com/statsig-operator/statsig-operator/test/fixtures"
)

// fixturesDir is the shared fixtures directory (see test/fixtures).
func fixturesDir(t testing.TB) string { return fixtures.Dir(t) }
