package ipcountry

import (
	"github.com/statsig-operator/statsig-operator/test/fixtures"
	"testing"
)

// fixturesDir is the shared fixtures directory (see test/fixtures).
func fixturesDir(t testing.TB) string { return fixtures.Dir(t) }
