package evaluator

import (
	"encoding/json"
	"reflect"
	"testing"
)

func TestLoggedUser(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts Options
		user string
		want string
	}{
		{"only the set fields, types kept", Options{},
			`{"userID":42,"email":"a@b.c","custom":{"n":1.5,"b":true},"customIDs":{"companyID":"c"}}`,
			`{"userID":42,"customIDs":{"companyID":"c"},"email":"a@b.c","custom":{"n":1.5,"b":true}}`},
		{"private attributes, unknown fields and nulls are not logged", Options{},
			`{"userID":"u","privateAttributes":{"ssn":"1"},"favouriteColour":"red","ip":null}`,
			`{"userID":"u"}`},
		{"the environment tier when the user has none", Options{Environment: "staging"},
			`{"userID":"u"}`, `{"userID":"u","statsigEnvironment":{"tier":"staging"}}`},
		{"the user's own environment wins", Options{Environment: "staging"},
			`{"userID":"u","statsigEnvironment":{"tier":"development"}}`,
			`{"userID":"u","statsigEnvironment":{"tier":"development"}}`},
		{"global custom fields under the user's", Options{GlobalCustomFields: map[string]any{"region": "eu", "plan": "free"}},
			`{"userID":"u","custom":{"plan":"pro"}}`, `{"userID":"u","custom":{"plan":"pro","region":"eu"}}`},
		{"global custom fields alone", Options{GlobalCustomFields: map[string]any{"region": "eu"}},
			`{"userID":"u"}`, `{"userID":"u","custom":{"region":"eu"}}`},
		{"every field", Options{},
			`{"appVersion":"1.2","locale":"en","country":"FR","userAgent":"ua","ip":"1.2.3.4","email":"e",` +
				`"customIDs":{},"userID":"u"}`,
			`{"userID":"u","customIDs":{},"email":"e","ip":"1.2.3.4","userAgent":"ua","country":"FR",` +
				`"locale":"en","appVersion":"1.2"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u, err := DecodeUser([]byte(tc.user))
			if err != nil {
				t.Fatal(err)
			}
			got := New(tc.opts).LoggedUser(u)
			var g, w any
			if err := json.Unmarshal(got, &g); err != nil {
				t.Fatalf("%s: %v", got, err)
			}
			_ = json.Unmarshal([]byte(tc.want), &w)
			if !reflect.DeepEqual(g, w) {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
}
