package crd_test

import (
	"os"
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

// overrideObject builds an unstructured StatsigOverride in namespace default.
func overrideObject(spec map[string]any) *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "flags.statsig-operator.io/v1alpha1",
		"kind":       "StatsigOverride",
		"metadata":   map[string]any{"generateName": "ov-", "namespace": "default"},
		"spec":       spec,
	}}
}

//nolint:lll // the validation table reads best one case per line
var _ = Describe("StatsigOverride CRD", func() {
	value := map[string]any{"a": 1}
	DescribeTable("validation",
		func(spec map[string]any, wantErr string) {
			err := k8sClient.Create(ctx, overrideObject(spec))
			if wantErr == "" {
				Expect(err).NotTo(HaveOccurred())
				return
			}
			Expect(apierrors.IsInvalid(err)).To(BeTrue(), "%v", err)
			Expect(err.Error()).To(ContainSubstring(wantErr))
		},
		Entry("a gate for everyone", map[string]any{"statsigSpecName": "p", "gate": map[string]any{"name": "g", "value": true}}, ""),
		Entry("an experiment group for IDs, expiring", map[string]any{"statsigSpecName": "p",
			"experiment": map[string]any{"name": "e", "groupName": "Test"}, "ids": []any{"u1", "c1"},
			"expiresAt": "2030-01-01T00:00:00Z"}, ""),
		Entry("a parameter store", map[string]any{"statsigSpecName": "p",
			"parameterStore": map[string]any{"name": "s", "value": map[string]any{"p": "v"}}}, ""),
		Entry("no entity", map[string]any{"statsigSpecName": "p"}, "set exactly one of gate, dynamicConfig"),
		Entry("two entities", map[string]any{"statsigSpecName": "p", "gate": map[string]any{"name": "g", "value": true},
			"layer": map[string]any{"name": "l", "value": value}}, "set exactly one of gate, dynamicConfig"),
		Entry("experiment value and group", map[string]any{"statsigSpecName": "p",
			"experiment": map[string]any{"name": "e", "value": value, "groupName": "Test"}}, "exactly one of value and groupName"),
		Entry("experiment neither", map[string]any{"statsigSpecName": "p", "experiment": map[string]any{"name": "e"}},
			"exactly one of value and groupName"),
		Entry("a config value that is not an object", map[string]any{"statsigSpecName": "p",
			"dynamicConfig": map[string]any{"name": "c", "value": []any{1}}}, "spec.dynamicConfig.value"),
		Entry("an empty ID", map[string]any{"statsigSpecName": "p", "gate": map[string]any{"name": "g", "value": true},
			"ids": []any{""}}, "spec.ids[0]"),
		Entry("a repeated ID", map[string]any{"statsigSpecName": "p", "gate": map[string]any{"name": "g", "value": true},
			"ids": []any{"u", "u"}}, "spec.ids[1]"),
		Entry("no StatsigSpec", map[string]any{"gate": map[string]any{"name": "g", "value": true}}, "statsigSpecName"),
		Entry("an empty entity name", map[string]any{"statsigSpecName": "p", "gate": map[string]any{"name": "", "value": true}},
			"spec.gate.name"),
		Entry("an expiry that is not a time", map[string]any{"statsigSpecName": "p",
			"gate": map[string]any{"name": "g", "value": true}, "expiresAt": "tomorrow"}, "expiresAt"),
	)

	It("accepts the samples in config/samples/overrides", func() {
		files, err := filepath.Glob("../../config/samples/overrides/*.yaml")
		Expect(err).NotTo(HaveOccurred())
		n := 0
		for _, f := range files {
			if filepath.Base(f) == "kustomization.yaml" {
				continue
			}
			data, err := os.ReadFile(f)
			Expect(err).NotTo(HaveOccurred())
			u := &unstructured.Unstructured{}
			Expect(yaml.Unmarshal(data, &u.Object)).To(Succeed())
			ns := u.GetNamespace()
			err = k8sClient.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})
			Expect(err == nil || apierrors.IsAlreadyExists(err)).To(BeTrue(), "%v", err)
			Expect(k8sClient.Create(ctx, u)).To(Succeed(), f)
			n++
		}
		Expect(n).To(Equal(3))
	})
})
