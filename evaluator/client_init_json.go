package evaluator

import (
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// ClientInitializeResponseJSON is ClientInitializeResponse encoded as JSON. Return values are
// written as the payload holds them (Server Core writes them the same way, as raw JSON),
// instead of being re-validated and compacted by encoding/json, which was most of the cost of
// a response (docs/performance.md). Object keys come in map order, as Server Core's.
func (e *Evaluator) ClientInitializeResponseJSON(u *User, o ClientInitOptions) []byte {
	return appendJSON(make([]byte, 0, 64<<10), e.ClientInitializeResponse(u, o))
}

// appendJSON appends v, a value the client initialize response is built from.
func appendJSON(b []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...)
	case bool:
		return strconv.AppendBool(b, x)
	case string:
		return appendJSONString(b, x)
	case int:
		return strconv.AppendInt(b, int64(x), 10)
	case int64:
		return strconv.AppendInt(b, x, 10)
	case json.RawMessage:
		if len(x) == 0 {
			return append(b, "null"...)
		}
		return append(b, x...)
	case map[string]any:
		return appendObject(b, x, appendJSON)
	case map[string]string:
		return appendObject(b, x, appendJSONString)
	case []string:
		return appendArray(b, x, appendJSONString)
	case []SecondaryExposure:
		return appendArray(b, x, appendExposure)
	case map[string]SecondaryExposure:
		return appendObject(b, x, appendExposure)
	case map[string]json.RawMessage:
		return appendObject(b, x, func(b []byte, r json.RawMessage) []byte { return appendJSON(b, r) })
	}
	// Rare shapes (session replay settings, floats): encoding/json.
	out, err := json.Marshal(v)
	if err != nil {
		return append(b, "null"...)
	}
	return append(b, out...)
}

// appendObject appends m as a JSON object (map order), each value by appendValue.
func appendObject[V any](b []byte, m map[string]V, appendValue func([]byte, V) []byte) []byte {
	b = append(b, '{')
	first := true
	for k, v := range m {
		if !first {
			b = append(b, ',')
		}
		first = false
		b = appendJSONString(b, k)
		b = append(b, ':')
		b = appendValue(b, v)
	}
	return append(b, '}')
}

// appendArray appends list as a JSON array, each element by appendValue.
func appendArray[V any](b []byte, list []V, appendValue func([]byte, V) []byte) []byte {
	b = append(b, '[')
	for i, v := range list {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendValue(b, v)
	}
	return append(b, ']')
}

func appendExposure(b []byte, s SecondaryExposure) []byte {
	b = append(b, `{"gate":`...)
	b = appendJSONString(b, s.Gate)
	b = append(b, `,"gateValue":`...)
	b = appendJSONString(b, s.GateValue)
	b = append(b, `,"ruleID":`...)
	b = appendJSONString(b, s.RuleID)
	return append(b, '}')
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string: quotes, backslashes and control characters
// escaped, invalid UTF-8 replaced by U+FFFD (as encoding/json, without its HTML escaping).
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
