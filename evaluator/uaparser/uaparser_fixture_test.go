package uaparser

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestUAStringCases requires an exact match on every case Server Core itself checks.
func TestUAStringCases(t *testing.T) {
	var cases map[string]struct {
		OSName         string `json:"osName"`
		OSVersion      string `json:"osVersion"`
		BrowserName    string `json:"browserName"`
		BrowserVersion string `json:"browserVersion"`
	}
	if err := json.Unmarshal(readFixture(t, "ua_string_cases.json"), &cases); err != nil {
		t.Fatalf("decode: %v", err)
	}
	if len(cases) == 0 {
		t.Fatal("no cases")
	}
	for ua, want := range cases {
		got := Parse(ua)
		exp := Result{want.OSName, want.OSVersion, want.BrowserName, want.BrowserVersion}
		if got != exp {
			t.Errorf("Parse(%q)\n got %+v\nwant %+v", ua, got, exp)
		}
	}
}

// mustPassCase is one line of test_must_pass_user_agents.txt.
type mustPassCase struct {
	ua, osFamily, osVersion, browserFamily, browserVersion string
}

func loadMustPass(t testing.TB) []mustPassCase {
	lines := strings.Split(strings.TrimRight(string(readFixture(t, "test_must_pass_user_agents.txt")), "\n"), "\n")
	out := make([]mustPassCase, 0, len(lines)-1)
	for i, line := range lines[1:] { // header first
		f := strings.Split(line, "|")
		if len(f) != 11 {
			t.Fatalf("line %d: %d fields", i+2, len(f))
		}
		c := mustPassCase{ua: f[0], osFamily: orOther(f[1]), browserFamily: orOther(f[6])}
		c.osVersion = joinVersion(f[2:6])
		c.browserVersion = joinVersion(f[7:11])
		out = append(out, c)
	}
	return out
}

func orOther(s string) string {
	if s == "None" {
		return "Other"
	}
	return s
}

func joinVersion(parts []string) string {
	if parts[0] == "None" {
		return unknownVersion
	}
	v := parts[0]
	for _, p := range parts[1:] {
		if p != "None" {
			v += "." + p
		}
	}
	return v
}

// TestMustPass mirrors Server Core's parsing_os_names and parsing_browser_names tests: every
// OS and browser family matches. Versions are only reported, as Server Core does not require them.
func TestMustPass(t *testing.T) {
	cases := loadMustPass(t)
	var osVer, brVer int
	for _, c := range cases {
		got := Parse(c.ua)
		if got.OSName != c.osFamily {
			t.Errorf("Parse(%q).OSName = %q, want %q", c.ua, got.OSName, c.osFamily)
		}
		if got.OSVersion == c.osVersion {
			osVer++
		}
		if got.BrowserName != c.browserFamily {
			t.Errorf("Parse(%q).BrowserName = %q, want %q", c.ua, got.BrowserName, c.browserFamily)
		}
		if got.BrowserVersion == c.browserVersion {
			brVer++
		}
	}
	t.Logf("%d cases; informational agreement with uap-core versions: os %d, browser %d",
		len(cases), osVer, brVer)
}
