package e2e_test

import (
	"encoding/json"
	"math"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/statsig-operator/statsig-operator/inject"
)

func deployment(name string, replicas int32, ann, podAnn map[string]string) *appsv1.Deployment {
	labels := map[string]string{"app": name}
	podLabels := map[string]string{"app": name}
	if podAnn != nil {
		podLabels[inject.LabelInject] = inject.LabelInjectValue
	}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "shop", Annotations: ann},
		Spec: appsv1.DeploymentSpec{
			Replicas: new(replicas),
			// The default RollingUpdate strategy: kwok makes pods Ready, so rollouts finish.
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: podLabels, Annotations: podAnn},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "app:1"}}},
			},
		},
	}
}

func podsOf(name string) []corev1.Pod {
	var pods corev1.PodList
	Expect(k8sClient.List(ctx, &pods, client.InNamespace("shop"), client.MatchingLabels{"app": name})).To(Succeed())
	return pods.Items
}

// rolledOut is what `kubectl rollout status` waits for: the latest spec observed, every
// replica updated and available, and no pod of an older ReplicaSet left.
func rolledOut(g Gomega, d *appsv1.Deployment) {
	var got appsv1.Deployment
	g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(d), &got)).To(Succeed())
	st := got.Status
	g.Expect(st.ObservedGeneration).To(BeNumerically(">=", got.Generation))
	g.Expect(st.UpdatedReplicas).To(Equal(*got.Spec.Replicas), "updated replicas")
	g.Expect(st.Replicas).To(Equal(st.UpdatedReplicas), "no old replicas")
	g.Expect(st.AvailableReplicas).To(Equal(st.UpdatedReplicas), "available replicas")
}

// runningAndReady checks a pod was scheduled onto a kwok node and reported Ready.
func runningAndReady(g Gomega, p corev1.Pod) {
	g.Expect(p.Spec.NodeName).To(HavePrefix("kwok-node-"), "pod %s scheduled", p.Name)
	g.Expect(p.Status.Phase).To(Equal(corev1.PodRunning), "pod %s phase", p.Name)
	g.Expect(p.Status.Conditions).To(ContainElement(And(
		HaveField("Type", corev1.PodReady), HaveField("Status", corev1.ConditionTrue))), "pod %s Ready", p.Name)
}

// envValue is the value of the container's env var name ("" when it has none).
func envValue(c corev1.Container, name string) string {
	for _, e := range c.Env {
		if e.Name == name {
			return e.Value
		}
	}
	return ""
}

var _ = Describe("Deployments", Ordered, func() {
	It("gets results injected into the pods its ReplicaSet creates", func() {
		d := deployment("web", 3, nil, map[string]string{inject.AnnGates: "new_checkout", inject.AnnConfigs: "limits"})
		Expect(k8sClient.Create(ctx, d)).To(Succeed())
		Eventually(func(g Gomega) {
			pods := podsOf("web")
			g.Expect(pods).To(HaveLen(3))
			for _, p := range pods {
				runningAndReady(g, p)
				v := envValue(p.Spec.Containers[0], "STATSIG_GATE_NEW_CHECKOUT")
				g.Expect(v).To(Equal("true"))
				var res inject.Results
				g.Expect(json.Unmarshal([]byte(p.Annotations[inject.AnnResults]), &res)).To(Succeed())
				// The unit is the Deployment, resolved from the ReplicaSet owner and pod-template-hash.
				g.Expect(res.Unit.ID).To(Equal("web"))
			}
		}, 60*time.Second, 250*time.Millisecond).Should(Succeed())
	})

	It("is rolled by the workload controller to completion when a new revision flips its gate", func() {
		d := deployment("checkout", 2, map[string]string{inject.AnnGates: "new_checkout"}, nil)
		Expect(k8sClient.Create(ctx, d)).To(Succeed())
		var firstRS string
		Eventually(func(g Gomega) {
			var got appsv1.Deployment
			g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(d), &got)).To(Succeed())
			g.Expect(got.Spec.Template.Annotations).To(HaveKey(inject.AnnResultsHash))
			rolledOut(g, d)
			pods := podsOf("checkout")
			g.Expect(pods).To(HaveLen(2))
			for _, p := range pods {
				runningAndReady(g, p)
				v := envValue(p.Spec.Containers[0], "STATSIG_GATE_NEW_CHECKOUT")
				g.Expect(v).To(Equal("true"))
				firstRS = p.OwnerReferences[0].Name
			}
		}, 60*time.Second, 250*time.Millisecond).Should(Succeed())

		publish("rev2", gatesOn(false))
		DeferCleanup(publish, "rev1", gatesOn(true))
		// A finished rolling update: only the new ReplicaSet's pods are left, all Running and
		// Ready with the flipped result, and the old ReplicaSet is scaled to zero.
		Eventually(func(g Gomega) {
			rolledOut(g, d)
			pods := podsOf("checkout")
			g.Expect(pods).To(HaveLen(2), "old pods are gone")
			for _, p := range pods {
				g.Expect(p.OwnerReferences[0].Name).NotTo(Equal(firstRS), "pod %s is from the new ReplicaSet", p.Name)
				runningAndReady(g, p)
				v := envValue(p.Spec.Containers[0], "STATSIG_GATE_NEW_CHECKOUT")
				g.Expect(v).To(Equal("false"))
				g.Expect(p.Annotations[inject.AnnResults]).To(ContainSubstring(`"revision":"rev2"`))
			}
			var old appsv1.ReplicaSet
			g.Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: "shop", Name: firstRS}, &old)).To(Succeed())
			g.Expect(old.Status.Replicas).To(BeZero(), "old ReplicaSet scaled down")
		}, 90*time.Second, 250*time.Millisecond).Should(Succeed())
	})

	// Per-pod units: each pod's admission request UID is hashed on its own, so the number
	// of pods on the variant is Binomial(200, 0.3): mean 60, sd = sqrt(200·0.3·0.7) ≈ 6.48.
	// Accepting 60 ± 4.5 sd (31..89) fails a correct implementation with probability < 1e-5,
	// while a unit shared by all pods would give 0 or 200 and a broken hash far off 30%.
	It("puts about 30% of 200 pods on the variant of a 30% per-pod rollout gate", func() {
		d := deployment("canary", 200, nil, map[string]string{
			inject.AnnRolloutGate: "canary30", inject.AnnRolloutImagePrefix + "app": "app:2",
		})
		Expect(k8sClient.Create(ctx, d)).To(Succeed())
		var pods []corev1.Pod
		Eventually(func(g Gomega) {
			pods = podsOf("canary")
			g.Expect(pods).To(HaveLen(200))
		}, 120*time.Second, time.Second).Should(Succeed())
		variant := 0
		for _, p := range pods {
			if p.Spec.Containers[0].Image == "app:2" {
				variant++
			}
		}
		mean, sd := 60.0, math.Sqrt(200*0.3*0.7)
		AddReportEntry("per-pod rollout", map[string]any{"pods": 200, "onVariant": variant, "mean": mean, "sd": sd})
		Expect(float64(variant)).To(BeNumerically("~", mean, 4.5*sd))
	})
})
