package controllers

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/prometheus/client_golang/prometheus/testutil"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	flagsv1alpha1 "github.com/statsig-operator/statsig-operator/api/v1alpha1"
	"github.com/statsig-operator/statsig-operator/test/standin"
)

// A payload that loads but is worse than the served one never becomes the served revision.
var _ = Describe("Payload guards", Ordered, func() {
	const name = "guarded"
	var (
		srv *standin.Server
		rev string
	)
	syncedReason := func(g Gomega) string {
		c := condition(getSpec(g, name), flagsv1alpha1.ConditionSynced)
		g.Expect(c).NotTo(BeNil())
		return c.Reason
	}
	BeforeAll(func() {
		srv = startStandin(standin.Options{Keys: []string{"secret-guarded"}})
		Expect(srv.SetPayload(standin.V2, []byte(v2Payload(1000, 19, 1)))).To(Succeed())
		keySecret("guarded-key", "secret-guarded")
		Expect(k8sClient.Create(ctx, statsigSpec(name, "guarded-key", srv, standin.V2))).To(Succeed())
	})

	It("serves a revision with a few undecodable specs and reports them", func() {
		Eventually(func(g Gomega) {
			s := getSpec(g, name)
			g.Expect(s.Status.Revision).NotTo(BeEmpty())
			c := condition(s, flagsv1alpha1.ConditionSpecsSkipped)
			g.Expect(c).NotTo(BeNil())
			g.Expect(c.Status).To(Equal(metav1.ConditionTrue))
			g.Expect(c.Reason).To(Equal(flagsv1alpha1.ReasonDecodeErrors))
			g.Expect(c.Message).To(ContainSubstring("1 specs"))
			g.Expect(c.Message).To(ContainSubstring("b0"))
			rev = s.Status.Revision
		}, 20*time.Second, 100*time.Millisecond).Should(Succeed())
		expectServing(name, rev)
		Expect(testutil.ToFloat64(specsSkipped.WithLabelValues(name))).To(Equal(1.0))
		Eventually(func() int { return len(eventsFor(name, flagsv1alpha1.ConditionSpecsSkipped)) }, 10*time.Second).
			Should(Equal(1))
	})

	It("refuses a payload that loses too many specs to decode errors", func() {
		Expect(srv.SetPayload(standin.V2, []byte(v2Payload(2000, 10, 10)))).To(Succeed())
		Eventually(syncedReason, 20*time.Second, 100*time.Millisecond).
			Should(Equal(flagsv1alpha1.ReasonTooManySkippedSpecs))
		s := getSpec(Default, name)
		Expect(s.Status.Revision).To(Equal(rev))
		Expect(condition(s, flagsv1alpha1.ConditionDegraded).Reason).To(Equal(flagsv1alpha1.ReasonServingLastKnownGood))
		Consistently(func() string { return servedRevision(name) }, 2*time.Second).Should(Equal(rev))
	})

	It("refuses a payload with a section of the wrong type", func() {
		Expect(srv.SetPayload(standin.V2, []byte(`{"has_updates":true,"time":3000,"feature_gates":[1,2],`+
			`"dynamic_configs":{},"layer_configs":{},"condition_map":{}}`))).To(Succeed())
		Eventually(func(g Gomega) string {
			c := condition(getSpec(g, name), flagsv1alpha1.ConditionSynced)
			g.Expect(c.Reason).To(Equal(flagsv1alpha1.ReasonInvalidPayload))
			return c.Message
		}, 20*time.Second, 100*time.Millisecond).Should(ContainSubstring("feature_gates[0] must be a spec object"))
		Expect(getSpec(Default, name).Status.Revision).To(Equal(rev))
	})

	It("serves the next good payload and clears the report", func() {
		Expect(srv.SetPayload(standin.V2, []byte(v2Payload(4000, 20, 0)))).To(Succeed())
		Eventually(func(g Gomega) {
			s := getSpec(g, name)
			g.Expect(s.Status.Revision).NotTo(Equal(rev))
			g.Expect(condition(s, flagsv1alpha1.ConditionSpecsSkipped).Status).To(Equal(metav1.ConditionFalse))
			g.Expect(condition(s, flagsv1alpha1.ConditionSynced).Status).To(Equal(metav1.ConditionTrue))
		}, 20*time.Second, 100*time.Millisecond).Should(Succeed())
		Expect(testutil.ToFloat64(specsSkipped.WithLabelValues(name))).To(Equal(0.0))
	})
})
