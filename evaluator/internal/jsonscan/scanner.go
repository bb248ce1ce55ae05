// Package jsonscan reads JSON without a generic decoder: Scanner splits a stream's outer
// structure into raw values, and Cursor reads one value held in memory in place.
package jsonscan

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// Scanner splits the payload's outer structure into raw values without decoding them: it
// only tracks strings and nesting to find where each value ends, and copies the bytes in
// runs. The values it hands out (a spec, a condition) are decoded and validated by their own
// parsers; a general-purpose skip would instead allocate a string for every key of the
// 62 MB it passes over.
type Scanner struct {
	r    io.Reader
	buf  []byte
	pos  int
	end  int
	off  int64 // stream offset of buf[0]
	err  error // sticky read error (io.EOF at the end)
	keyB []byte
}

const scanBufSize = 64 << 10

// NewScanner returns a Scanner reading r.
func NewScanner(r io.Reader) *Scanner {
	return &Scanner{r: r, buf: make([]byte, scanBufSize)}
}

// fill reads more input; false at the end or on a read error.
func (s *Scanner) fill() bool {
	if s.err != nil {
		return false
	}
	s.off += int64(s.end)
	s.pos, s.end = 0, 0
	for s.end == 0 {
		n, err := s.r.Read(s.buf)
		s.end = n
		if err != nil {
			s.err = err
			return n > 0
		}
	}
	return true
}

func (s *Scanner) fail(format string, args ...any) error {
	return fmt.Errorf("offset %d: %s", s.off+int64(s.pos), fmt.Sprintf(format, args...))
}

// eofErr is the error for input that ends inside a value.
func (s *Scanner) eofErr() error {
	if s.err != nil && s.err != io.EOF {
		return s.err
	}
	return errors.New("unexpected end of JSON input")
}

// Peek returns the next non-space byte without consuming it (0 at the end).
func (s *Scanner) Peek() byte {
	for {
		for s.pos < s.end {
			switch c := s.buf[s.pos]; c {
			case ' ', '\t', '\n', '\r':
				s.pos++
			default:
				return c
			}
		}
		if !s.fill() {
			return 0
		}
	}
}

func (s *Scanner) expect(c byte) error {
	got := s.Peek()
	if got == 0 {
		return s.eofErr()
	}
	if got != c {
		return s.fail("expected %q, found %q", c, got)
	}
	s.pos++
	return nil
}

// Object calls fn for each key of the object that comes next; fn must consume the value.
func (s *Scanner) Object(fn func(key string) error) error {
	return s.ObjectBytes(func(key []byte) error { return fn(string(key)) })
}

// ObjectBytes is object with each key as bytes valid until the next key is read (so a key
// the caller does not keep costs no allocation).
func (s *Scanner) ObjectBytes(fn func(key []byte) error) error {
	if err := s.expect('{'); err != nil {
		return err
	}
	if s.Peek() == '}' {
		s.pos++
		return nil
	}
	for {
		key, err := s.key()
		if err != nil {
			return err
		}
		if err := s.expect(':'); err != nil {
			return err
		}
		if err := fn(key); err != nil {
			return err
		}
		switch c := s.Peek(); c {
		case ',':
			s.pos++
		case '}':
			s.pos++
			return nil
		case 0:
			return s.eofErr()
		default:
			return s.fail("expected ',' or '}', found %q", c)
		}
	}
}

// Array calls fn for each element of the array that comes next; fn must consume it.
func (s *Scanner) Array(fn func() error) error {
	if err := s.expect('['); err != nil {
		return err
	}
	if s.Peek() == ']' {
		s.pos++
		return nil
	}
	for {
		if err := fn(); err != nil {
			return err
		}
		switch c := s.Peek(); c {
		case ',':
			s.pos++
		case ']':
			s.pos++
			return nil
		case 0:
			return s.eofErr()
		default:
			return s.fail("expected ',' or ']', found %q", c)
		}
	}
}

// key reads an object key, unescaped, into the scanner's key buffer.
func (s *Scanner) key() ([]byte, error) {
	if c := s.Peek(); c != '"' {
		if c == 0 {
			return nil, s.eofErr()
		}
		return nil, s.fail("expected a string key, found %q", c)
	}
	var err error
	s.keyB, err = s.Capture(s.keyB[:0])
	if err != nil {
		return nil, err
	}
	raw := s.keyB
	for _, c := range raw[1 : len(raw)-1] {
		if c == '\\' || c < 0x20 {
			var k string
			if err := json.Unmarshal(raw, &k); err != nil {
				return nil, s.fail("bad key: %v", err)
			}
			s.keyB = append(s.keyB[:0], k...)
			return s.keyB, nil
		}
	}
	return raw[1 : len(raw)-1], nil
}

// Capture appends the next value's bytes to dst. Containers and strings are delimited
// exactly; scalars run to the next delimiter and are checked by whoever decodes them.
func (s *Scanner) Capture(dst []byte) ([]byte, error) {
	c := s.Peek()
	switch {
	case c == 0:
		return dst, s.eofErr()
	case c == '{' || c == '[' || c == '"':
		return s.captureNested(dst)
	case c == '-' || (c >= '0' && c <= '9') || c == 't' || c == 'f' || c == 'n':
		mark := len(dst)
		for {
			start := s.pos
			for s.pos < s.end && !isDelim(s.buf[s.pos]) {
				s.pos++
			}
			dst = append(dst, s.buf[start:s.pos]...)
			if s.pos < s.end || !s.fill() {
				if tok := dst[mark:]; !json.Valid(tok) {
					return dst, s.fail("invalid literal %q", tok)
				}
				return dst, nil
			}
		}
	}
	return dst, s.fail("unexpected %q", c)
}

func isDelim(c byte) bool {
	switch c {
	case ',', '}', ']', ' ', '\t', '\n', '\r', ':':
		return true
	}
	return false
}

// maxNesting bounds container depth (hostile payloads); the decoders have their own limits.
const maxNesting = 10000

func (s *Scanner) captureNested(dst []byte) ([]byte, error) {
	var stack []byte // expected closers
	inStr, esc := false, false
	for {
		start := s.pos
		for i := s.pos; i < s.end; i++ {
			if inStr {
				if esc {
					esc = false
					continue
				}
				// jump to the next quote or backslash (strings are most of the payload)
				rest := s.buf[i:s.end]
				q := bytes.IndexByte(rest, '"')
				if q < 0 {
					q = len(rest)
				}
				if b := bytes.IndexByte(rest[:q], '\\'); b >= 0 {
					i += b
					esc = true
					continue
				}
				i += q
				if i == s.end {
					break
				}
				inStr = false
				if len(stack) == 0 { // a string value ends here
					s.pos = i + 1
					return append(dst, s.buf[start:s.pos]...), nil
				}
				continue
			}
			c := s.buf[i]
			switch c {
			case '"':
				inStr = true
			case '{':
				stack = append(stack, '}')
			case '[':
				stack = append(stack, ']')
			case '}', ']':
				if len(stack) == 0 || stack[len(stack)-1] != c {
					s.pos = i
					return dst, s.fail("unexpected %q", c)
				}
				stack = stack[:len(stack)-1]
				if len(stack) == 0 {
					s.pos = i + 1
					return append(dst, s.buf[start:s.pos]...), nil
				}
			}
			if len(stack) > maxNesting {
				s.pos = i
				return dst, s.fail("nesting deeper than %d", maxNesting)
			}
		}
		dst = append(dst, s.buf[start:s.end]...)
		s.pos = s.end
		if !s.fill() {
			return dst, s.eofErr()
		}
	}
}

// Skip consumes the next value.
func (s *Scanner) Skip() error {
	var err error
	s.keyB, err = s.Capture(s.keyB[:0])
	return err
}

// Err is the sticky read error (io.EOF once the input is exhausted; nil before).
func (s *Scanner) Err() error { return s.err }
