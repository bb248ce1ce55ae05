package jsonscan

import (
	"encoding/json"
	"io"
	"strings"
	"testing"
	"testing/iotest"
	"unicode/utf8"
)

func TestScannerCapture(t *testing.T) {
	tests := []struct {
		name, in string
		want     []string // captured values of the top-level object, in order
		wantErr  string
	}{
		{name: "scalars", in: `{"a":1,"b":-2.5e3,"c":true,"d":false,"e":null,"f":"x"}`, want: []string{`1`, `-2.5e3`, `true`, `false`, `null`, `"x"`}},
		{name: "nested", in: ` { "a" : {"b":[1,{"c":"]}"}]} , "d":[ ] } `, want: []string{`{"b":[1,{"c":"]}"}]}`, `[ ]`}},
		{name: "escapes", in: `{"a":"q\"}\\","b\"k":["\\\""]}`, want: []string{`"q\"}\\"`, `["\\\""]`}},
		{name: "empty", in: `{}`},
		{name: "unterminated string", in: `{"a":"abc`, wantErr: "unexpected end"},
		{name: "unbalanced", in: `{"a":[1}`, wantErr: `unexpected '}'`},
		{name: "bad literal", in: `{"a":tru}`, wantErr: "invalid literal"},
		{name: "missing colon", in: `{"a" 1}`, wantErr: `expected ':'`},
		{name: "trailing garbage in object", in: `{"a":1 "b":2}`, wantErr: `expected ',' or '}'`},
		{name: "not a key", in: `{1:2}`, wantErr: "expected a string key"},
	}
	for _, tt := range tests {
		for _, oneByte := range []bool{false, true} {
			t.Run(tt.name, func(t *testing.T) {
				var r = strings.NewReader(tt.in)
				sc := NewScanner(r)
				if oneByte { // every read returns one byte: values span buffer refills
					sc = NewScanner(iotest.OneByteReader(strings.NewReader(tt.in)))
				}
				var got []string
				err := sc.Object(func(key string) error {
					raw, err := sc.Capture(nil)
					got = append(got, string(raw))
					return err
				})
				if tt.wantErr != "" {
					if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
						t.Fatalf("err = %v, want %q", err, tt.wantErr)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if strings.Join(got, "|") != strings.Join(tt.want, "|") {
					t.Fatalf("got %q, want %q", got, tt.want)
				}
			})
		}
	}
}

func TestScannerKeys(t *testing.T) {
	sc := NewScanner(strings.NewReader(`{"plain":0,"esc\u0041\n":0}`))
	var keys []string
	if err := sc.Object(func(key string) error { keys = append(keys, key); return sc.Skip() }); err != nil {
		t.Fatal(err)
	}
	if len(keys) != 2 || keys[0] != "plain" || keys[1] != "escA\n" {
		t.Fatalf("keys = %q", keys)
	}
}

// Capture returns any valid JSON value whole (whatever the reads return), and an object's
// values one by one as encoding/json splits them.
func FuzzScannerCapture(f *testing.F) {
	for _, s := range []string{`{"a":1,"b":[1,{"c":"]}"}],"d":"q\"}"}`, ` [1, 2] `, `"x\\"`, `-1.5e3`, `{}`, `{"a":{"b":{"c":[]}}}`,
		`{"a":tru}`, `[1,]`, `{"\u0041":null}`, `{"a":1 "b":2}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		for _, oneByte := range []bool{false, true} {
			var r io.Reader = strings.NewReader(in)
			if oneByte {
				r = iotest.OneByteReader(r)
			}
			sc := NewScanner(r)
			got, err := sc.Capture(nil)
			if json.Valid([]byte(in)) {
				if err != nil || string(got) != strings.TrimSpace(in) || sc.Peek() != 0 {
					t.Fatalf("%q: captured %q, err %v", in, got, err)
				}
			}
			var fields map[string]json.RawMessage // (keys not UTF-8 are changed by encoding/json)
			if !utf8.ValidString(in) || json.Unmarshal([]byte(in), &fields) != nil || fields == nil {
				continue
			}
			sc = NewScanner(strings.NewReader(in))
			n := 0
			err = sc.Object(func(key string) error {
				raw, err := sc.Capture(nil)
				if err == nil && string(raw) != strings.TrimSpace(string(fields[key])) && !duplicateKeys(in) {
					t.Fatalf("%q: key %q: captured %q, encoding/json %q", in, key, raw, fields[key])
				}
				n++
				return err
			})
			if err != nil || n < len(fields) {
				t.Fatalf("%q: %d values, err %v", in, n, err)
			}
		}
	})
}

// duplicateKeys reports an object whose keys repeat (encoding/json keeps the last value).
func duplicateKeys(in string) bool {
	var keys []string
	sc := NewScanner(strings.NewReader(in))
	_ = sc.Object(func(key string) error { keys = append(keys, key); return sc.Skip() })
	seen := map[string]bool{}
	for _, k := range keys {
		if seen[k] {
			return true
		}
		seen[k] = true
	}
	return false
}
