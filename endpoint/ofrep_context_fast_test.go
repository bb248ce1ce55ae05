package endpoint

import (
	"bytes"
	"encoding/json"
	"testing"
)

// contextShapes are OFREP contexts for the differential tests: what providers send, and the
// cases the fast path leaves to the general mapping.
var contextShapes = []string{
	`{"targetingKey":"u1"}`,
	`{"targetingKey":"bench-user","email":"a@statsig.com","country":"US","plan":"pro","level":3,` +
		`"customIDs":{"companyID":"c1"}}`,
	`{"targetingKey":"","userID":"u2","custom":{"a":[1, {"b":null}],"z":"<&>"},"privateAttributes":{"ssn":"1"}}`,
	`{"userID":"u","targetingKey":"t","ip":"1.2.3.4","userAgent":"Mozilla/5.0","locale":"en_US","appVersion":"1.2.3"}`,
	`{"customIDs":{"stableID":"s"},"custom":null,"privateAttributes":null}`, `{"customIDs":{}}`, `{"custom":{}}`,
	`{"privateAttributes":{}}`, `{}`, `{"email":""}`, `{"targetingKey":"u","custom":{"k":1},"k":2}`,
	`{"targetingKey":"u","k":1,"k":2}`, `{"targetingKey":"u","targetingKey":"v"}`, `{"targetingKey":12}`,
	`{"targetingKey":null}`, `{"targetingKey":"u","email":null}`, `{"targetingKey":"u","email":7}`,
	`{"targetingKey":"u","customIDs":{"a":1}}`, `{"targetingKey":"u","customIDs":[]}`, `{"targetingKey":"u\u0041"}`,
	`{"targetingKey":"é","custom":{"ü":"\u2028"}}`, "{\"targetingKey\":\"\xff\"}", `{"targetingKey":"u","x":{"y":[}}`,
	`{"targetingKey":"u",}`, `{"targetingKey":"u"} x`, `{"tar\u0067etingKey":"u"}`, `{"targetingKey":"u","custom":5}`,
	`{"targetingKey":"u","a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,"i":9,"j":10,"k":11,"l":12,"m":13,` +
		`"n":14,"o":15,"p":16,"q":17}`,
	`{"targetingKey":"u","custom":{"a":  [ 1 , 2 ] ,"b" : { "c" : "d" } }}`, `{"customIDs":{"companyID":""}}`,
	`{"targetingKey":"u","statsigEnvironment":{"tier":"staging"}}`, " {} ",
}

// checkContext compares the fast mapping with the general one: when the fast path takes a
// context, the user JSON and whether it has a userID are the same bytes and answer.
func checkContext(t *testing.T, in string) {
	t.Helper()
	raw := bytes.TrimSpace([]byte(in)) // as userFromContext hands it over
	if len(raw) == 0 {
		return
	}
	fast, fastUID, ok := fastContextUser(raw)
	if !ok {
		return
	}
	want, wantUID, oerr := contextUserJSON(raw)
	if oerr != nil {
		t.Fatalf("%s: fast path took a context the general mapping refuses (%s)", in, oerr.details)
	}
	if !bytes.Equal(fast, want) || fastUID != wantUID {
		t.Fatalf("%s:\n fast %s (userID %v)\n want %s (userID %v)", in, fast, fastUID, want, wantUID)
	}
	if !json.Valid(fast) { // parseUserAs does not validate it again
		t.Fatalf("%s: user %s is not valid JSON", in, fast)
	}
}

func TestFastContextUserMatchesGeneral(t *testing.T) {
	for _, in := range contextShapes {
		checkContext(t, in)
	}
	for _, in := range contextShapes[:4] { // the providers' shapes are read by the fast path
		if _, _, ok := fastContextUser([]byte(in)); !ok {
			t.Errorf("%s: not read by the fast path", in)
		}
	}
}

func TestFastOFREPContextMatchesEncodingJSON(t *testing.T) {
	for _, in := range []string{`{"context":{"targetingKey":"u"}}`, `{"context":null,"other":[1]}`, `{"Context":{}}`,
		`{"context":{},"context":{}}`, `{}`, `{"context":{"a":}}`} {
		ctx, ok := fastOFREPContext([]byte(in))
		var req ofrepRequest
		err := json.Unmarshal([]byte(in), &req)
		if ok && (err != nil || !bytes.Equal(ctx, req.Context)) {
			t.Errorf("%s: fast context %s, encoding/json %s (%v)", in, ctx, req.Context, err)
		}
	}
}

func FuzzFastContextUser(f *testing.F) {
	for _, in := range contextShapes {
		f.Add(in)
	}
	f.Fuzz(func(t *testing.T, in string) { checkContext(t, in) })
}
