package evaluator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"runtime"
	"strings"
	"testing"
)

// referenceUser decodes a user the general way (encoding/json maps, then valueFromJSON per
// field): what the one-pass decoder must agree with.
func referenceUser(t testing.TB, data []byte) (*reference, error) {
	t.Helper()
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(data, &fields); err != nil {
		return nil, err
	}
	u, logged := &User{}, map[string]json.RawMessage{}
	valueMap := func(raw json.RawMessage) (map[string]Value, error) {
		if string(bytes.TrimSpace(raw)) == jsonNull {
			return nil, nil
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(raw, &m); err != nil {
			return nil, err
		}
		out := make(map[string]Value, len(m))
		for k, r := range m {
			v, err := valueFromJSON(r)
			if err != nil {
				return nil, err
			}
			out[k] = v
		}
		return out, nil
	}
	for k, raw := range fields {
		var err error
		switch k {
		case "userID":
			u.UserID, err = valueFromJSON(raw)
		case "email":
			u.Email, err = valueFromJSON(raw)
		case "appVersion":
			u.AppVersion, err = valueFromJSON(raw)
		case "customIDs":
			u.CustomIDs, err = valueMap(raw)
		case "custom":
			u.Custom, err = valueMap(raw)
		case "privateAttributes":
			u.PrivateAttributes, err = valueMap(raw)
		case "statsigEnvironment":
			u.StatsigEnvironment, err = valueMap(raw)
		}
		if err != nil {
			return nil, err
		}
		if k != "privateAttributes" && string(bytes.TrimSpace(raw)) != jsonNull {
			logged[k] = raw
		}
	}
	return &reference{u, logged}, nil
}

// reference is a user decoded the general way, and the fields it logs.
type reference struct {
	*User
	logged map[string]json.RawMessage
}

// sameUser compares the decoded views evaluation reads and the logged user.
func sameUser(t *testing.T, got *User, want *reference) {
	t.Helper()
	for _, f := range []struct {
		name      string
		got, want any
	}{
		{"userID", got.UserID, want.UserID},
		{"email", got.Email, want.Email},
		{"appVersion", got.AppVersion, want.AppVersion},
		{"customIDs", got.CustomIDs, want.CustomIDs},
		{"custom", got.Custom, want.Custom},
		{"privateAttributes", got.PrivateAttributes, want.PrivateAttributes},
		{"statsigEnvironment", got.StatsigEnvironment, want.StatsigEnvironment},
	} {
		if !reflect.DeepEqual(f.got, f.want) {
			t.Errorf("%s: got %+v, want %+v", f.name, f.got, f.want)
		}
	}
	gl, _ := got.MarshalJSON()
	wl, _ := json.Marshal(want.logged)
	if !bytes.Equal(gl, wl) {
		t.Errorf("logged user: got %s, want %s", gl, wl)
	}
}

var userDecodeCases = []string{
	`{"userID":"a"}`,
	`{"userID":42,"customIDs":{"companyID":7,"deviceID":"d"}}`,
	`{"userID":"é\u00e9\ud800x","email":"A@B.C",` +
		`"custom":{"k":"v","n":1.5,"b":true,"z":null,"arr":[1,"x",[2]],"obj":{"a":{"b":1}}}}`,
	`{"userID":"a","custom":{"ts":"2023-06-01T12:00:00Z","i":"-12","big":"123456789012345678901",` +
		`"f":"1e3","bad":"` + "\xff\xfe" + `","` + "\xb3" + `":{}}}`,
	`{"userID":"a","privateAttributes":{"secret":"s"},"statsigEnvironment":{"tier":"staging"},"appVersion":"1.2.3"}`,
	`{"userID":"a","userID":"b","custom":{"k":1,"k":2},"customIDs":null,"email":null}`,
	` { "userID" : "a" , "custom" : { "x\"y" : "1" } , "unknown" : [ 1 , 2 ] } `,
	`{"userID":"a","custom":{}}`,
}

func TestDecodeUserAgreesWithGeneralDecoding(t *testing.T) {
	for i, in := range userDecodeCases {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			want, err := referenceUser(t, []byte(in))
			if err != nil {
				t.Fatal(err)
			}
			got, err := DecodeUser([]byte(in))
			if err != nil {
				t.Fatal(err)
			}
			sameUser(t, got, want)
			var viaJSON User
			if err := json.Unmarshal([]byte(in), &viaJSON); err != nil {
				t.Fatal(err)
			}
			sameUser(t, &viaJSON, want)
		})
	}
}

func TestDecodeUserRejects(t *testing.T) {
	bad := []string{``, `[]`, `"a"`, `{"custom":[1]}`, `{"customIDs":"x"}`, `{"userID":"a"`, `{"userID":"a"}x`}
	for _, in := range bad {
		if _, err := DecodeUser([]byte(in)); err == nil {
			t.Errorf("%q: decoded", in)
		}
	}
}

// A user's decoding cost is bounded by its size: a hostile 1 MB user with 60,000 custom
// fields cost 38 MB and 420,000 allocations through encoding/json's maps.
func TestDecodeUserCostIsBounded(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"userID":"u","custom":{`)
	for i := range 60000 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"k%05d":"v"`, i)
	}
	b.WriteString(`}}`)
	data := []byte(b.String())
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	allocs := testing.AllocsPerRun(3, func() {
		if _, err := DecodeUser(data); err != nil {
			t.Fatal(err)
		}
	})
	runtime.ReadMemStats(&after)
	perRun := (after.TotalAlloc - before.TotalAlloc) / 4 // AllocsPerRun runs once more to warm up
	if ratio := float64(perRun) / float64(len(data)); ratio > 16 || allocs > 1000 {
		t.Fatalf(
			"decoding a %d-byte user allocated %d bytes (%.1f×) in %.0f allocations",
			len(data),
			perRun,
			ratio,
			allocs,
		)
	}
}

func FuzzDecodeUser(f *testing.F) {
	for _, in := range userDecodeCases {
		f.Add([]byte(in))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		want, werr := referenceUser(t, data)
		got, gerr := DecodeUser(bytes.Clone(data))
		if (werr == nil) != (gerr == nil) {
			if werr == nil && !json.Valid(data) {
				return
			}
			t.Fatalf("reference error %v, decoder error %v", werr, gerr)
		}
		if werr == nil {
			sameUser(t, got, want)
		}
	})
}

func BenchmarkDecodeUser(b *testing.B) {
	raw := []byte(`{"userID":"bench-user","email":"a@statsig.com","country":"US",` +
		`"custom":{"plan":"pro","level":3},"customIDs":{"companyID":"c1"}}`)
	for _, bc := range []struct {
		name   string
		decode func(*User, []byte) error
	}{{"validating", DecodeUserInto}, {"valid", DecodeValidUserInto}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			var u User
			for b.Loop() {
				if err := bc.decode(&u, raw); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
