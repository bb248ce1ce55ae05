package controllers

import (
	"net/http/httptest"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	flagsv1alpha1 "github.com/statsig-operator/statsig-operator/api/v1alpha1"
	"github.com/statsig-operator/statsig-operator/evaluator"
	"github.com/statsig-operator/statsig-operator/serving"
	"github.com/statsig-operator/statsig-operator/snapshot"
)

var _ = Describe("A StatsigSpec with a ConfigMap source", Ordered, func() {
	const name = "cm-project"
	var firstRev string

	It("stores the payload, flips the status and is served by the consumer", func() {
		keySecret("cm-project-key", "secret-cm-project")
		cm := &corev1.ConfigMap{
			ObjectMeta: metav1.ObjectMeta{Namespace: testNS, Name: "cm-project-dcs"},
			Data:       map[string]string{"dcs.json": string(readFixture(fixtureDCS))},
		}
		Expect(k8sClient.Create(ctx, cm)).To(Succeed())
		spec := configMapSpec(name, "cm-project-key", "cm-project-dcs")
		spec.Annotations = map[string]string{flagsv1alpha1.AnnotationClientKeysSecret: "cm-project-client-keys"}
		Expect(k8sClient.Create(ctx, spec)).To(Succeed())
		Expect(k8sClient.Create(ctx, &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Namespace: testNS, Name: "cm-project-client-keys"},
			Data:       map[string][]byte{"web": []byte("client-web-key")},
		})).To(Succeed())

		Eventually(func(g Gomega) {
			s := getSpec(g, name)
			g.Expect(s.Status.Revision).NotTo(BeEmpty())
			g.Expect(condition(s, flagsv1alpha1.ConditionReady)).NotTo(BeNil())
			g.Expect(condition(s, flagsv1alpha1.ConditionReady).Status).To(Equal(metav1.ConditionTrue))
			g.Expect(condition(s, flagsv1alpha1.ConditionSynced).Status).To(Equal(metav1.ConditionTrue))
			g.Expect(s.Status.Source).To(Equal(flagsv1alpha1.SyncSourceConfigMap))
			g.Expect(s.Status.Payload.SHA256).To(HavePrefix(s.Status.Revision))
			g.Expect(s.Status.Counts.FeatureGates).To(BeNumerically(">", 0))
			g.Expect(s.Status.ObservedGeneration).To(Equal(s.Generation))
			firstRev = s.Status.Revision
		}, 20*time.Second, 200*time.Millisecond).Should(Succeed())

		By("every chunk is owned by the StatsigSpec (deletion cleans up through the garbage collector)")
		spec = getSpec(Default, name)
		var list corev1.SecretList
		Expect(k8sClient.List(ctx, &list, client.InNamespace(testNS), client.MatchingLabels{snapshot.LabelSpec: name})).
			To(Succeed())
		Expect(list.Items).NotTo(BeEmpty())
		for _, s := range list.Items {
			Expect(s.OwnerReferences).To(ContainElement(HaveField("UID", spec.UID)))
		}

		By("the consumer serves the revision and evaluates a gate")
		Eventually(func() string { return servedRevision(name) }, 10*time.Second).Should(Equal(firstRev))
		p := op.registry.Get(name)
		Expect(p.Evaluator.CheckGate(&evaluator.User{UserID: evaluator.StringValue("u1")}, "always_on_gate").Value).
			To(BeTrue())
		// The server secret key has every scope; the annotation's client keys may evaluate only.
		sp, scope := op.registry.Authorize("secret-cm-project")
		Expect(sp).To(BeIdenticalTo(p))
		Expect(scope).To(Equal(serving.ScopeServer))
		cp, scope := op.registry.Authorize("client-web-key")
		Expect(cp).To(BeIdenticalTo(p))
		Expect(scope).To(Equal(serving.ScopeClient))
		Expect(op.consumer.ReadyzCheck()(httptest.NewRequest("GET", "/readyz", nil))).To(Succeed())
	})

	It("writes nothing to the apiserver on unchanged polls", func() {
		before := getSpec(Default, name).ResourceVersion
		chunks := chunkVersions(Default, name)
		written := specsAndStatusWrites(name)
		polled := lastPolled(name)
		// Three poll intervals of 1 s.
		Eventually(func() float64 { return lastPolled(name) }, 10*time.Second).Should(BeNumerically(">=", polled+2))
		Expect(getSpec(Default, name).ResourceVersion).To(Equal(before))
		Expect(chunkVersions(Default, name)).To(Equal(chunks))
		Expect(specsAndStatusWrites(name)).To(Equal(written))
	})

	It("keeps serving the last good revision when the payload becomes invalid", func() {
		var cm corev1.ConfigMap
		Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: testNS, Name: "cm-project-dcs"}, &cm)).To(Succeed())
		cm.Data["dcs.json"] = `{"feature_gates": [ {"name": "trunc`
		Expect(k8sClient.Update(ctx, &cm)).To(Succeed())
		Eventually(func(g Gomega) {
			s := getSpec(g, name)
			g.Expect(condition(s, flagsv1alpha1.ConditionSynced).Reason).To(Equal(flagsv1alpha1.ReasonInvalidPayload))
			g.Expect(condition(s, flagsv1alpha1.ConditionDegraded).Reason).To(Equal(flagsv1alpha1.ReasonServingLastKnownGood))
			g.Expect(condition(s, flagsv1alpha1.ConditionReady).Status).To(Equal(metav1.ConditionTrue))
			g.Expect(s.Status.Revision).To(Equal(firstRev))
			g.Expect(s.Status.Source).To(Equal(flagsv1alpha1.SyncSourceLastKnownGood))
		}, 10*time.Second, 200*time.Millisecond).Should(Succeed())
		Consistently(func() string { return servedRevision(name) }, 2*time.Second).Should(Equal(firstRev))

		By("a fixed payload is accepted again")
		Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: testNS, Name: "cm-project-dcs"}, &cm)).To(Succeed())
		cm.Data["dcs.json"] = string(readFixture(fixtureDCS))
		Expect(k8sClient.Update(ctx, &cm)).To(Succeed())
		Eventually(func(g Gomega) {
			s := getSpec(g, name)
			g.Expect(condition(s, flagsv1alpha1.ConditionSynced).Status).To(Equal(metav1.ConditionTrue))
			g.Expect(condition(s, flagsv1alpha1.ConditionDegraded).Status).To(Equal(metav1.ConditionFalse))
			g.Expect(s.Status.Revision).To(Equal(firstRev), "same content, same revision")
		}, 10*time.Second, 200*time.Millisecond).Should(Succeed())
	})

	It("leaves readers on the old revision when a write is interrupted before the flip, then cleans up", func() {
		spec := getSpec(Default, name)
		orphan, err := snapshot.Compress(bytesReader(`{"has_updates":true,"orphan":true}`), 1<<20)
		Expect(err).NotTo(HaveOccurred())
		_, err = op.rec.Store.Write(ctx, spec, snapshot.KindSpecs, orphan, snapshot.Manifest{Format: "v2"})
		Expect(err).NotTo(HaveOccurred())

		By("restarting the manager (a new leader with no memory)")
		op.shutdown()
		op = startOperator(testOptions())
		Eventually(func() string { return servedRevision(name) }, 20*time.Second).Should(Equal(firstRev))
		Expect(getSpec(Default, name).Status.Revision).To(Equal(firstRev))
		Eventually(func(g Gomega) {
			revs, err := op.rec.Store.Revisions(ctx, name, snapshot.KindSpecs)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(revs).NotTo(HaveKey(orphan.Revision()))
		}, 20*time.Second, 200*time.Millisecond).Should(Succeed())
	})
})

var _ = Describe("Two StatsigSpecs", func() {
	It("stay isolated: separate chunks, revisions and keys", func() {
		keySecret("iso-a-key", "secret-iso-a")
		keySecret("iso-b-key", "secret-iso-b")
		dcs := string(readFixture(fixtureDCS))
		for _, n := range []string{"iso-a", "iso-b"} {
			Expect(k8sClient.Create(ctx, &corev1.ConfigMap{
				ObjectMeta: metav1.ObjectMeta{Namespace: testNS, Name: n + "-dcs"},
				Data:       map[string]string{"dcs.json": dcs},
			})).To(Succeed())
			Expect(k8sClient.Create(ctx, configMapSpec(n, n+"-key", n+"-dcs"))).To(Succeed())
		}
		Eventually(func() bool { return servedRevision("iso-a") != "" && servedRevision("iso-b") != "" },
			20*time.Second).Should(BeTrue())
		Expect(op.registry.ByKey("secret-iso-a").Name).To(Equal("iso-a"))
		Expect(op.registry.ByKey("secret-iso-b").Name).To(Equal("iso-b"))

		By("breaking one leaves the other synced")
		var cm corev1.ConfigMap
		Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: testNS, Name: "iso-a-dcs"}, &cm)).To(Succeed())
		cm.Data["dcs.json"] = "not json"
		Expect(k8sClient.Update(ctx, &cm)).To(Succeed())
		Eventually(func(g Gomega) {
			g.Expect(condition(getSpec(g, "iso-a"), flagsv1alpha1.ConditionSynced).Status).To(Equal(metav1.ConditionFalse))
		}, 10*time.Second).Should(Succeed())
		Expect(condition(getSpec(Default, "iso-b"), flagsv1alpha1.ConditionSynced).Status).To(Equal(metav1.ConditionTrue))
		Expect(chunkVersions(Default, "iso-a")).NotTo(HaveKey(ContainSubstring("iso-b")))

		By("deleting one stops serving it and leaves the other")
		Expect(k8sClient.Delete(ctx, getSpec(Default, "iso-b"))).To(Succeed())
		Eventually(func() bool { return op.registry.Get("iso-b") == nil }, 10*time.Second).Should(BeTrue())
		Expect(op.registry.Get("iso-a")).NotTo(BeNil())
	})
})
