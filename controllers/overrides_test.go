package controllers

import (
	"encoding/json"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	flagsv1alpha1 "github.com/statsig-operator/statsig-operator/api/v1alpha1"
	"github.com/statsig-operator/statsig-operator/evaluator"
	"github.com/statsig-operator/statsig-operator/serving"
	"github.com/statsig-operator/statsig-operator/test/standin"
)

// The override tests' StatsigSpec and team namespace.
const ovSpec, ovTeam = "ov-project", "team-ov"

func gateOverride(name, gate string, value bool, ids ...string) *flagsv1alpha1.StatsigOverride {
	return &flagsv1alpha1.StatsigOverride{
		ObjectMeta: metav1.ObjectMeta{Namespace: ovTeam, Name: name},
		Spec: flagsv1alpha1.StatsigOverrideSpec{
			StatsigSpecName: ovSpec, Gate: &flagsv1alpha1.GateOverride{Name: gate, Value: value}, IDs: ids,
		},
	}
}

func overrideCondition(g Gomega, name, typ string) metav1.ConditionStatus {
	var ov flagsv1alpha1.StatsigOverride
	g.Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: ovTeam, Name: name}, &ov)).To(Succeed())
	c := meta.FindStatusCondition(ov.Status.Conditions, typ)
	if c == nil {
		return ""
	}
	return c.Status
}

// gateIn evaluates a gate for a userID in the override tests' project a registry serves.
func gateIn(reg *serving.Registry, gate, userID string) evaluator.GateResult {
	p := reg.Get(ovSpec)
	if p == nil {
		return evaluator.GateResult{}
	}
	return p.Evaluator.CheckGate(&evaluator.User{UserID: evaluator.StringValue(userID)}, gate)
}

var _ = Describe("StatsigOverrides", Ordered, func() {
	const spec, gate, team = ovSpec, "always_on_gate", ovTeam

	BeforeAll(func() {
		keySecret("ov-project-key", "secret-ov-project")
		Expect(k8sClient.Create(ctx, &corev1.ConfigMap{
			ObjectMeta: metav1.ObjectMeta{Namespace: testNS, Name: "ov-project-dcs"},
			Data:       map[string]string{"dcs.json": string(readFixture(fixtureDCS))},
		})).To(Succeed())
		Expect(k8sClient.Create(ctx, configMapSpec(spec, "ov-project-key", "ov-project-dcs"))).To(Succeed())
		Expect(k8sClient.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: team}})).To(Succeed())
		Eventually(func() bool { return gateIn(op.registry, gate, "u1").Value }, 20*time.Second).Should(BeTrue())
	})

	It("rejects every shape CEL can check without the payload", func() {
		value := runtime.RawExtension{Raw: []byte(`{"a":1}`)}
		cases := map[string]flagsv1alpha1.StatsigOverrideSpec{
			"no entity": {StatsigSpecName: spec},
			"two entities": {StatsigSpecName: spec, Gate: &flagsv1alpha1.GateOverride{Name: "g"},
				Layer: &flagsv1alpha1.ValueOverride{Name: "l", Value: value}},
			"experiment value and group": {StatsigSpecName: spec,
				Experiment: &flagsv1alpha1.ExperimentOverride{Name: "e", Value: &value, GroupName: "Control"}},
			"experiment neither": {StatsigSpecName: spec, Experiment: &flagsv1alpha1.ExperimentOverride{Name: "e"}},
			"empty entity name":  {StatsigSpecName: spec, Gate: &flagsv1alpha1.GateOverride{Name: ""}},
			"empty ID":           {StatsigSpecName: spec, Gate: &flagsv1alpha1.GateOverride{Name: "g"}, IDs: []string{""}},
			"no StatsigSpec":     {Gate: &flagsv1alpha1.GateOverride{Name: "g"}},
			"value not an object": {StatsigSpecName: spec,
				DynamicConfig: &flagsv1alpha1.ValueOverride{Name: "c", Value: runtime.RawExtension{Raw: []byte(`[1]`)}}},
		}
		for name, s := range cases {
			ov := &flagsv1alpha1.StatsigOverride{ObjectMeta: metav1.ObjectMeta{Namespace: team, GenerateName: "bad-"}, Spec: s}
			Expect(k8sClient.Create(ctx, ov)).NotTo(Succeed(), name)
		}
	})

	It("applies an override on every replica, reports it, and expires an ID override on time", func() {
		Expect(k8sClient.Create(ctx, gateOverride("kill-switch", gate, false))).To(Succeed())
		Eventually(func(g Gomega) {
			r := gateIn(op.registry, gate, "u1")
			g.Expect(r.Value).To(BeFalse())
			g.Expect(r.RuleID).To(Equal("override"))
			g.Expect(r.Details.Reason).To(Equal("LocalOverride:Recognized"))
		}, 10*time.Second, 50*time.Millisecond).Should(Succeed())

		By("a replica that is not the leader applies it too")
		reg, stop := startConsumerOnly()
		Eventually(func() bool { return gateIn(reg, gate, "u1").RuleID == "override" }, 20*time.Second).Should(BeTrue())
		stop()

		By("status: accepted, entity found, not expired; the StatsigSpec counts it and records an Event")
		Eventually(func(g Gomega) {
			g.Expect(overrideCondition(g, "kill-switch", flagsv1alpha1.OverrideAccepted)).To(Equal(metav1.ConditionTrue))
			g.Expect(overrideCondition(g, "kill-switch", flagsv1alpha1.OverrideEntityFound)).To(Equal(metav1.ConditionTrue))
			g.Expect(overrideCondition(g, "kill-switch", flagsv1alpha1.OverrideExpired)).To(Equal(metav1.ConditionFalse))
			g.Expect(getSpec(g, spec).Status.ActiveOverrides).To(Equal(int32(1)))
		}, 10*time.Second, 100*time.Millisecond).Should(Succeed())
		Eventually(func() int { return len(eventsFor(spec, reasonOverridesChanged)) }, 10*time.Second).
			Should(BeNumerically(">", 0))

		By("a newer override for one user's ID wins for that user, until it expires")
		vip := gateOverride("vip", gate, true, "vip-user")
		expires := metav1.NewTime(time.Now().Add(4 * time.Second).Truncate(time.Second))
		vip.Spec.ExpiresAt = &expires
		Expect(k8sClient.Create(ctx, vip)).To(Succeed())
		Eventually(func() bool { return gateIn(op.registry, gate, "vip-user").Value }, 10*time.Second, 50*time.Millisecond).
			Should(BeTrue())
		Expect(gateIn(op.registry, gate, "u1").Value).To(BeFalse())
		time.Sleep(time.Until(expires.Time))
		// The evaluator checks expiresAt itself: no resync needed, within the second.
		Eventually(func() bool { return gateIn(op.registry, gate, "vip-user").Value }, time.Second, 20*time.Millisecond).
			Should(BeFalse())
		Eventually(func(g Gomega) {
			g.Expect(overrideCondition(g, "vip", flagsv1alpha1.OverrideExpired)).To(Equal(metav1.ConditionTrue))
			g.Expect(getSpec(g, spec).Status.ActiveOverrides).To(Equal(int32(1)))
		}, 10*time.Second, 100*time.Millisecond).Should(Succeed())
	})

	It("reports an override of an entity the revision does not have, and still applies it", func() {
		Expect(k8sClient.Create(ctx, gateOverride("unknown", "no_such_gate", true))).To(Succeed())
		Eventually(func(g Gomega) {
			g.Expect(overrideCondition(g, "unknown", flagsv1alpha1.OverrideEntityFound)).To(Equal(metav1.ConditionFalse))
			g.Expect(gateIn(op.registry, "no_such_gate", "u1").Value).To(BeTrue())
		}, 10*time.Second, 100*time.Millisecond).Should(Succeed())
	})

	It("applies overrides only from namespaces the StatsigSpec's namespaceSelector selects", func() {
		s := getSpec(Default, spec)
		orig := s.DeepCopy()
		s.Spec.NamespaceSelector = &metav1.LabelSelector{MatchLabels: map[string]string{"statsig-overrides": "allowed"}}
		Expect(k8sClient.Patch(ctx, s, client.MergeFrom(orig))).To(Succeed()) // the status is written concurrently
		Eventually(func(g Gomega) {
			g.Expect(gateIn(op.registry, gate, "u1").Value).To(BeTrue())
			g.Expect(overrideCondition(g, "kill-switch", flagsv1alpha1.OverrideAccepted)).To(Equal(metav1.ConditionFalse))
			g.Expect(getSpec(g, spec).Status.ActiveOverrides).To(Equal(int32(0)))
		}, 10*time.Second, 100*time.Millisecond).Should(Succeed())

		var ns corev1.Namespace
		Expect(k8sClient.Get(ctx, client.ObjectKey{Name: team}, &ns)).To(Succeed())
		nsOrig := ns.DeepCopy()
		ns.Labels = map[string]string{"statsig-overrides": "allowed"}
		Expect(k8sClient.Patch(ctx, &ns, client.MergeFrom(nsOrig))).To(Succeed())
		Eventually(func(g Gomega) {
			g.Expect(gateIn(op.registry, gate, "u1").Value).To(BeFalse())
			g.Expect(overrideCondition(g, "kill-switch", flagsv1alpha1.OverrideAccepted)).To(Equal(metav1.ConditionTrue))
		}, 10*time.Second, 100*time.Millisecond).Should(Succeed())
	})

	It("stops applying a deleted override", func() {
		Expect(k8sClient.Delete(ctx, gateOverride("kill-switch", gate, false))).To(Succeed())
		Expect(k8sClient.Delete(ctx, gateOverride("unknown", "no_such_gate", true))).To(Succeed())
		Eventually(func(g Gomega) {
			r := gateIn(op.registry, gate, "u1")
			g.Expect(r.Value).To(BeTrue())
			g.Expect(r.RuleID).NotTo(Equal("override"))
			g.Expect(getSpec(g, spec).Status.ActiveOverrides).To(Equal(int32(0)))
		}, 10*time.Second, 100*time.Millisecond).Should(Succeed())
	})

	It("applies an override created while Statsig is unreachable", func() {
		srv := startStandin(standin.Options{Keys: []string{"secret-ov-outage"}})
		Expect(srv.SetPayloadFile(standin.V1, fixtureDCS)).To(Succeed())
		keySecret("ov-outage-key", "secret-ov-outage")
		Expect(k8sClient.Create(ctx, statsigSpec("ov-outage", "ov-outage-key", srv, standin.V1))).To(Succeed())
		Eventually(func() string { return servedRevision("ov-outage") }, 20*time.Second).ShouldNot(BeEmpty())
		Expect(srv.InjectFault(standin.RouteDCSV1, standin.Fault{Kind: standin.Status500})).To(Succeed())
		DeferCleanup(srv.ClearFaults)
		Eventually(func(g Gomega) {
			g.Expect(condition(getSpec(g, "ov-outage"), flagsv1alpha1.ConditionDegraded).Status).To(Equal(metav1.ConditionTrue))
		}, 30*time.Second, 100*time.Millisecond).Should(Succeed())

		ov := gateOverride("outage-switch", gate, false)
		ov.Spec.StatsigSpecName = "ov-outage"
		Expect(k8sClient.Create(ctx, ov)).To(Succeed())
		Eventually(func(g Gomega) {
			p := op.registry.Get("ov-outage")
			g.Expect(p).NotTo(BeNil())
			r := p.Evaluator.CheckGate(&evaluator.User{UserID: evaluator.StringValue("u1")}, gate)
			g.Expect(r.Value).To(BeFalse())
			g.Expect(r.RuleID).To(Equal("override"))
		}, 10*time.Second, 100*time.Millisecond).Should(Succeed())
	})

	It("keeps an experiment override's value as written", func() {
		v := runtime.RawExtension{Raw: []byte(`{"pinned":true}`)}
		ov := &flagsv1alpha1.StatsigOverride{
			ObjectMeta: metav1.ObjectMeta{Namespace: team, Name: "config-pin"},
			Spec: flagsv1alpha1.StatsigOverrideSpec{StatsigSpecName: spec,
				DynamicConfig: &flagsv1alpha1.ValueOverride{Name: "test_config", Value: v}},
		}
		Expect(k8sClient.Create(ctx, ov)).To(Succeed())
		Eventually(func(g Gomega) {
			p := op.registry.Get(spec)
			g.Expect(p).NotTo(BeNil())
			c := p.Evaluator.GetConfig(&evaluator.User{UserID: evaluator.StringValue("u1")}, "test_config")
			var got map[string]any
			g.Expect(json.Unmarshal(c.Value, &got)).To(Succeed())
			g.Expect(got).To(Equal(map[string]any{"pinned": true}))
		}, 10*time.Second, 100*time.Millisecond).Should(Succeed())
	})
})
