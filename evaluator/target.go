package evaluator

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/dlclark/regexp2"
	jsoniter "github.com/json-iterator/go"
)

// target is a condition's targetValue, pre-processed once at load time (§2.1 "Target values").
// What most conditions need is inline; what few need (originals of a list that differ from
// its set, string maps, regexes) sits behind x, so the condition stays small.
type target struct {
	kind   uint8 // kindNull, kindString, kindNumber, kindBool, kindArray, kindObject
	hasNum bool
	hasTS  bool
	b      bool

	// string target
	str string
	num float64
	ts  int64

	// array target: the distinct lower-cased elements
	set strSet
	// bucket sets (v2 user_bucket any/none) whose keys are all integers below 1024
	buckets *[bucketWords]uint64
	x       *targetExt
}

type targetExt struct {
	// the array's originals in order, when they differ from the set (eq/neq compare
	// positions; other operators treat the target as a set, so an already lower-case list,
	// such as an allow-list of IDs, is only the set)
	list []string
	// other object targets: key -> value string
	obj map[string]string
	re  matcher // str_matches
}

func (t *target) ext(slab *condSlab) *targetExt {
	if t.x == nil {
		t.x = slab.ext()
	}
	return t.x
}

func (t *target) list() []string {
	if t.x == nil {
		return nil
	}
	return t.x.list
}

func (t *target) obj() map[string]string {
	if t.x == nil {
		return nil
	}
	return t.x.obj
}

func (t *target) re() matcher {
	if t.x == nil {
		return nil
	}
	return t.x.re
}

const bucketWords = 16 // 1024 bits

func (t *target) hasLower(s string) bool { return t.set.has(s) }

// elems is the number of array elements an operator iterates over (list, else the set).
func (t *target) elems() int {
	if l := t.list(); l != nil {
		return len(l)
	}
	return t.set.len()
}

func (t *target) elem(i int) string {
	if l := t.list(); l != nil {
		return l[i]
	}
	return t.set.at(i)
}

// hasBucket looks a key up in an object target.
func (t *target) hasKey(k string) bool {
	if t.buckets != nil {
		n, err := strconv.Atoi(k)
		if err != nil || n < 0 || n >= bucketWords*64 || smallInts[n] != k {
			return false
		}
		return t.buckets[n/64]&(1<<(n%64)) != 0
	}
	_, ok := t.obj()[k]
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

// readTarget decodes a targetValue in one pass: scalars parsed once, array elements and
// object entries read straight into strings (the way serde_json prints them), never into a
// generic tree. What depends on the operator is done by finishTarget.
func readTarget(it *jsoniter.Iterator) (tg target, list, keys, vals []string, err error) {
	switch it.WhatIsNext() {
	case jsoniter.NilValue:
		it.Skip()
		return target{kind: kindNull}, nil, nil, nil, nil
	case jsoniter.StringValue:
		t := it.ReadString()
		tg = target{kind: kindString, str: t}
		tg.num, tg.hasNum = parseRustFloat(t)
		tg.ts, tg.hasTS = parseTargetTimestamp(t)
		return tg, nil, nil, nil, nil
	case jsoniter.NumberValue:
		lit := string(it.ReadNumber())
		f, perr := strconv.ParseFloat(lit, 64)
		if perr != nil && !isRangeErr(perr) {
			return target{}, nil, nil, nil, fmt.Errorf("targetValue: bad number %q", lit)
		}
		return target{kind: kindNumber, hasNum: true, num: f}, nil, nil, nil, nil
	case jsoniter.BoolValue:
		return target{kind: kindBool, b: it.ReadBool()}, nil, nil, nil, nil
	case jsoniter.ArrayValue:
		it.ReadArrayCB(func(it *jsoniter.Iterator) bool {
			list = append(list, readElementString(it))
			return it.Error == nil
		})
		return target{kind: kindArray}, list, nil, nil, it.Error
	case jsoniter.ObjectValue:
		it.ReadMapCB(func(it *jsoniter.Iterator, k string) bool {
			keys = append(keys, k)
			vals = append(vals, readElementString(it))
			return it.Error == nil
		})
		return target{kind: kindObject}, nil, keys, vals, it.Error
	}
	it.Skip()
	return target{}, nil, nil, nil, fmt.Errorf("targetValue: unsupported JSON")
}

// readElementString reads one array element or object value as the string Server Core
// compares against: strings as they are, numbers as serde_json prints them, true/false/null,
// and nested values as compact JSON with sorted keys.
func readElementString(it *jsoniter.Iterator) string {
	switch it.WhatIsNext() {
	case jsoniter.StringValue:
		return it.ReadString()
	case jsoniter.NumberValue:
		return serdeNumber(string(it.ReadNumber()))
	case jsoniter.BoolValue:
		if it.ReadBool() {
			return "true"
		}
		return "false"
	case jsoniter.NilValue:
		it.Skip()
		return "null"
	}
	b, _ := json.Marshal(it.Read())
	return string(b)
}

// finishTarget applies what depends on the operator: str_matches compiles a string target as a
// regular expression; membership operators store integer bucket sets as a bitset; set-like
// operators keep one sorted, de-duplicated lower-case list.
func finishTarget(tg target, list, keys, vals []string, op opKind, slab *condSlab) target {
	switch tg.kind {
	case kindString:
		tg.str = slab.concat(tg.str)
		if op == opStrMatches {
			if re := compileMatcher(tg.str); re != nil {
				tg.ext(slab).re = re
			}
		}
	case kindArray:
		lows := make([]string, len(list))
		for i, s := range list {
			lows[i] = strings.ToLower(s)
		}
		tg.set = newStrSet(lows, slab)
		if op == opEQ || op == opNEQ || !allLower(list) {
			list = slab.strings(list)
			if list == nil {
				list = []string{}
			}
			pack(list, slab)
			tg.ext(slab).list = list
		}
	case kindObject:
		membership := op == opAny || op == opNone_ || op == opAnyCaseSensitive || op == opNoneCaseSensitive
		if membership {
			var bits [bucketWords]uint64
			all := true
			for _, k := range keys {
				n, err := strconv.Atoi(k)
				if err != nil || n < 0 || n >= bucketWords*64 || smallInts[n] != k {
					all = false
					break
				}
				bits[n/64] |= 1 << (n % 64)
			}
			if all {
				tg.buckets = slab.bucketSet()
				*tg.buckets = bits
				return tg
			}
		}
		obj := make(map[string]string, len(keys))
		for i, k := range keys {
			obj[k] = vals[i]
		}
		tg.ext(slab).obj = obj
	}
	return tg
}

// pack re-points the strings of list into one shared allocation: an allow-list's elements
// are then contiguous (its binary search touches a few cache lines, not one per element) and
// do not sit between the load's garbage in the heap (less fragmentation, lower RSS).
func pack(list []string, slab *condSlab) {
	if len(list) < 2 {
		return
	}
	all, off := slab.concat(list...), 0
	for i, s := range list {
		list[i] = all[off : off+len(s)]
		off += len(s)
	}
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
