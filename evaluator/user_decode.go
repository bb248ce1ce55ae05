package evaluator

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"unicode/utf8"
	"unsafe"

	"github.com/statsig-operator/statsig-operator/evaluator/internal/jsonscan"
)

// DecodeUser decodes a public Statsig user object in one pass and keeps data: the user's
// strings and field names are views of it, so the caller must not modify data afterwards.
// A user costs about one Value per field beyond its JSON (docs/reliability.md): the general
// decoder this replaces built two intermediate maps and copied every field twice, ~45× the
// body for a user with 60,000 custom fields.
func DecodeUser(data []byte) (*User, error) {
	u := new(User)
	if err := DecodeUserInto(u, data); err != nil {
		return nil, err
	}
	return u, nil
}

// DecodeUserInto is DecodeUser into the caller's u (which may then be part of a larger
// allocation); u is undefined after an error.
func DecodeUserInto(u *User, data []byte) error {
	if !json.Valid(data) {
		return errors.New("user must be valid JSON")
	}
	return u.decode(data)
}

// DecodeValidUserInto is DecodeUserInto for data known to be valid JSON: a span that a
// validating decoder accepted (the endpoint's request decoders, json.Unmarshal's
// json.RawMessage) or json.Marshal's output. It skips the validation pass, which on a
// request's small user costs about as much as the decoding.
func DecodeValidUserInto(u *User, data []byte) error {
	return u.decode(data)
}

// UnmarshalJSON decodes the public user shape from a copy of data (json.Unmarshal has
// validated it).
func (u *User) UnmarshalJSON(data []byte) error {
	return u.decode(bytes.Clone(data))
}

// decode fills u from valid JSON that u may keep.
//
//nolint:goconst // JSON field names, spelled as on the wire
func (u *User) decode(data []byte) error {
	c := jsonscan.New(data)
	if c.Next() != '{' {
		return errors.New("user must be a JSON object")
	}
	*u = User{data: data}
	return c.Object(func(kb []byte) error {
		k := viewKey(&c, kb)
		raw, err := c.Span()
		if err != nil {
			return err
		}
		switch k {
		case "userID":
			u.UserID, err = scalarFromSpan(raw)
		case "email":
			u.Email, err = scalarFromSpan(raw)
		case "ip":
			u.IP, err = scalarFromSpan(raw)
		case "userAgent":
			u.UserAgent, err = scalarFromSpan(raw)
		case "country":
			u.Country, err = scalarFromSpan(raw)
		case "locale":
			u.Locale, err = scalarFromSpan(raw)
		case "appVersion":
			u.AppVersion, err = scalarFromSpan(raw)
		case "customIDs":
			u.CustomIDs, err = valueMapFromSpan(raw)
		case "custom":
			u.Custom, err = valueMapFromSpan(raw)
		case "privateAttributes":
			u.PrivateAttributes, err = valueMapFromSpan(raw)
		case "statsigEnvironment":
			u.StatsigEnvironment, err = valueMapFromSpan(raw)
		}
		if err != nil {
			return fmt.Errorf("user field %q: %w", k, err)
		}
		return nil
	})
}

// loggedMap is the user's top-level fields as received (the last of a repeated key), minus
// privateAttributes and nulls. It is read again from the user's JSON when asked for: most
// evaluations never log their user, and a map per decoded user cost two allocations.
func (u *User) loggedMap() map[string]json.RawMessage {
	if u.data == nil {
		return nil
	}
	logged := make(map[string]json.RawMessage, 8)
	c := jsonscan.New(u.data)
	c.Next()
	_ = c.Object(func(kb []byte) error { // decode has read the same object without error
		k := viewKey(&c, kb)
		raw, err := c.Span()
		if err != nil {
			return err
		}
		if k == "privateAttributes" || string(raw) == jsonNull {
			delete(logged, k)
		} else {
			logged[k] = raw
		}
		return nil
	})
	return logged
}

// viewKey is an object key as a string: a view of the input unless it had escapes (the
// cursor's buffer is reused, so those are copied) or invalid UTF-8, which becomes U+FFFD
// byte by byte as encoding/json decodes it.
func viewKey(c *jsonscan.Cursor, kb []byte) string {
	switch {
	case !utf8.Valid(kb):
		return replaceInvalidUTF8(kb)
	case c.Escaped():
		return string(kb)
	}
	return unsafe.String(unsafe.SliceData(kb), len(kb))
}

func replaceInvalidUTF8(b []byte) string {
	out := make([]byte, 0, len(b)+8)
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		if r == utf8.RuneError && n == 1 {
			out = utf8.AppendRune(out, utf8.RuneError)
		} else {
			out = append(out, b[:n]...)
		}
		b = b[n:]
	}
	return string(out)
}

// valueMapFromSpan decodes an object of values (null is an absent map).
func valueMapFromSpan(raw []byte) (map[string]Value, error) {
	if string(raw) == jsonNull {
		return nil, nil
	}
	c := jsonscan.New(raw)
	if c.Next() != '{' {
		return nil, errors.New("must be an object")
	}
	// Counting first sizes the map once: growing it doubles its cost in garbage.
	n, count := 0, c
	if err := count.Object(func([]byte) error { n++; return count.Skip() }); err != nil {
		return nil, err
	}
	out := make(map[string]Value, n)
	err := c.Object(func(kb []byte) error {
		k := viewKey(&c, kb)
		span, err := c.Span()
		if err != nil {
			return err
		}
		v, err := scalarFromSpan(span)
		if err != nil {
			return err
		}
		out[k] = v
		return nil
	})
	return out, err
}

// scalarFromSpan is valueFromJSON without copying plain strings: a string without escapes
// and with valid UTF-8 is a view of the span; anything else takes the general path, which
// decodes escapes and replaces invalid UTF-8 as encoding/json does.
func scalarFromSpan(raw []byte) (Value, error) {
	if n := len(raw); n >= 2 && raw[0] == '"' && raw[n-1] == '"' {
		in := raw[1 : n-1]
		if bytes.IndexByte(in, '\\') < 0 && utf8.Valid(in) {
			return StringValue(unsafe.String(unsafe.SliceData(in), len(in))), nil
		}
	}
	return valueFromJSON(raw)
}
