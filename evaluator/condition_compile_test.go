package evaluator

import (
	"encoding/json"
	"fmt"
	"testing"
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
