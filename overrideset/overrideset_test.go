package overrideset

import (
	"slices"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	flagsv1alpha1 "github.com/statsig-operator/statsig-operator/api/v1alpha1"
)

func gate(ns, name, spec string, created time.Time, expires *time.Time) flagsv1alpha1.StatsigOverride {
	o := flagsv1alpha1.StatsigOverride{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, CreationTimestamp: metav1.NewTime(created)},
		Spec: flagsv1alpha1.StatsigOverrideSpec{
			StatsigSpecName: spec, Gate: &flagsv1alpha1.GateOverride{Name: "g", Value: true},
		},
	}
	if expires != nil {
		t := metav1.NewTime(*expires)
		o.Spec.ExpiresAt = &t
	}
	return o
}

func TestBuild(t *testing.T) {
	now := time.Now()
	past, soon, later := now.Add(-time.Minute), now.Add(time.Minute), now.Add(time.Hour)
	list := []flagsv1alpha1.StatsigOverride{
		gate("a", "old", "p", now.Add(-2*time.Hour), nil),
		gate("a", "new", "p", now.Add(-time.Hour), &later),
		gate("b", "same-time-b", "p", now.Add(-3*time.Hour), &soon),
		gate("a", "same-time-a", "p", now.Add(-3*time.Hour), nil),
		gate("a", "expired", "p", now, &past),
		gate("a", "other-spec", "q", now, nil),
		gate("denied", "denied", "p", now, nil),
	}
	set := Build(list, "p", now, func(ns string) string {
		if ns == "denied" {
			return "not selected"
		}
		return ""
	})
	want := []string{"a/new", "a/old", "a/same-time-a", "b/same-time-b"}
	if !slices.Equal(set.Active, want) {
		t.Errorf("active %v, want %v (newest first, then namespace/name)", set.Active, want)
	}
	if !set.NextExpiry.Equal(metav1.NewTime(soon).Time) {
		t.Errorf("next expiry %v, want %v", set.NextExpiry, soon)
	}
	if set.Overrides.Len() != 4 || set.Fingerprint == "" {
		t.Errorf("overrides %d, fingerprint %q", set.Overrides.Len(), set.Fingerprint)
	}
	if empty := Build(nil, "p", now, nil); empty.Overrides != nil || len(empty.Active) != 0 {
		t.Errorf("empty set %+v", empty)
	}
}

func TestParseList(t *testing.T) {
	tests := map[string]struct {
		in   string
		want int
	}{
		"YAML documents": {`apiVersion: flags.statsig-operator.io/v1alpha1
kind: StatsigOverride
metadata: {name: a}
spec: {statsigSpecName: p, gate: {name: g, value: true}}
---
metadata: {name: b}
spec: {statsigSpecName: p, layer: {name: l, value: {x: 1}}}
`, 2},
		"List": {`{"apiVersion":"v1","kind":"List","items":[` +
			`{"metadata":{"name":"a"},"spec":{"statsigSpecName":"p","gate":{"name":"g","value":true}}}]}`, 1},
		"JSON array": {`[{"metadata":{"name":"a"},"spec":{}},{"metadata":{"name":"b"},"spec":{}}]`, 2},
		"empty":      {"", 0},
	}
	for name, tc := range tests {
		got, err := ParseList([]byte(tc.in))
		if err != nil || len(got) != tc.want {
			t.Errorf("%s: %d objects, %v; want %d", name, len(got), err, tc.want)
		}
	}
	if _, err := ParseList([]byte("spec: [unclosed")); err == nil {
		t.Error("malformed YAML accepted")
	}
}

func TestConvert(t *testing.T) {
	o := gate("a", "x", "p", time.Now(), nil)
	o.Spec.Gate = nil
	if _, err := Convert(&o); err == nil {
		t.Error("an override without an entity converted")
	}
	kind, entity := Describe(&o)
	if kind != "" || entity != "" {
		t.Errorf("describe %q %q", kind, entity)
	}
}
