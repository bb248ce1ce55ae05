package controllers

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	flagsv1alpha1 "github.com/statsig-operator/statsig-operator/api/v1alpha1"
	"github.com/statsig-operator/statsig-operator/test/standin"
)

var _ = Describe("The first sync", func() {
	It("gives up after initTimeoutMs without retries and reports that nothing is served yet", func() {
		srv := startStandin(standin.Options{})
		Expect(srv.SetPayloadFile(standin.V1, fixtureDCS)).To(Succeed())
		Expect(srv.InjectFault(standin.RouteDCSV1, standin.Fault{Kind: standin.Timeout, Times: 1})).To(Succeed())
		keySecret("init-key", "secret-init")
		spec := statsigSpec("init", "init-key", srv, standin.V1)
		spec.Spec.InitTimeoutMs = 300
		spec.Spec.SpecsSyncIntervalMs = 5000
		Expect(k8sClient.Create(ctx, spec)).To(Succeed())
		Eventually(func(g Gomega) {
			s := getSpec(g, "init")
			g.Expect(condition(s, flagsv1alpha1.ConditionReady)).NotTo(BeNil())
			g.Expect(condition(s, flagsv1alpha1.ConditionReady).Status).To(Equal(metav1.ConditionFalse))
			g.Expect(condition(s, flagsv1alpha1.ConditionReady).Reason).To(Equal(flagsv1alpha1.ReasonUpstreamUnavailable))
		}, 10*time.Second, 50*time.Millisecond).Should(Succeed())
		reqs := srv.RequestsTo(standin.RouteDCSV1)
		Expect(reqs).To(HaveLen(1), "no retries on the first sync")
		Expect(time.Since(reqs[0].Time)).To(BeNumerically("<", 1500*time.Millisecond),
			"the 300 ms init timeout applies, not the 2 s poll timeout")

		By("the next poll (background rules) succeeds")
		Eventually(func(g Gomega) {
			g.Expect(condition(getSpec(g, "init"), flagsv1alpha1.ConditionReady).Status).To(Equal(metav1.ConditionTrue))
		}, 15*time.Second, 100*time.Millisecond).Should(Succeed())
	})
})
