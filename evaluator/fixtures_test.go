package evaluator

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/statsig-operator/statsig-operator/test/fixtures"
)

// fixturesDir is the shared fixtures directory (see test/fixtures).
func fixturesDir(t testing.TB) string { return fixtures.Dir(t) }

func loadFixture(t testing.TB, rel string) *Specs {
	t.Helper()
	f, err := os.Open(filepath.Join(fixturesDir(t), rel))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	s, err := Load(f, LoadOptions{})
	if err != nil {
		t.Fatalf("load %s: %v", rel, err)
	}
	return s
}

// setIDLists is a minimal IDLists over raw hashed IDs read from a list file.
type setIDLists map[string]map[string]bool

func (s setIDLists) Contains(list, id string) bool { return s[list][id] }
func (s setIDLists) Has(list string) bool          { _, ok := s[list]; return ok }

func readIDList(t testing.TB, path string) map[string]bool {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if len(line) <= 1 {
			continue
		}
		switch line[0] {
		case '+':
			ids[line[1:]] = true
		case '-':
			delete(ids, line[1:])
		}
	}
	return ids
}

func mustUser(t testing.TB, raw json.RawMessage) *User {
	t.Helper()
	var u User
	if err := json.Unmarshal(raw, &u); err != nil {
		t.Fatal(err)
	}
	return &u
}
