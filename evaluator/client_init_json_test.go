package evaluator

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// TestClientInitializeResponseJSON: the direct encoding means what encoding/json's does, on
// every fixture, format and option.
func TestClientInitializeResponseJSON(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(fixturesDir(t), "server-core", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	users := []string{`{"userID":"a","email":"a@statsig.com","privateAttributes":{"x":1}}`,
		`{"customIDs":{"stableID":"s","companyID":"c"},"custom":{"level":3}}`, `{}`}
	opts := []ClientInitOptions{{}, {HashAlgorithm: HashNone},
		{HashAlgorithm: HashSHA256, ResponseFormat: ResponseFormatV2},
		{ResponseFormat: ResponseFormatInitV2}, {PreviousResponseHash: "x"}, {RemoveIDType: true, ClientSDKKey: "client-x"}}
	n := 0
	for _, f := range files {
		rel, _ := filepath.Rel(fixturesDir(t), f)
		s, err := tryLoad(f)
		if err != nil {
			continue // not a payload (user-agent tables)
		}
		e := New(Options{})
		e.SetSpecs(s)
		for _, uj := range users {
			u := mustUser(t, json.RawMessage(uj))
			for _, o := range opts {
				m := e.ClientInitializeResponse(u, o)
				delete(m, "sdkInfo")
				want, err := json.Marshal(m)
				if err != nil {
					t.Fatal(err)
				}
				var a, b any
				if err := json.Unmarshal(want, &a); err != nil {
					t.Fatal(err)
				}
				if err := json.Unmarshal(appendJSON(nil, m), &b); err != nil {
					t.Fatalf("%s %+v: invalid JSON: %v", rel, o, err)
				}
				if !reflect.DeepEqual(a, b) {
					t.Errorf("%s %+v: differs from encoding/json", rel, o)
				}
				n++
			}
		}
	}
	if n < 100 {
		t.Fatalf("only %d responses compared", n)
	}
}

func FuzzAppendJSONString(f *testing.F) {
	for _, s := range []string{"", "plain", "quo\"te", "back\\slash", "tab\tnew\nline\r", "\x00\x1f", "é✓",
		"\xff\xfe", "\u2028\u2029", "<&>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var got, want string
		if err := json.Unmarshal(appendJSONString(nil, s), &got); err != nil {
			t.Fatalf("%q: invalid JSON: %v", s, err)
		}
		b, _ := json.Marshal(s)
		_ = json.Unmarshal(b, &want)
		if got != want {
			t.Fatalf("%q: %q, encoding/json %q", s, got, want)
		}
	})
}

func tryLoad(path string) (*Specs, error) {
	r, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer func() { _ = r.Close() }()
	return Load(r, LoadOptions{})
}
