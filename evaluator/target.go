package evaluator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/dlclark/regexp2"
)

// target is a condition's targetValue, pre-processed once at load time (§2.1 "Target values").
type target struct {
	kind uint8 // kindNull, kindString, kindNumber, kindBool, kindArray, kindObject

	// string target
	str    string
	hasNum bool
	num    float64
	hasTS  bool
	ts     int64
	re     matcher

	b bool

	// array target: originals in order, and the distinct lower-cased elements sorted for
	// binary search (sharing the original strings when they are already lower case)
	list []string
	lows []string

	// object target (v2 bucket sets): key -> value string; bucket sets whose keys are all
	// integers below 1000 are a bitset instead (125 bytes instead of a map)
	obj     map[string]string
	buckets *[bucketWords]uint64
}

const bucketWords = 16 // 1024 bits

func (t *target) hasLower(s string) bool {
	i := sort.SearchStrings(t.lows, s)
	return i < len(t.lows) && t.lows[i] == s
}

// hasBucket looks a key up in an object target.
func (t *target) hasKey(k string) bool {
	if t.buckets != nil {
		n, err := strconv.Atoi(k)
		if err != nil || n < 0 || n >= bucketWords*64 || strconv.Itoa(n) != k {
			return false
		}
		return t.buckets[n/64]&(1<<(n%64)) != 0
	}
	_, ok := t.obj[k]
	return ok
}

// matcher is a compiled str_matches pattern: RE2 when it can express the pattern, a
// backtracking engine (with a timeout, so hostile patterns cannot hang evaluation) otherwise.
type matcher interface {
	MatchString(s string) bool
}

type re2Matcher struct{ re *regexp.Regexp }

func (m re2Matcher) MatchString(s string) bool { return m.re.MatchString(s) }

type backtrackMatcher struct{ re *regexp2.Regexp }

func (m backtrackMatcher) MatchString(s string) bool {
	ok, err := m.re.MatchString(s)
	return err == nil && ok
}

// regexMatchTimeout bounds one str_matches evaluation against catastrophic backtracking.
const regexMatchTimeout = 50 * time.Millisecond

func compileMatcher(pattern string) matcher {
	if re, err := regexp.Compile(pattern); err == nil {
		return re2Matcher{re}
	}
	re, err := regexp2.Compile(pattern, regexp2.RE2|regexp2.Unicode)
	if err != nil {
		re, err = regexp2.Compile(pattern, regexp2.None)
	}
	if err != nil {
		return nil
	}
	re.MatchTimeout = regexMatchTimeout
	return backtrackMatcher{re}
}

// compileTarget pre-processes a raw targetValue for the condition's operator: str_matches
// compiles string targets as a regular expression; membership operators may store integer
// bucket sets as a bitset.
func compileTarget(raw json.RawMessage, op opKind) (target, error) {
	withRegex := op == opStrMatches
	membership := op == opAny || op == opNone_ || op == opAnyCaseSensitive || op == opNoneCaseSensitive
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return target{kind: kindNull}, nil
	}
	var x any
	if err := fastJSONNumbers.Unmarshal(raw, &x); err != nil {
		return target{}, fmt.Errorf("targetValue: %w", err)
	}
	switch t := x.(type) {
	case string:
		tg := target{kind: kindString, str: t}
		tg.num, tg.hasNum = parseRustFloat(t)
		tg.ts, tg.hasTS = parseTargetTimestamp(t)
		if withRegex {
			tg.re = compileMatcher(t)
		}
		return tg, nil
	case json.Number:
		f, err := strconv.ParseFloat(string(t), 64)
		if err != nil && !isRangeErr(err) {
			return target{}, fmt.Errorf("targetValue: bad number %q", t)
		}
		return target{kind: kindNumber, hasNum: true, num: f}, nil
	case bool:
		return target{kind: kindBool, b: t}, nil
	case []any:
		tg := target{kind: kindArray, list: make([]string, 0, len(t)), lows: make([]string, 0, len(t))}
		for _, e := range t {
			s := targetElementString(e)
			tg.list = append(tg.list, s)
			tg.lows = append(tg.lows, strings.ToLower(s))
		}
		sort.Strings(tg.lows)
		tg.lows = slices.Clip(slices.Compact(tg.lows))
		// Only eq/neq compare arrays by position; every other operator treats the target as a
		// set, so an already lower-case list shares one sorted slice (allow-lists of IDs are
		// the bulk of large payloads).
		if op != opEQ && op != opNEQ && allLower(tg.list) {
			tg.list = tg.lows
		}
		return tg, nil
	case map[string]any:
		tg := target{kind: kindObject}
		var bits [bucketWords]uint64
		allBuckets := membership
		for k := range t {
			n, err := strconv.Atoi(k)
			if err != nil || n < 0 || n >= bucketWords*64 || strconv.Itoa(n) != k {
				allBuckets = false
				break
			}
			bits[n/64] |= 1 << (n % 64)
		}
		if allBuckets {
			tg.buckets = &bits
			return tg, nil
		}
		tg.obj = make(map[string]string, len(t))
		for k, e := range t {
			tg.obj[k] = targetElementString(e)
		}
		return tg, nil
	case nil:
		return target{kind: kindNull}, nil
	}
	return target{}, fmt.Errorf("targetValue: unsupported JSON")
}

func allLower(list []string) bool {
	for _, s := range list {
		if strings.ToLower(s) != s {
			return false
		}
	}
	return true
}

func isRangeErr(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

// targetElementString stringifies a target element the way serde_json prints it: integer
// literals keep their digits, other numbers print as the shortest float with a mandatory
// fraction or exponent (9.0, 0.5, 1e21), booleans as true/false.
func targetElementString(e any) string {
	switch t := e.(type) {
	case string:
		return t
	case json.Number:
		return serdeNumber(string(t))
	case bool:
		if t {
			return "true"
		}
		return "false"
	case nil:
		return "null"
	default:
		b, _ := json.Marshal(t)
		return string(b)
	}
}

func serdeNumber(lit string) string {
	if !strings.ContainsAny(lit, ".eE") {
		if _, err := strconv.ParseInt(lit, 10, 64); err == nil {
			return lit
		}
		if _, err := strconv.ParseUint(lit, 10, 64); err == nil {
			return lit
		}
	}
	f, err := strconv.ParseFloat(lit, 64)
	if err != nil && !isRangeErr(err) {
		return lit
	}
	return ryuFormat(f)
}

// ryuFormat prints f like Rust's ryu (used by serde_json): decimal notation when the decimal
// point falls within 16 digits of the start and not more than 5 places after it, else
// scientific; always with a fraction or exponent.
func ryuFormat(f float64) string {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return "null"
	}
	if f == 0 {
		if math.Signbit(f) {
			return "-0.0"
		}
		return "0.0"
	}
	e := strconv.FormatFloat(f, 'e', -1, 64) // d.ddde±xx
	neg := strings.HasPrefix(e, "-")
	if neg {
		e = e[1:]
	}
	mant, expStr, _ := strings.Cut(e, "e")
	exp, _ := strconv.Atoi(expStr)
	digits := strings.Replace(mant, ".", "", 1)
	n := len(digits)
	kk := exp + 1 // position of the decimal point relative to the digits
	var out string
	switch {
	case kk >= n && kk <= 16:
		out = digits + strings.Repeat("0", kk-n) + ".0"
	case kk > 0 && kk <= 16:
		out = digits[:kk] + "." + digits[kk:]
	case kk > -5 && kk <= 0:
		out = "0." + strings.Repeat("0", -kk) + digits
	case n == 1:
		out = digits + "e" + strconv.Itoa(kk-1)
	default:
		out = digits[:1] + "." + digits[1:] + "e" + strconv.Itoa(kk-1)
	}
	if neg {
		return "-" + out
	}
	return out
}
