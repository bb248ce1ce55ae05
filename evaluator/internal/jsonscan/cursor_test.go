package jsonscan

import (
	"encoding/json"
	"testing"
	"unicode/utf8"
)

// The cursor decodes strings as encoding/json does (for valid UTF-8 input) and rejects what
// it rejects.
func FuzzCursorString(f *testing.F) {
	for _, s := range []string{`"abc"`, `"a\"b"`, `"\u00e9\ud83d\ude00"`, `"\ud800"`, `"\ud800\u0041"`, `"x\q"`,
		`"\/\b\f\n\r\t"`, "\"a\tb\"", `"unterminated`, `"\u12"`, `"\uD834\uDD1E"`, `""`, `"\\"`,
		`"0123456789abcdef\"0123"`, "\"0123456789\x01abcdef\"", `"0123456789abcdefghijklmnopqrstu"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		if !utf8.ValidString(in) || len(in) == 0 || in[0] != '"' {
			return
		}
		var want string
		wantErr := json.Unmarshal([]byte(in), &want)
		c := Cursor{b: []byte(in)}
		got, err := c.Str()
		if c.Next(); err == nil && c.i < len(c.b) {
			err = c.Fail("trailing data") // json.Unmarshal rejects what follows the string
		}
		if (err == nil) != (wantErr == nil) {
			t.Fatalf("%q: cursor err %v, encoding/json err %v", in, err, wantErr)
		}
		if err == nil && string(got) != want {
			t.Fatalf("%q: cursor %q, encoding/json %q", in, got, want)
		}
	})
}

// skip accepts the values encoding/json accepts, and rejects broken structure.
func TestCursorSkip(t *testing.T) {
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{`{"a":[1,2,{"b":null}],"c":"d"}`, true}, {`[]`, true}, {`{}`, true}, {` true `, true},
		{`-1.5e3`, true}, {`"x"`, true}, {`[1,]`, false}, {`{"a" 1}`, false}, {`{"a":1,}`, false},
		{`[`, false}, {`{"a":tru}`, false}, {`nul`, false}, {`x`, false}, {`{1:2}`, false},
		{`[[[[[[[[[[]]]]]]]]]]`, true}, {`]`, false},
	} {
		c := Cursor{b: []byte(tc.in)}
		err := c.Skip()
		if (err == nil) != tc.ok {
			t.Errorf("%s: skip err %v, want ok=%v", tc.in, err, tc.ok)
		}
		if tc.ok && json.Valid([]byte(tc.in)) != tc.ok {
			t.Errorf("%s: not valid JSON after all", tc.in)
		}
	}
	deep := make([]byte, 0, 2*MaxDepth+4)
	for range MaxDepth + 1 {
		deep = append(deep, '[')
	}
	for range MaxDepth + 1 {
		deep = append(deep, ']')
	}
	if err := (&Cursor{b: deep}).Skip(); err == nil {
		t.Error("nesting beyond MaxDepth accepted")
	}
}
