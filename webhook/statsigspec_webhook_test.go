package webhook_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	flagsv1alpha1 "github.com/statsig-operator/statsig-operator/api/v1alpha1"
)

var _ = Describe("StatsigSpec validation", func() {
	spec := func(name, secret string) *flagsv1alpha1.StatsigSpec {
		return &flagsv1alpha1.StatsigSpec{
			ObjectMeta: metav1.ObjectMeta{Name: name},
			Spec: flagsv1alpha1.StatsigSpecSpec{
				SecretKeyRef: flagsv1alpha1.SecretKeySelector{Name: secret, Key: "secretKey"},
				Source:       flagsv1alpha1.SourceSpec{Type: flagsv1alpha1.SourceStatsig},
			},
		}
	}

	It("warns when the Secret is missing, lacks the key, and not when it is there", func() {
		cl, w := warningClient()
		Expect(cl.Create(ctx, spec("missing", "nope"))).To(Succeed())
		Expect(w.get()).To(ContainElement(ContainSubstring("spec.secretKeyRef: Secret statsig-system/nope does not exist")))

		Expect(k8sClient.Create(ctx, &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Name: "wrong-key", Namespace: operatorNamespace},
			StringData: map[string]string{"other": "x"},
		})).To(Succeed())
		cl, w = warningClient()
		Expect(cl.Create(ctx, spec("lacks-key", "wrong-key"))).To(Succeed())
		Expect(w.get()).To(ContainElement(ContainSubstring(`Secret statsig-system/wrong-key has no key "secretKey"`)))

		Expect(k8sClient.Create(ctx, &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Name: "good", Namespace: operatorNamespace},
			StringData: map[string]string{"secretKey": "secret-x"},
		})).To(Succeed())
		cl, w = warningClient()
		Expect(cl.Create(ctx, spec("good", "good"))).To(Succeed())
		Expect(w.get()).To(BeEmpty())
	})

	DescribeTable("checks spec.namespaceSelector",
		func(sel metav1.LabelSelector, rejected, warned string) {
			cl, w := warningClient()
			ssp := spec("", "good")
			ssp.GenerateName = "selector-"
			ssp.Spec.NamespaceSelector = &sel
			err := cl.Create(ctx, ssp)
			if rejected != "" {
				Expect(err).To(MatchError(ContainSubstring(rejected)))
				return
			}
			Expect(err).NotTo(HaveOccurred())
			if warned == "" {
				Expect(w.get()).NotTo(ContainElement(ContainSubstring("namespaceSelector")))
			} else {
				Expect(w.get()).To(ContainElement(ContainSubstring(warned)))
			}
		},
		Entry("valid", metav1.LabelSelector{MatchLabels: map[string]string{"team": "a"}}, "", ""),
		Entry("In without values (CEL)", metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
			{Key: "team", Operator: metav1.LabelSelectorOpIn},
		}}, "operator must be In, NotIn, Exists or DoesNotExist", ""),
		Entry("unknown operator (CEL)", metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
			{Key: "team", Operator: "Like", Values: []string{"a"}},
		}}, "operator must be In, NotIn, Exists or DoesNotExist", ""),
		Entry("malformed label key (webhook warning)", metav1.LabelSelector{
			MatchLabels: map[string]string{"bad key!": "a"},
		}, "", "spec.namespaceSelector is invalid, so no namespace may use this StatsigSpec"),
	)
})
