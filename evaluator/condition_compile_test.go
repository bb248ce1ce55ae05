package evaluator

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/statsig-operator/statsig-operator/evaluator/internal/jsonscan"
)

// bucketSalt reads the salt as decoding additionalValues into a map and printing it did.
func TestBucketSalt(t *testing.T) {
	for _, in := range []string{`{"salt":"abc"}`, `{"salt":null}`, `{}`, `{"salt":5}`, `{"salt":1.5e6}`,
		`{"salt":true}`, `{"salt":"a","salt":"b"}`, `{"x":[1,{"y":2}],"salt":"s"}`, `{"salt":"a","salt":7}`,
		`{"salt":7,"salt":"a"}`, `{"Salt":"x"}`, `{"salt":"\u00e9\n"}`, `{"salt":"a",}`, `{"salt":}`} {
		got, err := bucketSalt([]byte(in))
		var av map[string]any
		want, wantErr := "", json.Unmarshal([]byte(in), &av)
		if s, ok := av["salt"]; ok && s != nil {
			want = fmt.Sprint(s)
		}
		if (err == nil) != (wantErr == nil) || err == nil && got != want {
			t.Errorf("%s: got %q (err %v), want %q (err %v)", in, got, err, want, wantErr)
		}
	}
}

// Nested target elements and non-string bucket salts print as they did when json-iterator
// decoded them (checked against it by fuzzing before it was dropped): number literals kept
// as written (one that is not valid JSON empties the whole element), bytes that are not
// UTF-8 printed as \ufffd, keys sorted, HTML escaped; salts as fmt prints the decoded value.
func TestNestedValuesAsBefore(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		err      bool
	}{
		{"[1-2]", "", false},
		{"[\"\xff\xfe\"]", "[\"\\ufffd\\ufffd\"]", false},
		{"{\"b\":1,\"a\":[true,null,{\"z\":\"\\ud800\",\"y\":\"\\u00e9\"}]}",
			"{\"a\":[true,null,{\"y\":\"é\",\"z\":\"\ufffd\"}],\"b\":1}", false},
		{"[\"<>&\\u2028\"]", "[\"\\u003c\\u003e\\u0026\\u2028\"]", false},
		{"[1e400,-0,0.1e-7]", "[1e400,-0,0.1e-7]", false},
		{"{\"a\":1,\"a\":2}", "{\"a\":2}", false},
		{"[01]", "", false},
		{"[]", "[]", false},
		{"{\"\":{}}", "{\"\":{}}", false},
		{"[1,]", "", true},
	} {
		c := jsonscan.New([]byte(tc.in))
		got, err := appendElement(&c, nil)
		if string(got) != tc.want || (err != nil) != tc.err {
			t.Errorf("element %q: got %q (err %v), want %q (err %v)", tc.in, got, err, tc.want, tc.err)
		}
	}
	for _, tc := range []struct {
		in, want string
		err      bool
	}{
		{"{\"salt\":[1.5e6]}", "[1.5e+06]", false},
		{"{\"salt\":{\"b\":1.0,\"a\":-0}}", "map[a:-0 b:1]", false},
		{"{\"salt\":01}", "", true},
		{"{\"salt\":[1-2]}", "", true},
		{"{\"salt\":[\"\xff\"]}", "[\xff]", false},
		{"{\"salt\":1e400}", "", true},
		{"{\"salt\":false}", "false", false},
	} {
		got, err := bucketSalt([]byte(tc.in))
		if got != tc.want || (err != nil) != tc.err {
			t.Errorf("salt %q: got %q (err %v), want %q (err %v)", tc.in, got, err, tc.want, tc.err)
		}
	}
}
