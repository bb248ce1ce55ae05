//nolint:goconst // tokens and names are spelled out as in Server Core's source, to compare it line by line
package uaparser

import "strings"

// run walks the user agent with a four-word window, mirroring Server Core's Tokenizer::run,
// including its exact window advances (some branches skip more words than they read).
func (s *scan) run(ua string) {
	w := newWindow(ua)
	for w.n > 0 {
		curr, next1, next2, next3 := w.at(0), w.at(1), w.at(2), w.at(3)
		if curr == "" {
			w.slide(1)
			continue
		}
		s.step(&w, curr, next1, next2, next3)
		w.slide(1)
	}
}

// step handles one window position; the caller then advances by one word.
//
//nolint:gocyclo // one flat switch over the current word, transcribing Server Core's tokenizer
func (s *scan) step(w *window, curr, next1, next2, next3 string) {
	switch {
	case strings.HasPrefix(curr, "AppleTV"):
		s.addTag("ATV OS X", "")
	case curr == "like" && next1 == "Mac" && next2 == "OS":
		w.slide(3)
	case curr == "Mac" && next1 == "OS" && next2 == "X":
		s.hints |= hintMacOS
		s.addPossibleOS("Mac OS X", w.consumeNumeric(next3))
		w.slide(2)
	case curr == "Mac" && next1 == "OS":
		s.hints |= hintMacOS
		s.addPossibleOS("Mac OS X", w.consumeNumeric(next2))
		w.slide(2)
	case curr == "iOS", curr == "iPadOS":
		s.addPossibleOS("iOS", w.consumeNumeric(next1))
		s.hints |= hintIOS
		w.slide(1)
	case curr == "iPhone" && next1 == "OS":
		s.addPossibleOS("iOS", w.consumeNumeric(next2))
		w.slide(1)
	case strings.HasPrefix(curr, "iPad"):
		s.hints |= hintIOS
		s.addTag("iPad", modelSuffix(curr, "iPad"))
	case strings.HasPrefix(curr, "iPhone"):
		s.hints |= hintIOS
		s.addTag("iPhone", modelSuffix(curr, "iPhone"))
	case strings.HasPrefix(curr, "Apple-iPhone7C2"):
		s.hints |= hintIOS
		s.addTag("iPhone", "")
	case curr == "CPU" && next1 == "OS":
		s.addTag("CPU OS", w.consumeNumeric(next2))
		w.slide(1)
	case curr == "CrOS":
		version := w.consumeNumeric(next1)
		if version == "" {
			w.slide(1)
			version = w.consumeNumeric(next2)
		}
		s.addPossibleOS("Chrome OS", version)
	case curr == "CrKey":
		s.addPossibleOS("Chromecast", "")
	case curr == "PlayStation":
		s.hints |= hintPlayStation
		s.addTag("PlayStation", "")
	case curr == "Android":
		s.addPossibleOS("Android", w.consumeNumeric(next1))
	case curr == "Windows" && next1 == "Phone":
		s.addPossibleOS("Windows Phone", w.consumeNumeric(next2))
		w.slide(1)
	case strings.HasPrefix(curr, "Windows"):
		s.hints |= hintWindows
		var version string
		switch {
		case next1 == "NT":
			if version = w.consumeNumeric(next2); version != "" {
				w.slide(1) // skip the "NT" as well
			}
		case strings.HasPrefix(next1, "XP"):
			w.slide(1)
			version = "XP"
		default:
			version = w.consumeNumeric(next1)
		}
		s.addPossibleOS("Windows", version)
	case curr == "MSIE":
		s.addPossibleBrowser("IE", w.consumeNumeric(next1))
	case curr == "Yahoo!" && next1 == "Slurp":
		s.addTag("Yahoo! Slurp", "")
		w.slide(1)
	case curr == "Red" && next1 == "Hat":
		s.addPossibleOS("Red Hat", "")
		w.slide(1)
	case curr == "Ubuntu":
		s.addPossibleOS("Ubuntu", w.consumeNumeric(next1))
	case curr == "Mobile":
		s.hints |= hintMobile
		s.addTag("Mobile", "")
	case curr == "Linux" || curr == "linux":
		s.hints |= hintLinux
		s.addTag("Linux", "")
	case curr == "Nintendo" && next1 == "3DS":
		s.addTag("NetFront NX", "")
		w.slide(1)
	case curr == "like" || len(curr) <= 2:
		// noise word
	case curr == "Better" && next1 == "Uptime" && next2 == "Bot":
		s.noteBot("Better Uptime Bot", "")
	case curr == "Radius" && next1 == "Compilance" && next2 == "Bot": //nolint:misspell // the bot's real UA
		s.noteBot("Radius Compilance Bot", "") //nolint:misspell // as Server Core names it
	case curr == "AdsBot-Google-Mobile":
		s.noteBot("AdsBot-Google", "")
	case curr == "Uptime" && next1 == "Monitoring" && next2 == "Bot":
		s.noteBot("Uptime Monitoring Bot", "")
	default:
		s.product(curr)
	}
}

// modelSuffix returns the text after prefix up to any repeat of prefix, trimmed
// (e.g. "iPhone14,5" → "14,5").
func modelSuffix(word, prefix string) string {
	rest := word[len(prefix):]
	if i := strings.Index(rest, prefix); i >= 0 {
		rest = rest[:i]
	}
	return trimWord(rest)
}

// product handles a generic "name/version" word.
func (s *scan) product(word string) {
	tag, version := word, ""
	if i := indexVersionSep(word); i >= 0 {
		if t := trimWord(word[:i]); t != "" {
			tag = t
		}
		version = trimWord(word[i+1:])
	}

	switch tag {
	case "Kindle":
		s.notePossibleOS(tag, version)
		s.notePossibleBrowser(tag, version)
		s.addTag(tag, version)
	case "FxiOS":
		s.addPossibleBrowser("Firefox iOS", version)
	case "EdgiOS":
		s.overrideMacWithIOS()
		s.addPossibleBrowser("Edge Mobile", version)
	case "CriOS":
		s.hints |= hintIOS
		s.overrideMacWithIOS()
		s.addPossibleBrowser("Chrome Mobile iOS", version)
	case "GSA":
		s.addPossibleBrowser("Google", version)
	case "YisouSpider", "ChatGPT-User", "OAI-SearchBot", "Electron":
		s.addPossibleBrowser(tag, version)
	case "Edg", "Edge":
		s.addTag("Edge", version)
	case "OPR":
		s.addTag("Opera", version)
	case "SamsungBrowser":
		s.addPossibleBrowser("Samsung Internet", version)
	case "HuaweiBrowser":
		s.hints |= hintHuawei
		s.addTag("HuaweiBrowser", version)
	case "NX":
		s.addPossibleBrowser("NetFront NX", version)
	case "IEMobile":
		s.addPossibleBrowser("IE Mobile", version)
	// The next three contain no bot marker, so checking them before looksLikeBot keeps
	// Server Core's order.
	case "Mobile":
		s.hints |= hintMobile
		s.addTag("Mobile", version)
	case "Safari":
		s.hints |= hintSafari
		s.addTag("Safari", version)
	case "CFNetwork":
		s.hints |= hintCFNetwork | hintIOS
	default:
		switch {
		case looksLikeBot(tag):
			s.noteBot(tag, version)
		case version != "" && strings.Contains(version, "crawler"):
			s.hints |= hintCrawler
		case tag == "OculusBrowser":
			// Oculus runs Android but claims Linux.
			s.overridePossibleOS("Android")
		default:
			s.addTag(tag, version)
		}
	}
}

// indexVersionSep finds the first '/' or ':' that splits a product from its version (';'
// never occurs inside a word).
func indexVersionSep(s string) int {
	if i := strings.IndexByte(s, '/'); i >= 0 {
		s = s[:i]
		if j := strings.IndexByte(s, ':'); j >= 0 {
			return j
		}
		return i
	}
	return strings.IndexByte(s, ':')
}

// looksLikeBot reports whether s contains "Bot", "bot", "crawler" or "Crawler".
func looksLikeBot(s string) bool {
	for rest := s; ; {
		i := strings.Index(rest, "ot")
		if i < 0 {
			break
		}
		if i > 0 && (rest[i-1] == 'B' || rest[i-1] == 'b') {
			return true
		}
		rest = rest[i+1:]
	}
	i := strings.Index(s, "rawler")
	return i > 0 && (s[i-1] == 'C' || s[i-1] == 'c')
}
