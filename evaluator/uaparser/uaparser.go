// Package uaparser reproduces Statsig Server Core's first-party user-agent tokenizer.
package uaparser

// MaxEvaluatedLength is the longest user agent (in bytes) Server Core parses for ua_based
// conditions; longer strings make the condition value missing. Parse itself has no limit
// (Server Core parses any length when it builds the user-agent summary), so callers apply it.
const MaxEvaluatedLength = 1000

// unknownVersion is what Server Core reports when no version is known.
const unknownVersion = "0.0.0"

// Result holds the OS and browser detected in a user agent. Names and versions are never
// empty except for pathological version tokens (e.g. "Foo/."), matching Server Core. Strings
// may share memory with the parsed user agent.
type Result struct {
	OSName         string
	OSVersion      string
	BrowserName    string
	BrowserVersion string
}

// Parse tokenizes ua once and derives both the OS and the browser, exactly as Server Core's
// parse_os and parse_browser do (each of which tokenizes the same input independently).
// The empty string yields Other/0.0.0 for both.
func Parse(ua string) Result {
	var s scan
	s.run(ua)
	var r Result
	r.OSName, r.OSVersion = s.os()
	r.BrowserName, r.BrowserVersion = s.browser()
	return r
}
