package evaluator

import (
	"strings"
	"testing"
	"testing/iotest"
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
				sc := newScanner(r)
				if oneByte { // every read returns one byte: values span buffer refills
					sc = newScanner(iotest.OneByteReader(strings.NewReader(tt.in)))
				}
				var got []string
				err := sc.object(func(key string) error {
					raw, err := sc.capture(nil)
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
	sc := newScanner(strings.NewReader(`{"plain":0,"esc\u0041\n":0}`))
	var keys []string
	if err := sc.object(func(key string) error { keys = append(keys, key); return sc.skip() }); err != nil {
		t.Fatal(err)
	}
	if len(keys) != 2 || keys[0] != "plain" || keys[1] != "escA\n" {
		t.Fatalf("keys = %q", keys)
	}
}
