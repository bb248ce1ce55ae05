package uaparser

import (
	"strings"
	"testing"
)

// parseCases come from Server Core's own unit tests (marked SC) or are derived by hand from
// its rules, covering quirks the fixtures do not exercise.
var parseCases = []struct {
	name string
	ua   string
	want Result
}{
	{"empty", "", Result{"Other", "0.0.0", "Other", "0.0.0"}},
	{"separators only", " ; ;;  ", Result{"Other", "0.0.0", "Other", "0.0.0"}},
	{
		"SC windows 10",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/134.0.0.0 Safari/537.36 Trailer/93.3.8652.5", //nolint:lll // a real user agent, kept whole
		Result{"Windows", "10", "Chrome", "134.0.0.0"},
	},
	{"SC windows 8.1",
		"Mozilla/5.0 (Windows NT 6.3; WOW64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/41.0.2226.0 Safari/537.36",
		Result{"Windows", "8.1", "Chrome", "41.0.2226.0"}},
	{"windows xp via NT 5.1", "Mozilla/4.0 (compatible; MSIE 8.0; Windows NT 5.1)", Result{"Windows", "XP", "IE", "8.0"}},
	{"windows NT 6.2 unmapped", "Mozilla/5.0 (Windows NT 6.2)", Result{"Windows", "0.0.0", "Other", "0.0.0"}},
	{"windows XP word maps to unknown", "Foo (Windows XP)", Result{"Windows", "0.0.0", "Other", "0.0.0"}},
	{
		"SC ios",
		"Mozilla/5.0 (iPhone; CPU iPhone OS 16_7_10 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.", //nolint:lll // a real user agent, kept whole
		Result{"iOS", "16.7.10", "Mobile Safari", "16.6"},
	},
	{
		"SC macos",
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.10 Safari/605.1.1", //nolint:lll // a real user agent, kept whole
		Result{"Mac OS X", "10.15.7", "Safari", "17.10"},
	},
	{"SC macos no X", "Codex Desktop/0.93.0-alpha.13 (Mac OS 26.2.0; arm64) unknown",
		Result{"Mac OS X", "26.2.0", "Other", "0.0.0"}},
	{"SC ipados", "Whatnot v26.26.0 (42), iPadOS 26.5, iPad13,19",
		Result{"iOS", "26.5", "Mobile Safari UI/WKWebView", "0.0.0"}},
	{
		"SC ubuntu",
		"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/604.1 (KHTML, like Gecko) Version/11.0 Safari/604.1 Ubuntu/17.04 (3.24.1-0ubuntu1) Epiphany/3.24.1", //nolint:lll // a real user agent, kept whole
		Result{"Ubuntu", "17.04", "Safari", "11.0"},
	},
	{
		"SC chrome mac",
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/137.0.0.0 Safari/537.36", //nolint:lll // a real user agent, kept whole
		Result{"Mac OS X", "10.15.7", "Chrome", "137.0.0.0"},
	},
	{"SC firefox mac", "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:139.0) Gecko/20100101 Firefox/139.0",
		Result{"Mac OS X", "10.15", "Firefox", "139.0"}},
	{"SC chatgpt ios browser version", "ChatGPT/1.2025.322 (iOS 18.6.2; iPhone12,1; build 19585375154)",
		Result{"iOS", "18.6.2", "Mobile Safari UI/WKWebView", "0.0.0"}},
	{"SC dcs_user_agent_versions", "ChatGPT/1.2025.315 (Android 15; V2225; build 2531527)",
		Result{"Android", "15", "Android", "15"}},
	{"bot keeps first name", "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
		Result{"Other", "0.0.0", "Googlebot", "2.1"}},
	{"opera drops patch minor", "Mozilla/5.0 (X11; Linux x86_64) OPR/1.2.3.4", Result{"Linux", "0.0.0", "Opera", "1.2.3"}},
	{"mixed separators", "Chrome/1_2,3.4.5", Result{"Other", "0.0.0", "Chrome", "1.2.3.4"}},
	{"minor keeps leading digits", "Chrome/1.2b.3", Result{"Other", "0.0.0", "Chrome", "1.2.3"}},
	{"minor only", "Chrome/1.2b", Result{"Other", "0.0.0", "Chrome", "1.2"}},
	{"one trailing separator dropped", "Chrome/1.2.", Result{"Other", "0.0.0", "Chrome", "1.2"}},
	{"empty inner part kept", "Chrome/1..2", Result{"Other", "0.0.0", "Chrome", "1..2"}},
	{"lone separator renders empty", "Chrome/.", Result{"Other", "0.0.0", "Chrome", ""}},
	{"chrome without version falls back to android", "Android 9 Chrome", Result{"Android", "9", "Android", "9"}},
	{"cfnetwork first tag", "MyApp/3.1 CFNetwork/1410.0.3 Darwin/22.6.0", Result{"iOS", "0.0.0", "MyApp", "3.1"}},
	{"networking extension", "NetworkingExtension/8618 CFNetwork/1410 Darwin/22",
		Result{"iOS", "0.0.0", "CFNetwork", "22"}},
}

func TestParse(t *testing.T) {
	for _, c := range parseCases {
		t.Run(c.name, func(t *testing.T) {
			if got := Parse(c.ua); got != c.want {
				t.Errorf("Parse(%q)\n got %+v\nwant %+v", c.ua, got, c.want)
			}
			if got := replay(c.ua); got != c.want {
				t.Errorf("replay(%q) = %+v", c.ua, got)
			}
		})
	}
}

// TestParseLong: Parse has no length limit; skipping long strings is the evaluator's job.
func TestParseLong(t *testing.T) {
	ua := strings.Repeat("x ", MaxEvaluatedLength) + "Chrome/120.0.1"
	if got := Parse(ua); got.BrowserName != "Chrome" || got.BrowserVersion != "120.0.1" {
		t.Errorf("long UA: %+v", got)
	}
}

func TestRenderVersion(t *testing.T) {
	tests := []struct {
		tag, v, want string
	}{
		{"X", "", "0.0.0"},
		{"X", "1", "1"},
		{"X", "1.2.3.4.5", "1.2.3.4"},
		{"X", "1_2_3", "1.2.3"},
		{"X", "1.", "1"},
		{"X", "1..", "1."},
		{"X", ".", ""},
		{"X", "12.x3.4", "12..4"},
		{"YaBrowser", "1.2.3.4", "1.2.3"},
		{"NetFront NX", "1.2.3.4", "1.2.3"},
		{"Windows", "10.0", "10"},
		{"Windows", "5.2", "XP"},
		{"Windows", "6.0", "Vista"},
		{"Windows", "6.1", "7"},
		{"Windows", "10.0.19045", "0.0.0"},
	}
	for _, tt := range tests {
		if got := renderVersion(tt.tag, tt.v); got != tt.want {
			t.Errorf("renderVersion(%q, %q) = %q, want %q", tt.tag, tt.v, got, tt.want)
		}
	}
}

func TestLooksLikeBot(t *testing.T) {
	tests := map[string]bool{
		"": false, "Bot": true, "Googlebot": true, "Boot": false, "BBot": true, "ot": false,
		"crawler": true, "SiteCrawler": true, "rawler": false, "xcrawle": false, "AppleWebKit": false,
	}
	for in, want := range tests {
		if got := looksLikeBot(in); got != want {
			t.Errorf("looksLikeBot(%q) = %v, want %v", in, got, want)
		}
	}
}
