package controllers

import (
	"bytes"
	"os"
	"path/filepath"

	. "github.com/onsi/gomega"
	"github.com/prometheus/client_golang/prometheus/testutil"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	flagsv1alpha1 "github.com/statsig-operator/statsig-operator/api/v1alpha1"
	"github.com/statsig-operator/statsig-operator/snapshot"
	"github.com/statsig-operator/statsig-operator/test/fixtures"
)

// fixtureDCS is the go-sdk's v1 payload from the repository's fixtures (test/fixtures).
var fixtureDCS = filepath.Join(fixtures.Root(), "go-sdk", "download_config_specs.json")

func readFixture(path string) []byte {
	b, err := os.ReadFile(path)
	Expect(err).NotTo(HaveOccurred())
	return b
}

func keySecret(name, key string) {
	s := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: testNS, Name: name},
		Data:       map[string][]byte{flagsv1alpha1.DefaultSecretKeyField: []byte(key)},
	}
	Expect(k8sClient.Create(ctx, s)).To(Succeed())
}

// newSpec returns a StatsigSpec with the CRD's defaults that matter to the controller.
func newSpec(name, keySecretName string) *flagsv1alpha1.StatsigSpec {
	return &flagsv1alpha1.StatsigSpec{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: flagsv1alpha1.StatsigSpecSpec{
			SecretKeyRef:        flagsv1alpha1.SecretKeySelector{Name: keySecretName},
			Source:              flagsv1alpha1.SourceSpec{Type: flagsv1alpha1.SourceStatsig},
			SpecsSyncIntervalMs: 1000,
			InitTimeoutMs:       3000,
		},
	}
}

func configMapSpec(name, keySecretName, cmName string) *flagsv1alpha1.StatsigSpec {
	s := newSpec(name, keySecretName)
	s.Spec.Source = flagsv1alpha1.SourceSpec{
		Type:      flagsv1alpha1.SourceConfigMap,
		ConfigMap: &flagsv1alpha1.PayloadKeySelector{Name: cmName, Key: "dcs.json"},
	}
	return s
}

func getSpec(g Gomega, name string) *flagsv1alpha1.StatsigSpec {
	var s flagsv1alpha1.StatsigSpec
	g.Expect(k8sClient.Get(ctx, client.ObjectKey{Name: name}, &s)).To(Succeed())
	return &s
}

func condition(s *flagsv1alpha1.StatsigSpec, typ string) *metav1.Condition {
	return meta.FindStatusCondition(s.Status.Conditions, typ)
}

// chunkVersions maps each chunk Secret of a spec to its resourceVersion: any write to a
// chunk (create, update, delete) changes the map.
func chunkVersions(g Gomega, specName string) map[string]string {
	var list corev1.SecretList
	g.Expect(k8sClient.List(ctx, &list, client.InNamespace(testNS), client.MatchingLabels{snapshot.LabelSpec: specName})).
		To(Succeed())
	out := map[string]string{}
	for _, s := range list.Items {
		out[s.Name] = s.ResourceVersion
	}
	return out
}

// servedRevision is the revision the consumer's registry serves for name.
func servedRevision(name string) string {
	if p := op.registry.Get(name); p != nil {
		return p.Revision
	}
	return ""
}

func bytesReader(s string) *bytes.Reader { return bytes.NewReader([]byte(s)) }

// eventsFor lists the Events recorded about a StatsigSpec with the given reason.
func eventsFor(name, reason string) []eventsv1.Event {
	var list eventsv1.EventList
	Expect(k8sClient.List(ctx, &list)).To(Succeed())
	var out []eventsv1.Event
	for _, e := range list.Items {
		if e.Regarding.Kind == "StatsigSpec" && e.Regarding.Name == name && e.Reason == reason {
			out = append(out, e)
		}
	}
	return out
}

// specsAndStatusWrites is what the controller wrote to the apiserver for a StatsigSpec's specs
// snapshot and status, from the bytesWritten metric.
func specsAndStatusWrites(spec string) float64 {
	return testutil.ToFloat64(bytesWritten.WithLabelValues(spec, "specs")) +
		testutil.ToFloat64(bytesWritten.WithLabelValues(spec, "status"))
}

// lastPolled is the lastPoll metric of a StatsigSpec.
func lastPolled(spec string) float64 {
	return testutil.ToFloat64(lastPoll.WithLabelValues(spec))
}
