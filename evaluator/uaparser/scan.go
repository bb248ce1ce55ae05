//nolint:goconst // tokens and names are spelled out as in Server Core's source, to compare it line by line
package uaparser

import "strings"

// token is one recognised word: a tag and its raw version text ("" when none).
type token struct {
	pos     int // order in which the tag was added
	tag     string
	version string
}

// hint flags collected while tokenizing.
const (
	hintLinux uint16 = 1 << iota
	hintIOS
	hintMacOS
	hintWindows
	hintMobile
	hintSafari
	hintPlayStation
	hintHuawei
	hintCFNetwork
	hintCrawler
	hintBot
)

// scan is the tokenizer state. Instead of keeping every tag (as Server Core does), it keeps
// only the tags its OS and browser passes can ever select, which makes parsing allocation
// free while giving identical answers.
type scan struct {
	hints uint16
	n     int      // number of tags added
	first [2]token // the first two tags (for the CFNetwork browser rule)

	possibleOS, possibleBrowser       token
	hasPossibleOS, hasPossibleBrowser bool

	// OS pass candidates: the first tag matching an unconditional OS rule, the first
	// "CPU OS" tag and the first "Version" tag (the latter two depend on final hints).
	osTag, cpuOS, firstVersion          token
	hasOSTag, hasCPUOS, hasFirstVersion bool

	// Browser pass: the first tag that ends the pass, else the last Android, Chrome and
	// Version tags seen.
	browserTag                                    token
	hasBrowserTag                                 bool
	lastAndroid, lastChrome, lastVersion          token
	hasLastAndroid, hasLastChrome, hasLastVersion bool

	// trace, when set, receives every tag in order; tests replay Server Core's literal
	// passes over it to check the shortcuts above.
	trace *[]token
}

func (s *scan) has(h uint16) bool { return s.hints&h != 0 }

// addTag records a tag the way Server Core appends it to its token list.
func (s *scan) addTag(tag, version string) {
	t := token{pos: s.n, tag: tag, version: version}
	if s.n < len(s.first) {
		s.first[s.n] = t
	}
	s.n++
	if s.trace != nil {
		*s.trace = append(*s.trace, t)
	}

	switch {
	case tag == "CPU OS":
		if !s.hasCPUOS {
			s.cpuOS, s.hasCPUOS = t, true
		}
	case tag == "Version":
		if !s.hasFirstVersion {
			s.firstVersion, s.hasFirstVersion = t, true
		}
		s.lastVersion, s.hasLastVersion = t, true
	case tag == "Android":
		if !s.hasOSTag {
			s.osTag, s.hasOSTag = t, true
		}
		s.lastAndroid, s.hasLastAndroid = t, true
	case tag == "Chrome":
		s.lastChrome, s.hasLastChrome = t, true
	case isOSTag(tag):
		if !s.hasOSTag {
			s.osTag, s.hasOSTag = t, true
		}
	case isBrowserTag(tag):
		if !s.hasBrowserTag {
			s.browserTag, s.hasBrowserTag = t, true
		}
	}
}

// isOSTag reports tags that end Server Core's OS pass regardless of hints.
func isOSTag(tag string) bool {
	switch tag {
	case "ATV OS X", "iPhone OS", "iOS", "CFNetwork", "Chromecast", "Red Hat", "Kindle", "Ubuntu":
		return true
	}
	return strings.HasPrefix(tag, "Android")
}

// isBrowserTag reports tags that end Server Core's browser pass.
func isBrowserTag(tag string) bool {
	switch tag {
	case "Firefox", "Yahoo! Slurp", "Silk", "NetFront NX", "YaBrowser", "Edge", "Opera",
		"axios", "HeadlessChrome":
		return true
	}
	return false
}

func (s *scan) addPossibleOS(tag, version string) {
	s.notePossibleOS(tag, version)
	s.addTag(tag, version)
}

// notePossibleOS keeps the first OS tag that carries a version.
func (s *scan) notePossibleOS(tag, version string) {
	if s.hasPossibleOS || version == "" {
		return
	}
	s.possibleOS, s.hasPossibleOS = token{pos: s.n, tag: tag, version: version}, true
}

func (s *scan) overridePossibleOS(tag string) {
	s.possibleOS, s.hasPossibleOS = token{pos: s.n, tag: tag}, true
}

func (s *scan) addPossibleBrowser(tag, version string) {
	s.notePossibleBrowser(tag, version)
	s.addTag(tag, version)
}

// notePossibleBrowser keeps the last browser tag that carries a version.
func (s *scan) notePossibleBrowser(tag, version string) {
	if version == "" {
		return
	}
	s.possibleBrowser, s.hasPossibleBrowser = token{pos: s.n, tag: tag, version: version}, true
}

// noteBot records the first bot name; later bot-like words are usually URLs of the same bot.
func (s *scan) noteBot(tag, version string) {
	if s.has(hintBot) {
		return
	}
	s.hints |= hintBot
	s.possibleBrowser, s.hasPossibleBrowser = token{pos: s.n, tag: tag, version: version}, true
}

func (s *scan) overrideMacWithIOS() {
	if s.hasPossibleOS && s.possibleOS.tag == "Mac OS X" {
		s.overridePossibleOS("iOS")
	}
}
