package webhook_test

import (
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	flagsv1alpha1 "github.com/statsig-operator/statsig-operator/api/v1alpha1"
	"github.com/statsig-operator/statsig-operator/inject"
)

// setSelector sets StatsigSpec demo's namespaceSelector (nil: every namespace).
func setSelector(sel *metav1.LabelSelector) {
	var ssp flagsv1alpha1.StatsigSpec
	Expect(k8sClient.Get(ctx, client.ObjectKey{Name: "demo"}, &ssp)).To(Succeed())
	ssp.Spec.NamespaceSelector = sel
	Expect(k8sClient.Update(ctx, &ssp)).To(Succeed())
}

func setTeam(ns, team string) {
	var n corev1.Namespace
	Expect(k8sClient.Get(ctx, client.ObjectKey{Name: ns}, &n)).To(Succeed())
	if n.Labels == nil {
		n.Labels = map[string]string{}
	}
	n.Labels["team"] = team
	Expect(k8sClient.Update(ctx, &n)).To(Succeed())
}

// podIn is newPod in namespace ns asking for gate new_checkout.
func podIn(ns string, strict bool) *corev1.Pod {
	pod := newPod(map[string]string{inject.AnnGates: "new_checkout"})
	pod.Namespace = ns
	if strict {
		pod.Annotations[inject.AnnStrict] = "true"
	}
	return pod
}

func injectionFailedEvent(pod *corev1.Pod, want string) func(Gomega) {
	return func(g Gomega) {
		var evs eventsv1.EventList
		g.Expect(k8sClient.List(ctx, &evs, client.InNamespace(pod.Namespace))).To(Succeed())
		found := false
		for _, e := range evs.Items {
			found = found || (e.Regarding.Name == pod.Name && e.Reason == "StatsigInjectionFailed" &&
				strings.Contains(e.Note, want))
		}
		g.Expect(found).To(BeTrue())
	}
}

var _ = Describe("StatsigSpec namespaceSelector", Ordered, func() {
	const denied = `is not allowed to use StatsigSpec "demo"`

	BeforeAll(func() {
		for ns, team := range map[string]string{"team-a": "a", "team-b": "b"} {
			Expect(k8sClient.Create(ctx, &corev1.Namespace{
				ObjectMeta: metav1.ObjectMeta{Name: ns, Labels: map[string]string{"team": team}},
			})).To(Succeed())
		}
		setSelector(&metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
			{Key: "team", Operator: metav1.LabelSelectorOpIn, Values: []string{"a"}},
		}})
		DeferCleanup(setSelector, (*metav1.LabelSelector)(nil))
		// The selector reaches the webhook's cache asynchronously.
		Eventually(func() error { return k8sClient.Create(ctx, podIn("team-b", true)) }).Should(HaveOccurred())
	})

	DescribeTable("admits pods of selected namespaces only",
		func(ns string, strict bool, want string) {
			cl, w := warningClient()
			pod := podIn(ns, strict)
			err := cl.Create(ctx, pod)
			switch {
			case want == "":
				Expect(err).NotTo(HaveOccurred())
				Expect(envOf(pod.Spec.Containers[1])).To(HaveKeyWithValue("STATSIG_GATE_NEW_CHECKOUT", "true"))
			case strict:
				Expect(err).To(HaveOccurred())
				Expect(err.Error()).To(ContainSubstring(want))
			default:
				Expect(err).NotTo(HaveOccurred())
				Expect(pod.Annotations).NotTo(HaveKey(inject.AnnResults))
				Expect(pod.Spec.Containers[1].Env).To(BeEmpty())
				Expect(w.get()).To(ContainElement(And(ContainSubstring(want), ContainSubstring("admitted unchanged"))))
				Eventually(injectionFailedEvent(pod, want)).Should(Succeed())
			}
		},
		Entry("selected namespace", "team-a", false, ""),
		Entry("selected namespace, strict", "team-a", true, ""),
		Entry("other namespace: warned, unchanged", "team-b", false, `namespace "team-b" `+denied),
		Entry("other namespace, strict: denied", "team-b", true, `namespace "team-b" `+denied),
		Entry("unlabelled namespace", "shop", false, `namespace "shop" `+denied),
	)

	It("follows namespace label changes", func() {
		setTeam("team-b", "a")
		DeferCleanup(setTeam, "team-b", "b")
		Eventually(func() error { return k8sClient.Create(ctx, podIn("team-b", true)) }).Should(Succeed())
		setTeam("team-a", "b")
		DeferCleanup(setTeam, "team-a", "a")
		Eventually(func() error { return k8sClient.Create(ctx, podIn("team-a", true)) }).Should(HaveOccurred())
	})

	It("lets every namespace in again when the selector is removed", func() {
		setSelector(nil)
		Eventually(func() error { return k8sClient.Create(ctx, podIn("team-b", true)) }).Should(Succeed())
	})
})
