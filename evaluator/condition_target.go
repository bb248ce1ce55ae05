package evaluator

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/dlclark/regexp2"
	"github.com/statsig-operator/statsig-operator/evaluator/internal/jsonscan"
	"github.com/statsig-operator/statsig-operator/evaluator/internal/sets"
)

// target is a condition's targetValue, pre-processed once at load time (docs/semantics.md §2.1 "Target values").
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
	set sets.StrSet
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
	re  matcher       // str_matches
	ver versionTarget // version operators' string target
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

// version is a version operator's compiled string target.
func (t *target) version() *versionTarget {
	if t.x == nil {
		return nil
	}
	return &t.x.ver
}

func (t *target) re() matcher {
	if t.x == nil {
		return nil
	}
	return t.x.re
}

const bucketWords = 16 // 1024 bits

func (t *target) hasLower(s string) bool { return t.set.Has(s) }

// elems is the number of array elements an operator iterates over (list, else the set).
func (t *target) elems() int {
	if l := t.list(); l != nil {
		return len(l)
	}
	return t.set.Len()
}

func (t *target) elem(i int) string {
	if l := t.list(); l != nil {
		return l[i]
	}
	return t.set.At(i)
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

// MaxRegexPatternLen caps a str_matches pattern: compiling is linear in its size but with a
// large constant (a 5 MB literal took 813 MB and 11 s), and a payload is compiled by the
// controller to validate it and by every replica. A longer pattern is treated as an invalid
// one: the condition fails (docs/semantics.md §2.9).
const MaxRegexPatternLen = 16 << 10

func compileMatcher(pattern string) matcher {
	if len(pattern) > MaxRegexPatternLen {
		return nil
	}
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

// listScratch is a compiling goroutine's reusable buffers for list targets: elements (or an
// object's keys) and values end to end with their end offsets, so that reading a list
// allocates nothing per element; only the finished set is copied into the slab.
type listScratch struct {
	data, vals []byte
	ends, vend []uint32
	low        []byte
	lowEnds    []uint32
	str        []byte // a string target until it is copied into the slab
	set        sets.Scratch
}

// readTarget decodes a targetValue in one pass: scalars parsed once, array elements and
// object entries appended to ls as the strings Server Core compares against (the way
// serde_json prints them), never into a generic tree or a string each. What depends on the
// operator is done by finishTarget.
func readTarget(c *jsonscan.Cursor, ls *listScratch) (tg target, err error) {
	switch c.Kind() {
	case 'n':
		return target{kind: kindNull}, c.Lit(jsonNull)
	case '"':
		b, err := c.Str()
		if err != nil {
			return target{}, err
		}
		ls.str = append(ls.str[:0], b...)
		t := unsafe.String(unsafe.SliceData(ls.str), len(ls.str)) // copied by finishTarget
		tg = target{kind: kindString, str: t}
		tg.num, tg.hasNum = parseRustFloat(t)
		tg.ts, tg.hasTS = parseTargetTimestamp(t)
		return tg, nil
	case '0':
		lit := c.Number()
		f, perr := strconv.ParseFloat(string(lit), 64)
		if perr != nil && !isRangeErr(perr) {
			return target{}, fmt.Errorf("targetValue: bad number %q", lit)
		}
		return target{kind: kindNumber, hasNum: true, num: f}, nil
	case 't', 'f':
		b := c.Kind() == 't'
		if b {
			err = c.Lit(jsonTrue)
		} else {
			err = c.Lit(jsonFalse)
		}
		return target{kind: kindBool, b: b}, err
	case '[':
		ls.data, ls.ends = ls.data[:0], ls.ends[:0]
		err = c.Array(func() error {
			var err error
			ls.data, err = appendElement(c, ls.data)
			ls.ends = append(ls.ends, uint32(len(ls.data)))
			return err
		})
		return target{kind: kindArray}, err
	case '{':
		ls.data, ls.ends, ls.vals, ls.vend = ls.data[:0], ls.ends[:0], ls.vals[:0], ls.vend[:0]
		err = c.Object(func(k []byte) error {
			ls.data = append(ls.data, k...)
			ls.ends = append(ls.ends, uint32(len(ls.data)))
			var err error
			ls.vals, err = appendElement(c, ls.vals)
			ls.vend = append(ls.vend, uint32(len(ls.vals)))
			return err
		})
		return target{kind: kindObject}, err
	}
	return target{}, errors.Join(errors.New("targetValue: unsupported JSON"), c.Skip())
}

// appendElement appends one array element or object value as the string Server Core
// compares against: strings as they are, numbers as serde_json prints them, true/false/null,
// and nested values as compact JSON with sorted keys.
func appendElement(c *jsonscan.Cursor, dst []byte) ([]byte, error) {
	switch c.Kind() {
	case '"':
		b, err := c.Str()
		return append(dst, b...), err
	case '0':
		lit := c.Number()
		if plainInt(lit) {
			return append(dst, lit...), nil
		}
		return append(dst, serdeNumber(string(lit))...), nil
	case 't':
		return append(dst, jsonTrue...), c.Lit(jsonTrue)
	case 'f':
		return append(dst, jsonFalse...), c.Lit(jsonFalse)
	case 'n':
		return append(dst, jsonNull...), c.Lit(jsonNull)
	case '[', '{':
		v, err := readAny(c)
		if err != nil {
			return dst, err
		}
		// sorted keys, HTML escaped; a number literal that is not valid JSON fails the
		// whole value, which then prints as nothing (as it always has)
		b, _ := json.Marshal(v)
		return append(dst, b...), nil
	}
	return dst, c.Fail("invalid character")
}

// readAny decodes the value at the cursor into a generic tree: strings as they are (bytes
// that are not UTF-8 kept, for Marshal to print as \ufffd), numbers as their literal
// (json.Number, the run of number characters the cursor takes), a repeated key's last value.
func readAny(c *jsonscan.Cursor) (any, error) {
	switch c.Kind() {
	case '"':
		b, err := c.Str()
		return string(b), err
	case '0':
		lit := c.Number()
		if len(lit) == 0 {
			return nil, c.Fail("invalid number")
		}
		return json.Number(lit), nil
	case 't':
		return true, c.Lit(jsonTrue)
	case 'f':
		return false, c.Lit(jsonFalse)
	case 'n':
		return nil, c.Lit(jsonNull)
	case '[':
		arr := []any{}
		err := c.Array(func() error {
			v, err := readAny(c)
			arr = append(arr, v)
			return err
		})
		return arr, err
	case '{':
		obj := map[string]any{}
		err := c.Object(func(k []byte) error {
			key := string(k)
			v, err := readAny(c)
			obj[key] = v
			return err
		})
		return obj, err
	}
	return nil, c.Fail("invalid character")
}

// plainInt reports a literal that serdeNumber would return as it is: an int64 without
// fraction, exponent or leading zeros (the common case, parsed without a string).
func plainInt(lit []byte) bool {
	d := lit
	if len(d) > 0 && d[0] == '-' {
		d = d[1:]
	}
	if len(d) == 0 || len(d) > 18 || d[0] == '0' && len(d) > 1 {
		return false
	}
	for _, ch := range d {
		if ch < '0' || ch > '9' {
			return false
		}
	}
	return true
}

// finishTarget applies what depends on the operator: str_matches compiles a string target as a
// regular expression; membership operators store integer bucket sets as a bitset; set-like
// operators keep one de-duplicated lower-case set.
func finishTarget(tg target, ls *listScratch, op opKind, slab *condSlab) target {
	switch tg.kind {
	case kindString:
		tg.str = slab.concat(tg.str)
		if op == opStrMatches {
			if re := compileMatcher(tg.str); re != nil {
				tg.ext(slab).re = re
			}
		}
		if op >= opVersionGT && op <= opVersionNEQ {
			tg.ext(slab).ver = compileVersion(tg.str, slab)
		}
	case kindArray:
		low, lowEnds, same := lowerList(ls)
		tg.set = sets.NewPacked(low, lowEnds, &ls.set, slab.arena())
		if op == opEQ || op == opNEQ || !same {
			tg.ext(slab).list = slab.views(ls.data, ls.ends)
		}
	case kindObject:
		membership := op == opAny || op == opNone_ || op == opAnyCaseSensitive || op == opNoneCaseSensitive
		if membership {
			var bits [bucketWords]uint64
			all := true
			for i := range ls.ends {
				n, ok := smallIntKey(sets.ElemAt(ls.data, ls.ends, i))
				if !ok {
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
		keys, vals := slab.views(ls.data, ls.ends), slab.views(ls.vals, ls.vend)
		obj := make(map[string]string, len(keys))
		for i, k := range keys {
			obj[k] = vals[i]
		}
		tg.ext(slab).obj = obj
	}
	return tg
}

// smallIntKey parses a bucket key: a canonical decimal below bucketWords*64.
func smallIntKey(k []byte) (int, bool) {
	if len(k) == 0 || len(k) > 4 || k[0] == '0' && len(k) > 1 {
		return 0, false
	}
	n := 0
	for _, ch := range k {
		if ch < '0' || ch > '9' {
			return 0, false
		}
		n = n*10 + int(ch-'0')
	}
	return n, n < bucketWords*64
}

// lowerList returns the list's elements lower-cased (as strings.ToLower does), and whether
// that changed none of them (then they are the list's own buffers).
func lowerList(ls *listScratch) (low []byte, ends []uint32, same bool) {
	ascii, upper := true, false
	for _, ch := range ls.data {
		if ch >= utf8.RuneSelf {
			ascii = false
			break
		}
		if 'A' <= ch && ch <= 'Z' {
			upper = true
		}
	}
	if ascii && !upper {
		return ls.data, ls.ends, true
	}
	if ascii {
		low = append(ls.low[:0], ls.data...)
		for i, ch := range low {
			if 'A' <= ch && ch <= 'Z' {
				low[i] = ch + 'a' - 'A'
			}
		}
		ls.low = low
		return low, ls.ends, false
	}
	low, ends, same = ls.low[:0], ls.lowEnds[:0], true
	for i := range ls.ends {
		e := sets.ElemAt(ls.data, ls.ends, i)
		l := strings.ToLower(string(e))
		same = same && l == string(e)
		low = append(low, l...)
		ends = append(ends, uint32(len(low)))
	}
	ls.low, ls.lowEnds = low, ends
	return low, ends, same
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
		return jsonNull
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
