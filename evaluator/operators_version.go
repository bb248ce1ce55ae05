package evaluator

import "strings"

// versionTarget is a version operator's string target, parsed once at load: the part before
// the first '-', split on '.', each component trimmed and reduced to its decimal digits
// without leading zeros (so that comparing two components is comparing lengths, then bytes).
// Components are parsed only up to the first one that does not parse (bad), because the
// comparison stops at the first difference and never reads past it (as Server Core does).
type versionTarget struct {
	parts []string
	bad   bool // the component after parts does not parse
}

// compileVersion parses a version target (see versionTarget).
func compileVersion(t string, slab *condSlab) versionTarget {
	t, _, _ = strings.Cut(t, "-")
	var buf [8]string
	parts := buf[:0] // (copied into the slab)
	var vt versionTarget
	for done := false; !done; {
		part, more, found := strings.Cut(t, ".")
		t, done = more, !found
		digits, ok := versionPart(part)
		if !ok {
			vt.bad = true
			break
		}
		parts = append(parts, digits)
	}
	vt.parts = slab.strings(parts)
	return vt
}

// compareVersionTo compares the user's version v with a compiled target: cmp is -1, 0 or 1,
// valid is false when a component read before the first difference does not parse. It does
// not allocate.
func compareVersionTo(v string, t *versionTarget) (cmp int, valid bool) {
	v, _, _ = strings.Cut(v, "-")
	done := false
	for k := 0; ; k++ {
		var x string
		okX := !done
		if okX {
			var part string
			var found bool
			part, v, found = strings.Cut(v, ".")
			done = !found
			var good bool
			if x, good = versionPart(part); !good {
				return 0, false
			}
		}
		var y string
		okY := k < len(t.parts)
		if okY {
			y = t.parts[k]
		} else if k == len(t.parts) && t.bad {
			return 0, false
		}
		if !okX && !okY {
			return 0, true
		}
		if c := compareDigits(x, y); c != 0 {
			return c, true
		}
	}
}

// versionPart parses one version component as Server Core does (trimmed; an optional '+';
// an integer of any length up to 2^63-1, else at most 39 characters, where one more '+' is
// also accepted) and returns its digits without leading zeros ("" for 0).
func versionPart(part string) (digits string, ok bool) {
	part = strings.TrimSpace(part)
	p := part
	if len(p) > 0 && p[0] == '+' {
		p = p[1:]
	}
	signs := 1
	if len(p) > 0 && p[0] == '+' { // "++5": not an int64, but a big integer with a sign
		p, signs = p[1:], 2
	}
	if p == "" {
		return "", false
	}
	for i := 0; i < len(p); i++ {
		if c := p[i]; c < '0' || c > '9' {
			return "", false
		}
	}
	for len(p) > 1 && p[0] == '0' {
		p = p[1:]
	}
	if p == "0" {
		p = ""
	}
	// an int64 parses at any length; a larger value (or a second sign) must fit 39 characters
	if (signs == 2 || len(p) > 19 || len(p) == 19 && p > "9223372036854775807") && len(part) > 39 {
		return "", false
	}
	return p, true
}

// compareDigits compares two non-negative integers given as digits without leading zeros.
func compareDigits(a, b string) int {
	if len(a) != len(b) {
		if len(a) < len(b) {
			return -1
		}
		return 1
	}
	return strings.Compare(a, b)
}
