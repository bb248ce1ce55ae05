package evaluator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Value is a user-side value with the typed views Server Core's operators read
// (docs/semantics.md §2.1): a string view, a float view, an int view, a timestamp view, a
// bool view and array elements. Views are computed once, when the user is decoded.
type Value struct {
	kind   uint8
	hasStr bool
	hasNum bool
	hasInt bool
	hasTS  bool
	b      bool
	str    string
	num    float64
	i64    int64
	ts     int64
	nest   *nested // arrays and objects only: keeps every other Value small (56 bytes)
}

// nested holds an array's elements or an object's fields.
type nested struct {
	arr []Value
	obj map[string]Value
}

// elems is an array's elements (nil for any other kind).
func (v *Value) elems() []Value {
	if v.nest == nil {
		return nil
	}
	return v.nest.arr
}

// fields is an object's fields (nil for any other kind).
func (v *Value) fields() map[string]Value {
	if v.nest == nil {
		return nil
	}
	return v.nest.obj
}

const (
	kindMissing uint8 = iota
	kindNull
	kindString
	kindNumber
	kindBool
	kindArray
	kindObject
)

// StringValue returns a Value holding s.
func StringValue(s string) Value {
	v := Value{kind: kindString, hasStr: true, str: s}
	if f, ok := parseRustFloat(s); ok {
		v.hasNum, v.num = true, f
	}
	if i, ok := parseInt(s); ok {
		v.hasInt, v.i64 = true, i
	}
	if ts, ok := parseUserTimestamp(s); ok {
		v.hasTS, v.ts = true, ts
	}
	return v
}

// parseInt is strconv.ParseInt(s, 10, 64) without the error it allocates for every string
// that is not an integer (most user strings).
func parseInt(s string) (int64, bool) {
	if !looksInteger(s) {
		return 0, false
	}
	i, err := strconv.ParseInt(s, 10, 64)
	return i, err == nil
}

// looksInteger reports whether s is an optional sign followed by 1 to 19 digits, the only
// strings strconv.ParseInt(s, 10, 64) may accept.
func looksInteger(s string) bool {
	if s != "" && (s[0] == '+' || s[0] == '-') {
		s = s[1:]
	}
	if s == "" || len(s) > 19 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// NumberValue returns a Value holding f.
func NumberValue(f float64) Value {
	v := Value{kind: kindNumber, hasStr: true, str: strconv.FormatFloat(f, 'f', -1, 64), hasNum: true, num: f}
	if f == math.Trunc(f) && f >= -9.223372036854775e18 && f <= 9.223372036854775e18 {
		v.hasInt, v.i64 = true, int64(f)
	}
	return v
}

func intValue(i int64) Value {
	var str string
	if i >= 0 && i < int64(len(smallInts)) {
		str = smallInts[i] // user buckets: no allocation per condition
	} else {
		str = strconv.FormatInt(i, 10)
	}
	return Value{kind: kindNumber, hasStr: true, str: str, hasNum: true, num: float64(i), hasInt: true, i64: i}
}

// smallInts are the decimal strings of 0..1023 (bucket numbers).
var smallInts = func() (a [bucketWords * 64]string) {
	for i := range a {
		a[i] = strconv.Itoa(i)
	}
	return a
}()

// The JSON literals, as payloads spell them.
const (
	jsonTrue  = "true"
	jsonFalse = "false"
	jsonNull  = "null"
)

// BoolValue returns a Value holding b.
func BoolValue(b bool) Value {
	return Value{kind: kindBool, hasStr: true, str: strconv.FormatBool(b), b: b}
}

// IsMissing reports whether the value is absent or JSON null.
func (v Value) IsMissing() bool { return v.kind == kindMissing || v.kind == kindNull }

// String returns the string view ("" when there is none).
func (v Value) String() string { return v.str }

// IDString is the value as a unit ID: the string view of a string or number, else "".
func (v Value) IDString() string {
	if v.kind == kindString || v.kind == kindNumber {
		return v.str
	}
	return ""
}

// valueFromJSON builds a Value from raw JSON. Scalars (nearly every user field) take a fast
// path; arrays and objects go through a number-preserving decoder.
func valueFromJSON(raw json.RawMessage) (Value, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 {
		switch c := raw[0]; {
		case c == '"':
			if len(raw) >= 2 && raw[len(raw)-1] == '"' && bytes.IndexByte(raw[1:len(raw)-1], '\\') < 0 && utf8.Valid(raw) {
				return StringValue(string(raw[1 : len(raw)-1])), nil
			}
			var str string
			if err := json.Unmarshal(raw, &str); err != nil {
				return Value{}, err
			}
			return StringValue(str), nil
		case c == '-' || (c >= '0' && c <= '9'):
			f, err := strconv.ParseFloat(string(raw), 64)
			if err != nil && !isRangeErr(err) {
				return Value{}, fmt.Errorf("invalid number %q", raw)
			}
			return NumberValue(f), nil
		case string(raw) == jsonTrue:
			return BoolValue(true), nil
		case string(raw) == jsonFalse:
			return BoolValue(false), nil
		case string(raw) == jsonNull:
			return Value{kind: kindNull}, nil
		}
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var x any
	if err := dec.Decode(&x); err != nil {
		return Value{}, err
	}
	v := valueFromAny(x)
	if v.kind == kindArray {
		var buf bytes.Buffer
		if err := json.Compact(&buf, raw); err == nil {
			v.str = buf.String()
		}
	}
	return v, nil
}

func valueFromAny(x any) Value {
	switch t := x.(type) {
	case nil:
		return Value{kind: kindNull}
	case string:
		return StringValue(t)
	case json.Number:
		f, err := strconv.ParseFloat(string(t), 64)
		if err != nil {
			f = math.Inf(1)
			if strings.HasPrefix(string(t), "-") {
				f = math.Inf(-1)
			}
		}
		return NumberValue(f)
	case float64:
		return NumberValue(t)
	case int:
		return intValue(int64(t))
	case int64:
		return intValue(t)
	case bool:
		return BoolValue(t)
	case []any:
		arr := make([]Value, len(t))
		for i, e := range t {
			arr[i] = valueFromAny(e)
		}
		v := Value{kind: kindArray, hasStr: true, nest: &nested{arr: arr}}
		if b, err := json.Marshal(t); err == nil {
			v.str = string(b)
		}
		return v
	case map[string]any:
		obj := make(map[string]Value, len(t))
		for k, e := range t {
			obj[k] = valueFromAny(e)
		}
		return Value{kind: kindObject, nest: &nested{obj: obj}}
	}
	return Value{}
}

// parseRustFloat parses s with Rust f64 syntax: optional sign, digits with optional '.' and
// exponent, or inf/infinity/nan in any case; no spaces, no hex, no '_' (unlike strconv).
// lowerSpecial is strings.ToLower(s) where the result may be a special float's name, else s:
// an ASCII string of another length cannot become one, and is not copied.
func lowerSpecial(s string) string {
	if len(s) != 3 && len(s) != 8 {
		for i := 0; i < len(s); i++ {
			if s[i] >= 0x80 {
				return strings.ToLower(s) // Unicode letters may lower-case to fewer bytes
			}
		}
		return s
	}
	return strings.ToLower(s)
}

func parseRustFloat(s string) (float64, bool) {
	if s == "" {
		return 0, false
	}
	body := s
	if body[0] == '+' || body[0] == '-' {
		body = body[1:]
	}
	switch lowerSpecial(body) {
	case "inf", "infinity":
		if s[0] == '-' {
			return math.Inf(-1), true
		}
		return math.Inf(1), true
	case "nan":
		return math.NaN(), true
	}
	digits, dot, exp := 0, false, false
	for i := 0; i < len(body); i++ {
		c := body[i]
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c == '.' && !dot && !exp:
			dot = true
		case (c == 'e' || c == 'E') && !exp && digits > 0:
			exp = true
			if i+1 < len(body) && (body[i+1] == '+' || body[i+1] == '-') {
				i++
			}
			if i+1 >= len(body) {
				return 0, false
			}
		default:
			return 0, false
		}
	}
	if digits == 0 {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		// Out-of-range literals are infinities in Rust as well.
		var ne *strconv.NumError
		if ok := asNumError(err, &ne); ok && ne.Err == strconv.ErrRange {
			return f, true
		}
		return 0, false
	}
	return f, true
}

func asNumError(err error, target **strconv.NumError) bool {
	ne, ok := err.(*strconv.NumError)
	if ok {
		*target = ne
	}
	return ok
}

// parseUserTimestamp is the user-side timestamp view: an integer, or — only when the string
// is 8 to 20 bytes long and contains '-', 'T' or ':' — an RFC 3339 or "YYYY-MM-DD HH:MM:SS" time.
func parseUserTimestamp(s string) (int64, bool) {
	if i, ok := parseInt(s); ok {
		return i, true
	}
	if len(s) < 8 || len(s) > 20 || !strings.ContainsAny(s, "-T:") {
		return 0, false
	}
	return parseDateTime(s)
}

// parseTargetTimestamp is the target-side timestamp view: the same formats, no length gate.
func parseTargetTimestamp(s string) (int64, bool) {
	if i, ok := parseInt(s); ok {
		return i, true
	}
	return parseDateTime(s)
}

var rfc3339Layouts = []string{
	"2006-01-02T15:04:05Z07:00", "2006-01-02t15:04:05Z07:00", "2006-01-02 15:04:05Z07:00",
	"2006-01-02T15:04:05.999999999Z07:00", "2006-01-02t15:04:05.999999999Z07:00", "2006-01-02 15:04:05.999999999Z07:00",
}

func parseDateTime(s string) (int64, bool) {
	// every accepted layout starts "YYYY-MM-DD" and a separator: most strings (IDs, names)
	// are rejected here without the errors time.Parse would allocate
	if len(s) < 19 || s[4] != '-' || s[7] != '-' || s[10] != 'T' && s[10] != 't' && s[10] != ' ' {
		return 0, false
	}
	for _, layout := range rfc3339Layouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UnixMilli(), true
		}
	}
	if strings.HasSuffix(s, "z") { // chrono accepts a lower-case zone letter
		return parseDateTime(s[:len(s)-1] + "Z")
	}
	if t, err := time.Parse("2006-01-02 15:04:05", s); err == nil {
		return t.UnixMilli(), true
	}
	return 0, false
}
