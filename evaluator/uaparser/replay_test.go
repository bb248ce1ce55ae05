package uaparser

import (
	"strings"
	"testing"
)

// replay is a literal transcription of Server Core's parse_os/parse_browser loops over the
// full tag list; it checks the candidate bookkeeping in scan.addTag.
func replay(ua string) Result {
	var tags []token
	s := scan{trace: &tags}
	s.run(ua)
	var r Result
	r.OSName, r.OSVersion = replayOS(&s, tags)
	r.BrowserName, r.BrowserVersion = replayBrowser(&s, tags)
	return r
}

func replayOS(s *scan, tags []token) (string, string) {
	if s.hasPossibleOS {
		return s.possibleOS.tag, s.possibleOS.render()
	}
	ios, mac := s.has(hintIOS), s.has(hintMacOS)
	for _, t := range tags {
		switch {
		case t.tag == "ATV OS X":
			return "ATV OS X", unknownVersion
		case t.tag == "iPhone OS" || t.tag == "iOS":
			return "iOS", t.render()
		case t.tag == "CPU OS" && ios:
			return "iOS", t.render()
		case t.tag == "Version" && ios && mac:
			return "iOS", t.render()
		case t.tag == "CFNetwork":
			return "iOS", unknownVersion
		case t.tag == "Android":
			return "Android", t.render()
		case strings.HasPrefix(t.tag, "Android"):
			return "Android", unknownVersion
		case t.tag == "Chromecast" || t.tag == "Red Hat":
			return t.tag, unknownVersion
		case t.tag == "Kindle" || t.tag == "Ubuntu":
			return t.tag, t.render()
		}
	}
	switch {
	case ios:
		return "iOS", unknownVersion
	case mac:
		return "Mac OS X", unknownVersion
	case s.has(hintWindows):
		return "Windows", unknownVersion
	case s.has(hintLinux):
		return "Linux", unknownVersion
	}
	return "Other", unknownVersion
}

//nolint:gocyclo // a literal transcription of Server Core's parse_browser loop, kept flat to compare
func replayBrowser(s *scan, tags []token) (string, string) {
	if s.hasPossibleBrowser {
		return s.possibleBrowser.tag, s.possibleBrowser.render()
	}
	mobile := s.has(hintMobile)
	var android, chrome, version *token
	for i := range tags {
		t := &tags[i]
		switch t.tag {
		case "Firefox":
			if mobile {
				return "Firefox Mobile", t.render()
			}
			return "Firefox", t.render()
		case "Android":
			android = t
		case "Version":
			version = t
		case "Yahoo! Slurp":
			return "Yahoo! Slurp", unknownVersion
		case "Silk":
			if s.has(hintPlayStation) {
				return "NetFront NX", unknownVersion
			}
			return "Amazon Silk", t.render()
		case "NetFront NX":
			return "NetFront NX", t.render()
		case "YaBrowser":
			return "Yandex Browser", t.render()
		case "Edge":
			if mobile {
				return "Edge Mobile", t.render()
			}
			return "Edge", t.render()
		case "Opera":
			if mobile {
				return "Opera Mobile", t.render()
			}
			return "Opera", t.render()
		case "Chrome":
			chrome = t
		case "axios", "HeadlessChrome":
			return t.tag, t.render()
		}
	}
	if chrome != nil {
		if version != nil {
			return "Chrome Mobile WebView", chrome.render()
		}
		if mobile && chrome.version != "" && !s.has(hintHuawei) {
			return "Chrome Mobile", chrome.render()
		}
		if chrome.version == "" && android != nil {
			return "Android", android.render()
		}
		return "Chrome", chrome.render()
	}
	if android != nil {
		return "Android", android.render()
	}
	if s.has(hintCFNetwork) && len(tags) > 0 {
		if tags[0].tag == "NetworkingExtension" {
			if len(tags) > 1 {
				return "CFNetwork", tags[1].render()
			}
			return "CFNetwork", unknownVersion
		}
		return tags[0].tag, tags[0].render()
	}
	if s.has(hintSafari) {
		v := unknownVersion
		if version != nil {
			v = version.render()
		}
		if mobile && !s.has(hintMacOS) {
			return "Mobile Safari", v
		}
		return "Safari", v
	}
	if s.has(hintIOS) {
		return "Mobile Safari UI/WKWebView", unknownVersion
	}
	if s.has(hintCrawler) {
		return "crawler", unknownVersion
	}
	return "Other", unknownVersion
}

// TestReplayAgreesOnFixtures runs the literal replay over every fixture user agent.
func TestReplayAgreesOnFixtures(t *testing.T) {
	for _, c := range loadMustPass(t) {
		if got, want := Parse(c.ua), replay(c.ua); got != want {
			t.Errorf("Parse(%q) = %+v, replay = %+v", c.ua, got, want)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, c := range parseCases {
		f.Add(c.ua)
	}
	f.Add("NetworkingExtension/1 CFNetwork/2 Darwin/3")
	f.Add("Mozilla/5.0 (Linux; Android 10; K; wv) Version/4.0 Chrome/120.0 Mobile Safari/537.36")
	f.Add("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Version/17.0 Mobile/15E148 Safari/604.1")
	f.Add("AndroidDownloadManager/9 Silk/1.2 PlayStation Firefox/3 YaBrowser/1.2.3.4")
	f.Fuzz(func(t *testing.T, ua string) {
		got := Parse(ua)
		if got.OSName == "" || got.BrowserName == "" {
			t.Fatalf("Parse(%q) gave an empty name: %+v", ua, got)
		}
		if want := replay(ua); got != want {
			t.Fatalf("Parse(%q) = %+v, replay = %+v", ua, got, want)
		}
		bot := strings.Contains(ua, "Bot") || strings.Contains(ua, "bot") ||
			strings.Contains(ua, "crawler") || strings.Contains(ua, "Crawler")
		if looksLikeBot(ua) != bot {
			t.Fatalf("looksLikeBot(%q) = %v", ua, !bot)
		}
		if got, want := indexVersionSep(ua), strings.IndexAny(ua, "/;:"); got != want && strings.IndexByte(ua, ';') < 0 {
			t.Fatalf("indexVersionSep(%q) = %d, want %d", ua, got, want)
		}
	})
}
