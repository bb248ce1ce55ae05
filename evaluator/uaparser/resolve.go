//nolint:goconst // tokens and names are spelled out as in Server Core's source, to compare it line by line
package uaparser

// os mirrors Server Core's parse_os decision order.
func (s *scan) os() (name, version string) {
	if s.hasPossibleOS {
		return s.possibleOS.tag, s.possibleOS.render()
	}

	// The first tag (in order) that satisfies an OS rule wins; two rules depend on hints.
	best, found := token{}, false
	pick := func(t token, ok bool) {
		if ok && (!found || t.pos < best.pos) {
			best, found = t, true
		}
	}
	pick(s.osTag, s.hasOSTag)
	pick(s.cpuOS, s.hasCPUOS && s.has(hintIOS))
	pick(s.firstVersion, s.hasFirstVersion && s.has(hintIOS) && s.has(hintMacOS))
	if found {
		switch best.tag {
		case "ATV OS X", "Chromecast", "Red Hat":
			return best.tag, unknownVersion
		case "CFNetwork":
			return "iOS", unknownVersion
		case "iPhone OS", "iOS", "CPU OS", "Version":
			return "iOS", best.render()
		case "Android", "Kindle", "Ubuntu":
			return best.tag, best.render()
		default: // other tags starting with "Android"
			return "Android", unknownVersion
		}
	}

	switch {
	case s.has(hintIOS):
		return "iOS", unknownVersion
	case s.has(hintMacOS):
		return "Mac OS X", unknownVersion
	case s.has(hintWindows):
		return "Windows", unknownVersion
	case s.has(hintLinux):
		return "Linux", unknownVersion
	}
	return "Other", unknownVersion
}

// browser mirrors Server Core's parse_browser decision order.
func (s *scan) browser() (name, version string) {
	if s.hasPossibleBrowser {
		return s.possibleBrowser.tag, s.possibleBrowser.render()
	}

	if s.hasBrowserTag {
		t := s.browserTag
		mobile := s.has(hintMobile)
		switch t.tag {
		case "Firefox":
			if mobile {
				return "Firefox Mobile", t.render()
			}
			return "Firefox", t.render()
		case "Yahoo! Slurp":
			return t.tag, unknownVersion
		case "Silk":
			if s.has(hintPlayStation) {
				return "NetFront NX", unknownVersion
			}
			return "Amazon Silk", t.render()
		case "YaBrowser":
			return "Yandex Browser", t.render()
		case "Edge", "Opera":
			if mobile {
				return t.tag + " Mobile", t.render()
			}
			return t.tag, t.render()
		default: // NetFront NX, axios, HeadlessChrome
			return t.tag, t.render()
		}
	}

	if s.hasLastChrome {
		c := s.lastChrome
		switch {
		case s.hasLastVersion:
			return "Chrome Mobile WebView", c.render()
		case s.has(hintMobile) && c.version != "" && !s.has(hintHuawei):
			return "Chrome Mobile", c.render()
		case c.version == "" && s.hasLastAndroid:
			return "Android", s.lastAndroid.render()
		}
		return "Chrome", c.render()
	}

	if s.hasLastAndroid {
		return "Android", s.lastAndroid.render()
	}

	if s.has(hintCFNetwork) && s.n > 0 {
		if s.first[0].tag == "NetworkingExtension" {
			if s.n > 1 {
				return "CFNetwork", s.first[1].render()
			}
			return "CFNetwork", unknownVersion
		}
		return s.first[0].tag, s.first[0].render()
	}

	if s.has(hintSafari) {
		version = unknownVersion
		if s.hasLastVersion {
			version = s.lastVersion.render()
		}
		if s.has(hintMobile) && !s.has(hintMacOS) {
			return "Mobile Safari", version
		}
		return "Safari", version
	}

	switch {
	case s.has(hintIOS):
		return "Mobile Safari UI/WKWebView", unknownVersion
	case s.has(hintCrawler):
		return "crawler", unknownVersion
	}
	return "Other", unknownVersion
}

// render formats the token's version as Server Core does.
func (t token) render() string {
	return renderVersion(t.tag, t.version)
}

// windowsVersion maps a Windows NT kernel version to its marketing name; others are unknown.
func windowsVersion(v string) string {
	switch v {
	case "5.1", "5.2":
		return "XP"
	case "6.0":
		return "Vista"
	case "6.1":
		return "7"
	case "6.3":
		return "8.1"
	case "10.0":
		return "10"
	}
	return unknownVersion
}

// renderVersion splits v on '.', ',' and '_' into major, minor (leading digits only), patch
// and patch-minor (dropped for a few tags, as Server Core does) and joins them with '.'.
// A single trailing separator is ignored. When the result is a prefix of v it is returned
// without allocating.
func renderVersion(tag, v string) string {
	if v == "" {
		return unknownVersion
	}
	if tag == "Windows" {
		return windowsVersion(v)
	}

	maxParts := 4
	if tag == "YaBrowser" || tag == "Opera" || tag == "NetFront NX" {
		maxParts = 3
	}

	var parts [4]string
	n, contiguous := 0, true
	rest := v
	for n < maxParts {
		i := indexPartSep(rest)
		if i < 0 {
			parts[n] = rest
			n++
			break
		}
		parts[n] = rest[:i]
		n++
		if rest[i] != '.' && n < maxParts && i+1 < len(rest) {
			contiguous = false // a non-'.' separator sits between two rendered parts
		}
		rest = rest[i+1:]
		if rest == "" {
			break
		}
	}

	if n > 1 {
		minor := leadingDigits(parts[1])
		if len(minor) != len(parts[1]) && n > 2 {
			contiguous = false
		}
		parts[1] = minor
	}

	size := n - 1
	for _, p := range parts[:n] {
		size += len(p)
	}
	if contiguous {
		return v[:size]
	}
	b := make([]byte, 0, size)
	for i, p := range parts[:n] {
		if i > 0 {
			b = append(b, '.')
		}
		b = append(b, p...)
	}
	return string(b)
}

func indexPartSep(s string) int {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '.' || c == '_' || c == ',' {
			return i
		}
	}
	return -1
}

func leadingDigits(s string) string {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return s[:i]
}
