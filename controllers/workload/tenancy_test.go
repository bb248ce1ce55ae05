package workload_test

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	flagsv1alpha1 "github.com/statsig-operator/statsig-operator/api/v1alpha1"
	"github.com/statsig-operator/statsig-operator/inject"
)

// notTeams selects every namespace whose team label is none of teams.
func notTeams(teams ...string) *metav1.LabelSelector {
	return &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
		{Key: "team", Operator: metav1.LabelSelectorOpNotIn, Values: teams},
	}}
}

func setSelector(sel *metav1.LabelSelector) {
	var ssp flagsv1alpha1.StatsigSpec
	Expect(k8sClient.Get(ctx, client.ObjectKey{Name: "demo"}, &ssp)).To(Succeed())
	ssp.Spec.NamespaceSelector = sel
	Expect(k8sClient.Update(ctx, &ssp)).To(Succeed())
}

func setTeam(ns, team string) {
	var n corev1.Namespace
	Expect(k8sClient.Get(ctx, client.ObjectKey{Name: ns}, &n)).To(Succeed())
	n.Labels["team"] = team
	Expect(k8sClient.Update(ctx, &n)).To(Succeed())
}

// settle is how long a re-reconcile may take: selector and label changes are metered by the
// update rate limit, behind every other workload they enqueue (the 1,000 of "bulk", say).
const settle = 30 * time.Second

var _ = Describe("StatsigSpec namespaceSelector", Ordered, func() {
	// Namespaces without a team label (apps, bulk) stay allowed, so the other specs'
	// workloads are not touched by these changes.
	var allowed, disallowed *appsv1.Deployment

	BeforeAll(func() {
		publish("rev-tenancy", payload(true))
		DeferCleanup(publish, "rev1", payload(true)) // what the other specs start from
		for ns, team := range map[string]string{"team-a": "a", "team-b": "b"} {
			Expect(k8sClient.Create(ctx, &corev1.Namespace{
				ObjectMeta: metav1.ObjectMeta{Name: ns, Labels: map[string]string{"team": team}},
			})).To(Succeed())
		}
		setSelector(notTeams("b"))
		DeferCleanup(setSelector, (*metav1.LabelSelector)(nil))
		time.Sleep(500 * time.Millisecond) // the selector reaches the controller's cache
	})

	It("does not patch a workload whose namespace may not use the StatsigSpec, and says why", func() {
		ann := map[string]string{inject.AnnGates: "new_checkout"}
		allowed = deployment("team-a", "web", ann)
		disallowed = deployment("team-b", "web", ann)
		Expect(k8sClient.Create(ctx, allowed)).To(Succeed())
		Expect(k8sClient.Create(ctx, disallowed)).To(Succeed())
		Eventually(func() string { return env(get(allowed), "STATSIG_GATE_NEW_CHECKOUT") }, settle).Should(Equal("true"))
		Eventually(hasEvent(disallowed, "StatsigNamespaceNotAllowed"), settle).Should(Succeed())
		got := get(disallowed)
		Expect(env(got, "STATSIG_GATE_NEW_CHECKOUT")).To(Equal("<unset>"))
		Expect(got.Spec.Template.Annotations).NotTo(HaveKey(inject.AnnResultsHash))
	})

	It("re-reconciles a namespace's workloads when its labels change", func() {
		setTeam("team-b", "c")
		Eventually(func() string { return env(get(disallowed), "STATSIG_GATE_NEW_CHECKOUT") }, settle).Should(Equal("true"))
	})

	It("re-reconciles the workloads using the StatsigSpec when its selector changes", func() {
		setSelector(notTeams("a"))
		Eventually(hasEvent(allowed, "StatsigNamespaceNotAllowed"), settle).Should(Succeed())
		By("a denied workload keeps what it had: no re-roll")
		gen := get(allowed).Generation
		publish("rev-tenancy-off", payload(false))
		Eventually(func() string { return env(get(disallowed), "STATSIG_GATE_NEW_CHECKOUT") }, settle).Should(Equal("false"))
		Expect(get(allowed).Generation).To(Equal(gen))
		Expect(env(get(allowed), "STATSIG_GATE_NEW_CHECKOUT")).To(Equal("true"))
	})
})
