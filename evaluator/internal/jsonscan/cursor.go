package jsonscan

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"
)

// Cursor reads one JSON value held in memory (a condition the reader captured) in place:
// strings without escapes come back as sub-slices of the input, so reading an allow-list of
// 10^5 IDs allocates nothing per element (a general decoder allocated a string for each: most
// of a large payload's load garbage).
type Cursor struct {
	b     []byte
	i     int
	depth int
	esc   []byte // the last escaped string, decoded (valid until the next str)
	// escaped: the last str was decoded into esc (else it is a sub-slice of b)
	escaped bool
}

// MaxDepth bounds nesting (as encoding/json does): hostile payloads get an error, not a
// deep recursion.
const MaxDepth = 10000

// ErrEnd is the error for input that ends inside a value.
var ErrEnd = errors.New("unexpected end of JSON input")

// New returns a cursor at the start of b.
func New(b []byte) Cursor { return Cursor{b: b} }

// Escaped reports whether the last Str had escapes (it was then decoded into the cursor's
// buffer, valid until the next Str, instead of being a sub-slice of the input).
func (c *Cursor) Escaped() bool { return c.escaped }

// Rest is the input after the cursor.
func (c *Cursor) Rest() []byte { return c.b[c.i:] }

// Fail returns an error at the cursor's offset (ErrEnd past the end).
func (c *Cursor) Fail(what string) error {
	if c.i >= len(c.b) {
		return ErrEnd
	}
	return fmt.Errorf("offset %d: %s", c.i, what)
}

// Next returns the next non-space byte without consuming it (0 at the end).
func (c *Cursor) Next() byte {
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

// Kind is the next value's first byte, with '0' for any number.
func (c *Cursor) Kind() byte {
	ch := c.Next()
	if ch == '-' || ch >= '0' && ch <= '9' {
		return '0'
	}
	return ch
}

// Str reads the string the cursor is at (its opening quote next).
func (c *Cursor) Str() ([]byte, error) {
	if c.Next() != '"' {
		return nil, c.Fail("expected a string")
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
		return nil, ErrEnd
	case c.b[j] == '"':
		c.i = j + 1
		return c.b[start:j], nil
	case c.b[j] == '\\':
		return c.strEscaped(start, j)
	}
	c.i = j
	return nil, c.Fail("control character in string")
}

// strEscaped decodes a string with escapes into c.esc (from its first backslash at j), the
// way encoding/json does: a lone surrogate becomes U+FFFD.
func (c *Cursor) strEscaped(start, j int) ([]byte, error) {
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
			return nil, c.Fail("control character in string")
		case ch != '\\':
			out = append(out, ch)
			j++
			continue
		}
		if j+1 >= len(c.b) {
			c.i = len(c.b)
			return nil, ErrEnd
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
				return nil, c.Fail("bad \\u escape")
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
			return nil, c.Fail("bad escape in string")
		}
	}
	c.i = j
	return nil, ErrEnd
}

// View reads a string as a string sharing the input's bytes (a copy only when it had escapes):
// for values the caller copies or drops before the input goes away.
func (c *Cursor) View() (string, error) {
	b, err := c.Str()
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

// Number returns the literal of the number the cursor is at: it takes the
// run of number characters, and its users parse (and so validate) it.
func (c *Cursor) Number() []byte {
	c.Next()
	start := c.i
	for c.i < len(c.b) {
		ch := c.b[c.i]
		if (ch < '0' || ch > '9') && ch != '-' && ch != '+' && ch != '.' && ch != 'e' && ch != 'E' {
			break
		}
		c.i++
	}
	return c.b[start:c.i]
}

// Lit consumes the literal word (true, false or null).
func (c *Cursor) Lit(word string) error {
	c.Next()
	if len(c.b)-c.i < len(word) || string(c.b[c.i:c.i+len(word)]) != word {
		return c.Fail("invalid literal")
	}
	c.i += len(word)
	return nil
}

// Array calls elem for each element of the array the cursor is at.
func (c *Cursor) Array(elem func() error) error {
	if c.Next() != '[' {
		return c.Fail("expected an array")
	}
	if c.depth++; c.depth > MaxDepth {
		return c.Fail("nested too deeply")
	}
	c.i++
	if c.Next() == ']' {
		c.i++
		c.depth--
		return nil
	}
	for {
		if err := elem(); err != nil {
			return err
		}
		switch c.Next() {
		case ',':
			c.i++
		case ']':
			c.i++
			c.depth--
			return nil
		default:
			return c.Fail("expected , or ] in array")
		}
	}
}

// Object calls field for each key of the object the cursor is at, the cursor at its value
// (key is valid only until the next string is read).
func (c *Cursor) Object(field func(key []byte) error) error {
	if c.Next() != '{' {
		return c.Fail("expected an object")
	}
	if c.depth++; c.depth > MaxDepth {
		return c.Fail("nested too deeply")
	}
	c.i++
	if c.Next() == '}' {
		c.i++
		c.depth--
		return nil
	}
	for {
		key, err := c.Str()
		if err != nil {
			return err
		}
		if c.Next() != ':' {
			return c.Fail("expected : after object key")
		}
		c.i++
		if err := field(key); err != nil {
			return err
		}
		switch c.Next() {
		case ',':
			c.i++
		case '}':
			c.i++
			c.depth--
			return nil
		default:
			return c.Fail("expected , or } in object")
		}
	}
}

// Skip consumes one value, checking its syntax.
func (c *Cursor) Skip() error {
	switch c.Kind() {
	case '"':
		_, err := c.Str()
		return err
	case '0':
		if len(c.Number()) == 0 {
			return c.Fail("invalid number")
		}
		return nil
	case 't':
		return c.Lit("true")
	case 'f':
		return c.Lit("false")
	case 'n':
		return c.Lit("null")
	case '[':
		return c.Array(c.Skip)
	case '{':
		return c.Object(func([]byte) error { return c.Skip() })
	}
	return c.Fail("invalid character")
}

// Span consumes one value and returns its bytes.
func (c *Cursor) Span() ([]byte, error) {
	c.Next()
	start := c.i
	err := c.Skip()
	return c.b[start:c.i], err
}
