package evaluator

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"
)

// jcursor reads one JSON value held in memory (a condition the reader captured) in place:
// strings without escapes come back as sub-slices of the input, so reading an allow-list of
// 10^5 IDs allocates nothing per element (a general decoder allocated a string for each: most
// of a large payload's load garbage).
type jcursor struct {
	b     []byte
	i     int
	depth int
	esc   []byte // the last escaped string, decoded (valid until the next str)
	// escaped: the last str was decoded into esc (else it is a sub-slice of b)
	escaped bool
}

// maxJSONDepth bounds nesting (as encoding/json does): hostile payloads get an error, not a
// deep recursion.
const maxJSONDepth = 10000

var errJSONEnd = errors.New("unexpected end of JSON input")

func (c *jcursor) fail(what string) error {
	if c.i >= len(c.b) {
		return errJSONEnd
	}
	return fmt.Errorf("offset %d: %s", c.i, what)
}

// next returns the next non-space byte without consuming it (0 at the end).
func (c *jcursor) next() byte {
	for c.i < len(c.b) {
		switch ch := c.b[c.i]; ch {
		case ' ', '\t', '\n', '\r':
			c.i++
		default:
			return ch
		}
	}
	return 0
}

// kind is the next value's first byte, with '0' for any number.
func (c *jcursor) kind() byte {
	ch := c.next()
	if ch == '-' || ch >= '0' && ch <= '9' {
		return '0'
	}
	return ch
}

// str reads the string the cursor is at (its opening quote next).
func (c *jcursor) str() ([]byte, error) {
	if c.next() != '"' {
		return nil, c.fail("expected a string")
	}
	c.escaped = false
	start := c.i + 1
	j := start
	// eight bytes at a time to the first quote, backslash or control character
	for j+8 <= len(c.b) {
		if m := stringStops(binary.LittleEndian.Uint64(c.b[j:])); m != 0 {
			j += bits.TrailingZeros64(m) / 8
			break
		}
		j += 8
	}
	for j < len(c.b) {
		ch := c.b[j]
		if ch == '"' || ch == '\\' || ch < 0x20 {
			break
		}
		j++
	}
	switch {
	case j == len(c.b):
		c.i = j
		return nil, errJSONEnd
	case c.b[j] == '"':
		c.i = j + 1
		return c.b[start:j], nil
	case c.b[j] == '\\':
		return c.strEscaped(start, j)
	}
	c.i = j
	return nil, c.fail("control character in string")
}

// strEscaped decodes a string with escapes into c.esc (from its first backslash at j), the
// way encoding/json does: a lone surrogate becomes U+FFFD.
func (c *jcursor) strEscaped(start, j int) ([]byte, error) {
	c.escaped = true
	out := append(c.esc[:0], c.b[start:j]...)
	for j < len(c.b) {
		ch := c.b[j]
		switch {
		case ch == '"':
			c.i, c.esc = j+1, out
			return out, nil
		case ch < 0x20:
			c.i = j
			return nil, c.fail("control character in string")
		case ch != '\\':
			out = append(out, ch)
			j++
			continue
		}
		if j+1 >= len(c.b) {
			c.i = len(c.b)
			return nil, errJSONEnd
		}
		j += 2
		switch e := c.b[j-1]; e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, ok := hex4(c.b, j)
			if !ok {
				c.i = j
				return nil, c.fail("bad \\u escape")
			}
			j += 4
			if utf16.IsSurrogate(r) {
				r2, ok := rune(0), false
				if j+6 <= len(c.b) && c.b[j] == '\\' && c.b[j+1] == 'u' {
					r2, ok = hex4(c.b, j+2)
				}
				if dec := utf16.DecodeRune(r, r2); ok && dec != utf8.RuneError {
					r, j = dec, j+6
				} else {
					r = utf8.RuneError
				}
			}
			out = utf8.AppendRune(out, r)
		default:
			c.i = j - 1
			return nil, c.fail("bad escape in string")
		}
	}
	c.i = j
	return nil, errJSONEnd
}

// view reads a string as a string sharing the input's bytes (a copy only when it had escapes):
// for values the caller copies or drops before the input goes away.
func (c *jcursor) view() (string, error) {
	b, err := c.str()
	if err != nil || !c.escaped {
		return unsafe.String(unsafe.SliceData(b), len(b)), err
	}
	return string(b), nil
}

// stringStops flags (in its high bit) each byte of w that is a quote, a backslash or below
// 0x20; flags above the lowest may be false positives, the lowest is exact.
func stringStops(w uint64) uint64 {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	zero := func(x uint64) uint64 { return (x - ones) &^ x & highs }
	return zero(w^(ones*'"')) | zero(w^(ones*'\\')) | (w-ones*0x20)&^w&highs
}

func hex4(b []byte, j int) (rune, bool) {
	if j+4 > len(b) {
		return 0, false
	}
	var r rune
	for _, ch := range b[j : j+4] {
		switch {
		case ch >= '0' && ch <= '9':
			ch -= '0'
		case ch >= 'a' && ch <= 'f':
			ch -= 'a' - 10
		case ch >= 'A' && ch <= 'F':
			ch -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(ch)
	}
	return r, true
}

// number returns the literal of the number the cursor is at: it takes the
// run of number characters, and its users parse (and so validate) it.
func (c *jcursor) number() []byte {
	c.next()
	start := c.i
	for c.i < len(c.b) {
		ch := c.b[c.i]
		if !(ch >= '0' && ch <= '9' || ch == '-' || ch == '+' || ch == '.' || ch == 'e' || ch == 'E') {
			break
		}
		c.i++
	}
	return c.b[start:c.i]
}

// lit consumes the literal word (true, false or null).
func (c *jcursor) lit(word string) error {
	c.next()
	if len(c.b)-c.i < len(word) || string(c.b[c.i:c.i+len(word)]) != word {
		return c.fail("invalid literal")
	}
	c.i += len(word)
	return nil
}

// array calls elem for each element of the array the cursor is at.
func (c *jcursor) array(elem func() error) error {
	if c.next() != '[' {
		return c.fail("expected an array")
	}
	if c.depth++; c.depth > maxJSONDepth {
		return c.fail("nested too deeply")
	}
	c.i++
	if c.next() == ']' {
		c.i++
		c.depth--
		return nil
	}
	for {
		if err := elem(); err != nil {
			return err
		}
		switch c.next() {
		case ',':
			c.i++
		case ']':
			c.i++
			c.depth--
			return nil
		default:
			return c.fail("expected , or ] in array")
		}
	}
}

// object calls field for each key of the object the cursor is at, the cursor at its value
// (key is valid only until the next string is read).
func (c *jcursor) object(field func(key []byte) error) error {
	if c.next() != '{' {
		return c.fail("expected an object")
	}
	if c.depth++; c.depth > maxJSONDepth {
		return c.fail("nested too deeply")
	}
	c.i++
	if c.next() == '}' {
		c.i++
		c.depth--
		return nil
	}
	for {
		key, err := c.str()
		if err != nil {
			return err
		}
		if c.next() != ':' {
			return c.fail("expected : after object key")
		}
		c.i++
		if err := field(key); err != nil {
			return err
		}
		switch c.next() {
		case ',':
			c.i++
		case '}':
			c.i++
			c.depth--
			return nil
		default:
			return c.fail("expected , or } in object")
		}
	}
}

// skip consumes one value, checking its syntax.
func (c *jcursor) skip() error {
	switch c.kind() {
	case '"':
		_, err := c.str()
		return err
	case '0':
		if len(c.number()) == 0 {
			return c.fail("invalid number")
		}
		return nil
	case 't':
		return c.lit("true")
	case 'f':
		return c.lit("false")
	case 'n':
		return c.lit("null")
	case '[':
		return c.array(c.skip)
	case '{':
		return c.object(func([]byte) error { return c.skip() })
	}
	return c.fail("invalid character")
}

// span consumes one value and returns its bytes.
func (c *jcursor) span() ([]byte, error) {
	c.next()
	start := c.i
	err := c.skip()
	return c.b[start:c.i], err
}
