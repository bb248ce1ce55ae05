package controllers

import (
	"testing"

	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	flagsv1alpha1 "github.com/statsig-operator/statsig-operator/api/v1alpha1"
)

func TestSetConditions(t *testing.T) {
	unauthorized := failf(flagsv1alpha1.ReasonUnauthorized, nil, "check the key")
	tests := []struct {
		name                   string
		revision               string
		fail                   *syncError
		ready, synced, degrade metav1.ConditionStatus
		readyReason, degReason string
	}{
		{"success", "abc", nil, "True", "True", "False", flagsv1alpha1.ReasonSnapshotServed, flagsv1alpha1.ReasonHealthy},
		{"failure with a stored revision serves last known good", "abc", unauthorized, "True", "False", "True",
			flagsv1alpha1.ReasonSnapshotServed, flagsv1alpha1.ReasonServingLastKnownGood},
		{"failure before any revision", "", unauthorized, "False", "False", "False",
			flagsv1alpha1.ReasonUnauthorized, flagsv1alpha1.ReasonNoSnapshot},
	}
	for _, tt := range tests {
		st := &flagsv1alpha1.StatsigSpecStatus{Revision: tt.revision}
		setConditions(st, 3, tt.fail)
		check := func(typ string, want metav1.ConditionStatus, reason string) {
			c := meta.FindStatusCondition(st.Conditions, typ)
			if c == nil || c.Status != want || (reason != "" && c.Reason != reason) || c.ObservedGeneration != 3 {
				t.Errorf("%s: %s = %+v, want %s/%s", tt.name, typ, c, want, reason)
			}
		}
		check(flagsv1alpha1.ConditionReady, tt.ready, tt.readyReason)
		check(flagsv1alpha1.ConditionSynced, tt.synced, "")
		check(flagsv1alpha1.ConditionDegraded, tt.degrade, tt.degReason)

		// Same outcome again: the status must not change (no write on unchanged polls).
		before := st.DeepCopy()
		setConditions(st, 3, tt.fail)
		if !equality.Semantic.DeepEqual(before, st) {
			t.Errorf("%s: repeating the outcome changed the status", tt.name)
		}
	}
}

func TestTransitionEvent(t *testing.T) {
	ok := &flagsv1alpha1.StatsigSpecStatus{Revision: "r1"}
	setConditions(ok, 1, nil)
	failing := ok.DeepCopy()
	setConditions(failing, 1, failf(flagsv1alpha1.ReasonUpstreamUnavailable, nil, "down"))
	newRev := ok.DeepCopy()
	newRev.Revision = "r2"
	tests := []struct {
		name          string
		before, after *flagsv1alpha1.StatsigSpecStatus
		want          string
	}{
		{"unchanged", ok, ok.DeepCopy(), ""},
		{"revision changed", ok, newRev, "RevisionChanged"},
		{"started failing", ok, failing, flagsv1alpha1.ReasonUpstreamUnavailable},
		{"still failing", failing, failing.DeepCopy(), ""},
		{"recovered", failing, ok, "SyncRecovered"},
	}
	for _, tt := range tests {
		_, reason, _, fired := transitionEvent(tt.before, tt.after)
		if (tt.want == "") == fired || reason != tt.want {
			t.Errorf("%s: event %q (fired %v), want %q", tt.name, reason, fired, tt.want)
		}
	}
}

func TestRedact(t *testing.T) {
	key := "secret-abcdef123"
	msg := `Get "http://127.0.0.1:1/v2/download_config_specs/secret-abcdef123.json": EOF`
	if got := redact(msg, key); got != `Get "http://127.0.0.1:1/v2/download_config_specs/[redacted].json": EOF` {
		t.Errorf("redact = %q", got)
	}
}

func TestReferencedObjects(t *testing.T) {
	spec := &flagsv1alpha1.StatsigSpec{Spec: flagsv1alpha1.StatsigSpecSpec{
		SecretKeyRef: flagsv1alpha1.SecretKeySelector{Name: "key"},
		Source: flagsv1alpha1.SourceSpec{
			Type:      flagsv1alpha1.SourceConfigMap,
			ConfigMap: &flagsv1alpha1.PayloadKeySelector{Namespace: "other", Name: "dcs", Key: "dcs.json"},
		},
		Proxy: &flagsv1alpha1.ProxySpec{
			URL:                  "http://p:3128",
			CredentialsSecretRef: &flagsv1alpha1.SecretKeySelector{Name: "proxy"},
		},
	}}
	got := referencedObjects(spec, "ops")
	want := []string{"Secret/ops/key", "ConfigMap/other/dcs", "Secret/ops/proxy"}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("got %v, want %v", got, want)
		}
	}
}

func TestNormalizeFormat(t *testing.T) {
	tests := []struct {
		loaded    string
		requested flagsv1alpha1.PayloadFormat
		want      string
	}{
		{"v1", flagsv1alpha1.PayloadFormatV2, "v1"},
		{"v2", flagsv1alpha1.PayloadFormatV1, "v2"},
		{"", flagsv1alpha1.PayloadFormatV1, "v1"},
		{"dcs-v2", flagsv1alpha1.PayloadFormatV2, "v2"},
	}
	for _, tt := range tests {
		if got := normalizeFormat(tt.loaded, tt.requested); got != tt.want {
			t.Errorf("normalizeFormat(%q, %q) = %q, want %q", tt.loaded, tt.requested, got, tt.want)
		}
	}
}
