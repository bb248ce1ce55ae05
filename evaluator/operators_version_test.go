package evaluator

import (
	"encoding/json"
	"math/big"
	"strconv"
	"strings"
	"testing"
)

// compareVersionsReference is the comparison as it was before targets were compiled: it
// parses both sides into big.Ints on every call. It compares dotted versions: the part before
// the first '-' on each side, component by component as integers (trimmed), missing
// components counting as 0. It stops at the first difference, so only the components read so
// far must parse (as Server Core does).
func compareVersionsReference(a, b string) (cmp int, valid bool) {
	a, _, _ = strings.Cut(a, "-")
	b, _, _ = strings.Cut(b, "-")
	aDone, bDone := false, false
	for {
		x, okX, errX := nextVersionPartReference(&a, &aDone)
		y, okY, errY := nextVersionPartReference(&b, &bDone)
		if errX || errY {
			return 0, false
		}
		if !okX && !okY {
			return 0, true
		}
		if c := x.Cmp(y); c != 0 {
			return c, true
		}
	}
}

// nextVersionPartReference pops one component; ok is false when the version is exhausted.
func nextVersionPartReference(rest *string, done *bool) (n *big.Int, ok, bad bool) {
	if *done {
		return big.NewInt(0), false, false
	}
	part, more, found := strings.Cut(*rest, ".")
	*rest, *done = more, !found
	part = strings.TrimSpace(part)
	if i, err := strconv.ParseInt(part, 10, 64); err == nil {
		return big.NewInt(i), true, false
	}
	v, good := new(big.Int).SetString(strings.TrimPrefix(part, "+"), 10)
	if !good || part == "" || len(part) > 39 {
		return nil, false, true
	}
	return v, true, false
}

var versionCases = []struct{ user, target string }{
	{"1.2.3", "1.2.3"}, {"1.2.3", "1.2.4"}, {"1.2.10", "1.2.9"}, {"1.2", "1.2.0"}, {"1.2.0.0", "1.2"},
	{"1.2.1", "1.2"}, {"2", "10"}, {"10", "9"}, {"1.2.0-rc1", "1.2.0-beta"}, {"1.2.0-rc1", "1.2.1"},
	{"1-2", "1"}, {"-", "0"}, {"-1", "0"}, {"1.2-3.4", "1.2"}, {"", ""}, {"", "1"}, {"1", ""},
	{"1.", "1"}, {"1", "1."}, {".1", "0.1"}, {"1..2", "1.0.2"}, {"v1.2", "1.2"}, {"1.2", "v1.2"},
	{"2.x", "1.0"}, {"1.x", "1.0"}, {"1.0", "2.x"}, {"1.0", "1.x"}, {"1", "1.x"}, {"1.x", "1"},
	{" 1 . 2 ", "1.2"}, {"1.2", "\t1\n.\u00a02"}, {"01.002", "1.2"}, {"0001", "1"}, {"0", "00000"},
	{"+1.+2", "1.2"}, {"++1", "1"}, {"+++1", "1"}, {"+", "0"}, {"++", "0"}, {"1.+", "1"},
	{"9223372036854775807", "9223372036854775806"}, {"9223372036854775808", "9223372036854775807"},
	{"18446744073709551616", "18446744073709551615"}, {"99999999999999999999999999999999999999", "1"},
	{"999999999999999999999999999999999999999", "1"}, {"9999999999999999999999999999999999999999", "1"},
	{"+99999999999999999999999999999999999999", "1"}, {"++9999999999999999999999999999999999999", "1"},
	{"00000000000000000000000000000000000000000000001", "1"},
	{"000000000000000000000000000000000000000000000010000000000000000000", "1"},
	{"1.99999999999999999999999999999999999999", "1.99999999999999999999999999999999999998"},
	{"1.2.3", "1.2.3.4.5.6.7.8.9"}, {"1.2.3.4.5.6.7.8.9", "1.2.3.4.5.6.7.8.10"}, {"1e3", "1000"},
	{"0x10", "16"}, {"1_000", "1000"}, {"1.2", "1.2\u0085"}, {"１", "1"}, {"1 2", "12"},
	{"3.0.0", "3.0.0-alpha.1"}, {"3.0.0-alpha.1", "3.0.0-alpha.2"},
}

// The compiled comparison returns what the reference returns, on every case in both orders.
func TestCompareVersionToMatchesReference(t *testing.T) {
	for _, tc := range versionCases {
		for _, c := range [][2]string{{tc.user, tc.target}, {tc.target, tc.user}} {
			wantCmp, wantValid := compareVersionsReference(c[0], c[1])
			vt := compileVersion(c[1], nil)
			gotCmp, gotValid := compareVersionTo(c[0], &vt)
			if gotCmp != wantCmp || gotValid != wantValid {
				t.Errorf("%q vs %q: got (%d, %v), want (%d, %v)", c[0], c[1], gotCmp, gotValid, wantCmp, wantValid)
			}
		}
	}
}

func FuzzCompareVersionTo(f *testing.F) {
	for _, tc := range versionCases {
		f.Add(tc.user, tc.target)
	}
	f.Fuzz(func(t *testing.T, user, target string) {
		wantCmp, wantValid := compareVersionsReference(user, target)
		vt := compileVersion(target, nil)
		gotCmp, gotValid := compareVersionTo(user, &vt)
		if gotCmp != wantCmp || gotValid != wantValid {
			t.Fatalf("%q vs %q: got (%d, %v), want (%d, %v)", user, target, gotCmp, gotValid, wantCmp, wantValid)
		}
	})
}

// The version operators on a loaded condition: each operator's outcome, and a string target
// only (a numeric or list target fails, docs/semantics.md §2.9).
func TestVersionOperators(t *testing.T) {
	ops := []string{"version_gt", "version_gte", "version_lt", "version_lte", "version_eq", "version_neq"}
	cases := []struct {
		user   any
		target string // JSON
		want   [6]bool
	}{
		{"1.2.3", `"1.2.3"`, [6]bool{false, true, false, true, true, false}},
		{"1.10", `"1.9.9"`, [6]bool{true, true, false, false, false, true}},
		{"1.2.0-rc1", `"1.2"`, [6]bool{false, true, false, true, true, false}},
		{"1.x", `"1.2"`, [6]bool{}},
		{"", `"1"`, [6]bool{}},
		{"1", `1`, [6]bool{}},
		{"1", `["1","2"]`, [6]bool{}},
		{1.5, `"1.4"`, [6]bool{true, true, false, false, false, true}},
	}
	for _, tc := range cases {
		for i, op := range ops {
			payload := `{"has_updates":true,"feature_gates":{"g":{"name":"g","entity":"feature_gate","salt":"s",` +
				`"enabled":true,"defaultValue":false,
				"rules":[{"id":"r","passPercentage":100,"returnValue":true,"conditions":["c"]}]}},
				"condition_map":{"c":{"type":"user_field","field":"appVersion","operator":"` + op + `",` +
				`"targetValue":` + tc.target + `}}}`
			s, err := Load(strings.NewReader(payload), LoadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			e := New(Options{})
			e.SetSpecs(s)
			u := versionUser(t, tc.user)
			if got := e.CheckGate(u, "g").Value; got != tc.want[i] {
				t.Errorf("%v %s %s = %v, want %v", tc.user, op, tc.target, got, tc.want[i])
			}
		}
	}
}

func versionUser(t testing.TB, version any) *User {
	t.Helper()
	raw, _ := json.Marshal(map[string]any{"userID": "u", "appVersion": version})
	var u User
	if err := json.Unmarshal(raw, &u); err != nil {
		t.Fatal(err)
	}
	return &u
}

// A gate whose only condition is a version comparison: no allocation per evaluation.
func BenchmarkCheckGateVersion(b *testing.B) {
	payload := `{"has_updates":true,"feature_gates":{"g":{"name":"g","entity":"feature_gate","salt":"s","enabled":true,` +
		`"defaultValue":false,
		"rules":[{"id":"r","passPercentage":100,"returnValue":true,"conditions":["c"]}]}},
		"condition_map":{"c":{"type":"user_field","field":"appVersion","operator":"version_gte",` +
		`"targetValue":"10.2.3-beta"}}}`
	s, err := Load(strings.NewReader(payload), LoadOptions{})
	if err != nil {
		b.Fatal(err)
	}
	e := New(Options{})
	e.SetSpecs(s)
	u := versionUser(b, "10.12.1")
	if !e.CheckGate(u, "g").Value {
		b.Fatal("gate fails")
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = e.CheckGate(u, "g")
	}
}

// The comparison alone: the compiled target against the reference's parse of both sides.
func BenchmarkCompareVersion(b *testing.B) {
	const user, target = "10.12.1", "10.2.3-beta"
	b.Run("compiled", func(b *testing.B) {
		vt := compileVersion(target, nil)
		b.ReportAllocs()
		for b.Loop() {
			compareVersionTo(user, &vt)
		}
	})
	b.Run("reference", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			compareVersionsReference(user, target)
		}
	})
}
