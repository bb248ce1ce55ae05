package controllers

import (
	"runtime"
	"time"
	"weak"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

var _ = Describe("Replacing a revision", func() {
	It("leaves nothing holding the previous one once the new one is served", func() {
		const name = "collect-previous"
		keySecret(name+"-key", "secret-"+name)
		dcs := string(readFixture(fixtureDCS))
		cm := &corev1.ConfigMap{
			ObjectMeta: metav1.ObjectMeta{Namespace: testNS, Name: name + "-dcs"},
			Data:       map[string]string{"dcs.json": dcs},
		}
		Expect(k8sClient.Create(ctx, cm)).To(Succeed())
		Expect(k8sClient.Create(ctx, configMapSpec(name, name+"-key", name+"-dcs"))).To(Succeed())
		Eventually(func() string { return servedRevision(name) }, 20*time.Second).ShouldNot(BeEmpty())

		// Weak pointers to what the first revision is served with: the project, its evaluator
		// and snapshot, its stored payload.
		first := op.registry.Get(name)
		rev := first.Revision
		wProject, wEvaluator := weak.Make(first), weak.Make(first.Evaluator)
		wSpecs, wPayload := weak.Make(first.Evaluator.Specs()), weak.Make(first.Payload)
		first = nil //nolint:ineffassign,wastedassign // drop the test's own reference

		By("a new revision (the same payload, another byte)")
		Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(cm), cm)).To(Succeed())
		cm.Data["dcs.json"] = dcs + "\n"
		Expect(k8sClient.Update(ctx, cm)).To(Succeed())
		Eventually(func() string { return servedRevision(name) }, 20*time.Second).ShouldNot(Equal(rev))

		Eventually(func() []string {
			runtime.GC()
			var held []string
			if wProject.Value() != nil {
				held = append(held, "project")
			}
			if wEvaluator.Value() != nil {
				held = append(held, "evaluator")
			}
			if wSpecs.Value() != nil {
				held = append(held, "snapshot")
			}
			if wPayload.Value() != nil {
				held = append(held, "payload")
			}
			return held
		}, 10*time.Second, 100*time.Millisecond).Should(BeEmpty(), "still reachable after the swap")
	})
})
