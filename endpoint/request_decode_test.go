package endpoint

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// requestShapes are request bodies for the decoder's differential tests: the shapes SDKs
// send, and every case the fast path leaves to encoding/json.
var requestShapes = []string{
	`{"gateName":"g","user":{"userID":"u"}}`,
	`{"gateNames":["a","b","a"],"user":{"userID":"u","custom":{"x":[1,{"y":null}]}}}`,
	`{"configName":"c","configNames":[],"user":{"userID":"u"},"statsigMetadata":{"exposureLoggingDisabled":true}}`,
	`{"experimentName":"e","experimentNames":null,"layerName":"l","layerNames":["x"],"parameterName":"p","user":5}`,
	`{"gateName":null,"user":null}`, `{"user": {"userID":"u"} , "gateName" : "g" }`, `{}`,
	`{"statsigMetadata":null}`, `{"statsigMetadata":{"exposureLoggingDisabled":null,"other":{"a":[]}}}`,
	`{"statsigMetadata":{"exposureLoggingDisabled":false}}`, `{"statsigMetadata":{"ExposureLoggingDisabled":true}}`,
	`{"statsigMetadata":{"exposureLoggingDisabled":1}}`, `{"statsigMetadata":[]}`,
	`{"statsigMetadata":{"exposureLoggingDisabled":true,"exposureLoggingDisabled":false}}`,
	`{"parameterNames":["a"]}`, `{"parameterNames":null}`, `{"GATENAME":"g"}`, `{"gateName":"a","gateName":"b"}`,
	`{"gate\u004eame":"g"}`, `{"gateName":"\u00e9"}`, `{"gateName":"é"}`, "{\"gateName\":\"\xff\"}",
	`{"gateName":1}`, `{"gateName":["a"]}`, `{"gateNames":"a"}`, `{"gateNames":[1]}`, `{"gateNames":[null]}`,
	`{"gateName":"g",}`, `{"gateName":"g"`, `{"gateName":"g"}x`, `{"gateName":"g"} {}`, `{"unknown":tru}`,
	`{"unknown":-}`, `{"unknown":01}`, `{"unknown":1.}`, `{"unknown":1e}`, `{"unknown":-0.5E+3}`, `{"unknown":"\q"}`,
	`{"unknown":"\u12"}`, "{\"unknown\":\"a\tb\"}", `{"unknown":[1,]}`, `{"unknown":{"a":1,}}`, `{"unknown":{1:2}}`,
	`{"ſ":1}`, `{"user":{"userID":"u"},"user":{"userID":"v"}}`, `{"user":{"userID":"u"}  }`,
	`{"gateName":"<&>"}`, `{"user":{"a":"\ud800"}}`, `{"gateNames":["a",]}`, `{"gateNames":["a" "b"]}`,
	`{"user":` + strings.Repeat("[", 70) + strings.Repeat("]", 70) + `}`, // deeper than the fast path reads
}

// checkDecoder compares the decoder with encoding/json on in: the same request, or the
// same error message; and the fast path, when it takes the input, agrees.
func checkDecoder(t *testing.T, in string) {
	t.Helper()
	var want evalRequest
	wantErr := json.Unmarshal([]byte(in), &want)
	var got evalRequest
	gotErr := decodeEvalRequest([]byte(in), &got)
	if (gotErr == nil) != (wantErr == nil) {
		t.Fatalf("%q: err %v, encoding/json %v", in, gotErr, wantErr)
	}
	if wantErr != nil {
		if g, w := jsonErrorMessage(gotErr), jsonErrorMessage(wantErr); g != w {
			t.Fatalf("%q: error %q, encoding/json %q", in, g, w)
		}
		return
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%q:\n got %#v\nwant %#v", in, got, want)
	}
	var fast evalRequest
	if fastEvalRequest([]byte(in), &fast) && !reflect.DeepEqual(fast, want) {
		t.Fatalf("%q: fast path\n got %#v\nwant %#v", in, fast, want)
	}
	if got.User != nil && !json.Valid(got.User) { // parseUserAs does not validate it again
		t.Fatalf("%q: user %q is not valid JSON", in, got.User)
	}
}

func TestDecodeEvalRequestMatchesEncodingJSON(t *testing.T) {
	for _, in := range requestShapes {
		checkDecoder(t, in)
	}
	// The shapes SDKs send take the fast path (what the handler benchmarks count).
	for _, in := range requestShapes[:3] {
		var req evalRequest
		if !fastEvalRequest([]byte(in), &req) {
			t.Errorf("%s: not read by the fast path", in)
		}
	}
}

// The fast path's strings and user outlive the pooled body they were read from.
func TestDecodeEvalRequestOwnsItsStrings(t *testing.T) {
	body := []byte(`{"gateNames":["alpha","beta"],"configName":"gamma","user":{"userID":"u"}}`)
	var req evalRequest
	if !fastEvalRequest(body, &req) {
		t.Fatal("not read by the fast path")
	}
	for i := range body {
		body[i] = 'x'
	}
	if req.GateNames[0] != "alpha" || req.GateNames[1] != "beta" || req.ConfigName != "gamma" ||
		string(req.User) != `{"userID":"u"}` {
		t.Fatalf("request changed with the body: %#v", req)
	}
}

func FuzzDecodeEvalRequest(f *testing.F) {
	for _, in := range requestShapes {
		f.Add(in)
	}
	f.Fuzz(func(t *testing.T, in string) {
		if len(in) == 0 || in[0] != '{' { // decodeBodyWith answers anything else itself
			return
		}
		checkDecoder(t, in)
	})
}

// withEmptyUserID's output is decoded without validation (parseUserAs): it must stay valid.
func TestWithEmptyUserIDIsValidJSON(t *testing.T) {
	for _, in := range []string{`{}`, `{ }`, "{\n}", `{"customIDs":null}`, ` {"email":"a@b.c","custom":{"x":[1,{}]}}`} {
		raw := bytes.TrimSpace([]byte(in)) // as parseUserAs hands it over
		if out := withEmptyUserID(raw); !json.Valid(out) {
			t.Errorf("%s -> %s: not valid JSON", in, out)
		}
	}
}
