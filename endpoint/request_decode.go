package endpoint

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"unicode/utf8"
	"unsafe"
)

// evalRequest's fields, in order.
const (
	fGateName = iota
	fGateNames
	fConfigName
	fConfigNames
	fExperimentName
	fExperimentNames
	fLayerName
	fLayerNames
	fParameterNames
	fParameterName
	fUser
	fStatsigMetadata
	numEvalRequestFields
)

// evalRequestFields are evalRequest's JSON names, read from its tags so that the two cannot
// differ: a key that matches one only case-insensitively is left to encoding/json (which
// folds case).
var evalRequestFields = func() (names [numEvalRequestFields]string) {
	t := reflect.TypeFor[evalRequest]()
	if t.NumField() != numEvalRequestFields {
		panic("endpoint: evalRequest's fields and fastEvalRequest's differ")
	}
	for i := range names {
		names[i] = t.Field(i).Tag.Get("json")
	}
	return names
}()

// exposureLoggingDisabled is statsigMetadata's field.
const exposureLoggingDisabled = "exposureLoggingDisabled"

// decodeEvalRequest decodes data (a JSON object) into req as json.Unmarshal does, with the
// same errors: the common request shapes are read by fastEvalRequest, everything else (and
// every error) by encoding/json.
func decodeEvalRequest(data []byte, req *evalRequest) error {
	if fastEvalRequest(data, req) {
		return nil
	}
	// Into a local: req itself then stays off the heap on the fast path.
	var general evalRequest
	err := json.Unmarshal(data, &general)
	*req = general
	return err
}

// fastEvalRequest reads the request shapes SDKs and services send without reflection: exact
// field names, plain strings (no escapes, valid UTF-8), lists of them, any user value, and
// statsigMetadata's exposureLoggingDisabled; other fields are validated and skipped. It
// reports false, having possibly written part of req, for anything else: keys that are
// escaped, non-ASCII, repeated or equal to a field but for case, values of the wrong type,
// parameterNames, deep nesting and every syntax error. Strings and the user are copies:
// data is a pooled buffer.
func fastEvalRequest(data []byte, req *evalRequest) bool {
	d := reqDecoder{b: data}
	var seen [len(evalRequestFields)]bool
	ok := d.object(func(key string) bool {
		i := fieldIndex(key)
		if i < 0 {
			if foldsToField(key) {
				return false
			}
			return d.skip(0)
		}
		if seen[i] {
			return false
		}
		seen[i] = true
		switch i {
		case fGateName:
			return d.str(&req.GateName)
		case fConfigName:
			return d.str(&req.ConfigName)
		case fExperimentName:
			return d.str(&req.ExperimentName)
		case fLayerName:
			return d.str(&req.LayerName)
		case fParameterName:
			return d.str(&req.ParameterName)
		case fGateNames:
			return d.strList(&req.GateNames)
		case fConfigNames:
			return d.strList(&req.ConfigNames)
		case fExperimentNames:
			return d.strList(&req.ExperimentNames)
		case fLayerNames:
			return d.strList(&req.LayerNames)
		case fUser:
			start := d.ws()
			if !d.skip(0) {
				return false
			}
			req.User = json.RawMessage(data[start:d.i])
			return true
		case fStatsigMetadata:
			return d.metadata(req)
		}
		return false // parameterNames: encoding/json
	})
	if !ok || d.ws() != len(data) {
		return false
	}
	req.User = bytes.Clone(req.User)
	ownStrings(req)
	return true
}

// ownStrings copies req's strings (views of the pooled body) into one allocation.
func ownStrings(req *evalRequest) {
	singles := [...]*string{&req.GateName, &req.ConfigName, &req.ExperimentName, &req.LayerName, &req.ParameterName}
	lists := [...][]string{req.GateNames, req.ConfigNames, req.ExperimentNames, req.LayerNames}
	n := 0
	for _, s := range singles {
		n += len(*s)
	}
	for _, l := range lists {
		for _, s := range l {
			n += len(s)
		}
	}
	if n == 0 {
		return
	}
	own := make([]byte, 0, n)
	view := func(s string) string {
		at := len(own)
		own = append(own, s...)
		return unsafe.String(unsafe.SliceData(own[at:]), len(s))
	}
	for _, s := range singles {
		if *s != "" {
			*s = view(*s)
		}
	}
	for _, l := range lists {
		for i, s := range l {
			if s != "" {
				l[i] = view(s)
			}
		}
	}
}

func fieldIndex(key string) int {
	for i, f := range evalRequestFields {
		if f == key {
			return i
		}
	}
	return -1
}

// foldsToField: encoding/json would match key to a field case-insensitively (non-ASCII keys
// are assumed to, as its folding knows a few non-ASCII letters).
func foldsToField(key string) bool {
	for i := 0; i < len(key); i++ {
		if key[i] >= utf8.RuneSelf {
			return true
		}
	}
	for _, f := range evalRequestFields {
		if strings.EqualFold(f, key) {
			return true
		}
	}
	return false
}

// reqDecoder reads JSON in place. Its methods report false for anything fastEvalRequest
// leaves to encoding/json.
type reqDecoder struct {
	b []byte
	i int
}

// maxFastDepth bounds the nesting the fast path validates; deeper goes to encoding/json.
const maxFastDepth = 64

// ws skips whitespace and returns the offset of the next byte.
func (d *reqDecoder) ws() int {
	for d.i < len(d.b) {
		switch d.b[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return d.i
		}
	}
	return d.i
}

func (d *reqDecoder) peek() byte {
	if d.ws() < len(d.b) {
		return d.b[d.i]
	}
	return 0
}

func (d *reqDecoder) eat(c byte) bool {
	if d.peek() == c {
		d.i++
		return true
	}
	return false
}

// object reads {"key": value, ...}; field reads each value. Keys must be plain ASCII.
func (d *reqDecoder) object(field func(key string) bool) bool {
	if !d.eat('{') {
		return false
	}
	if d.eat('}') {
		return true
	}
	for {
		key, ok := d.plainString()
		if !ok || !d.eat(':') || !field(key) {
			return false
		}
		if d.eat('}') {
			return true
		}
		if !d.eat(',') {
			return false
		}
	}
}

// plainString reads a string without escapes, control characters or invalid UTF-8, as a view.
func (d *reqDecoder) plainString() (string, bool) {
	if !d.eat('"') {
		return "", false
	}
	start := d.i
	for d.i < len(d.b) {
		switch c := d.b[d.i]; {
		case c == '"':
			s := d.b[start:d.i]
			d.i++
			if !utf8.Valid(s) {
				return "", false
			}
			return unsafe.String(unsafe.SliceData(s), len(s)), true
		case c == '\\' || c < 0x20:
			return "", false
		}
		d.i++
	}
	return "", false
}

// str reads a plain string or null (which leaves *dst as it is, as encoding/json does).
func (d *reqDecoder) str(dst *string) bool {
	if d.peek() == 'n' {
		return d.lit("null")
	}
	s, ok := d.plainString()
	*dst = s
	return ok
}

// strList reads an array of plain strings (an empty array is an empty, non-nil list), or null.
func (d *reqDecoder) strList(dst *[]string) bool {
	if d.peek() == 'n' {
		return d.lit("null")
	}
	if !d.eat('[') {
		return false
	}
	n, probe := 0, *d
	if !probe.eat(']') {
		for {
			if _, ok := probe.plainString(); !ok {
				return false
			}
			n++
			if probe.eat(']') {
				break
			}
			if !probe.eat(',') {
				return false
			}
		}
	}
	list := make([]string, n)
	for i := range list {
		if i > 0 {
			d.eat(',')
		}
		list[i], _ = d.plainString()
	}
	d.eat(']')
	*dst = list
	return true
}

// metadata reads statsigMetadata: null, or an object whose exposureLoggingDisabled is a
// boolean or null; other fields are skipped.
func (d *reqDecoder) metadata(req *evalRequest) bool {
	if d.peek() == 'n' {
		return d.lit("null")
	}
	var md struct {
		ExposureLoggingDisabled bool `json:"exposureLoggingDisabled"`
	}
	seen := false
	ok := d.object(func(key string) bool {
		if key != exposureLoggingDisabled {
			return !strings.EqualFold(key, exposureLoggingDisabled) && !foldsNonASCII(key) && d.skip(1)
		}
		if seen {
			return false
		}
		seen = true
		switch d.peek() {
		case 't':
			md.ExposureLoggingDisabled = true
			return d.lit("true")
		case 'f':
			return d.lit("false")
		case 'n':
			return d.lit("null")
		}
		return false
	})
	if !ok {
		return false
	}
	req.StatsigMetadata = &md
	return true
}

func foldsNonASCII(key string) bool {
	for i := 0; i < len(key); i++ {
		if key[i] >= utf8.RuneSelf {
			return true
		}
	}
	return false
}

func (d *reqDecoder) lit(word string) bool {
	d.ws()
	if !bytes.HasPrefix(d.b[d.i:], []byte(word)) {
		return false
	}
	d.i += len(word)
	return true
}

// skip validates one value of any type (at nesting depth) and moves past it.
func (d *reqDecoder) skip(depth int) bool {
	if depth > maxFastDepth {
		return false
	}
	switch c := d.peek(); c {
	case '{':
		d.i++
		if d.eat('}') {
			return true
		}
		for {
			if !d.skipString() || !d.eat(':') || !d.skip(depth+1) {
				return false
			}
			if d.eat('}') {
				return true
			}
			if !d.eat(',') {
				return false
			}
		}
	case '[':
		d.i++
		if d.eat(']') {
			return true
		}
		for {
			if !d.skip(depth + 1) {
				return false
			}
			if d.eat(']') {
				return true
			}
			if !d.eat(',') {
				return false
			}
		}
	case '"':
		return d.skipString()
	case 't':
		return d.lit("true")
	case 'f':
		return d.lit("false")
	case 'n':
		return d.lit("null")
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		return d.skipNumber()
	}
	return false
}

// skipString validates a string with any escapes (encoding/json accepts invalid UTF-8).
func (d *reqDecoder) skipString() bool {
	if !d.eat('"') {
		return false
	}
	for d.i < len(d.b) {
		c := d.b[d.i]
		d.i++
		switch {
		case c == '"':
			return true
		case c < 0x20:
			return false
		case c == '\\':
			if d.i >= len(d.b) {
				return false
			}
			e := d.b[d.i]
			d.i++
			switch e {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if d.i+4 > len(d.b) {
					return false
				}
				for _, h := range d.b[d.i : d.i+4] {
					if !isHex(h) {
						return false
					}
				}
				d.i += 4
			default:
				return false
			}
		}
	}
	return false
}

func isHex(c byte) bool {
	return ('0' <= c && c <= '9') || ('a' <= c && c <= 'f') || ('A' <= c && c <= 'F')
}

// skipNumber validates -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (d *reqDecoder) skipNumber() bool {
	b := d.b
	if d.i < len(b) && b[d.i] == '-' {
		d.i++
	}
	switch {
	case d.i < len(b) && b[d.i] == '0':
		d.i++
	case d.i < len(b) && '1' <= b[d.i] && b[d.i] <= '9':
		d.digits()
	default:
		return false
	}
	if d.i < len(b) && b[d.i] == '.' {
		d.i++
		if d.digits() == 0 {
			return false
		}
	}
	if d.i < len(b) && (b[d.i] == 'e' || b[d.i] == 'E') {
		d.i++
		if d.i < len(b) && (b[d.i] == '+' || b[d.i] == '-') {
			d.i++
		}
		if d.digits() == 0 {
			return false
		}
	}
	return true
}

func (d *reqDecoder) digits() int {
	start := d.i
	for d.i < len(d.b) && '0' <= d.b[d.i] && d.b[d.i] <= '9' {
		d.i++
	}
	return d.i - start
}
