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
	"k8s.io/utils/ptr"
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
			Replicas: ptr.To(replicas),
			// No kubelet runs, so pods never become ready: Recreate lets rollouts finish.
			Strategy: appsv1.DeploymentStrategy{Type: appsv1.RecreateDeploymentStrategyType},
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

func envValue(c corev1.Container, name string) (string, bool) {
	for _, e := range c.Env {
		if e.Name == name {
			return e.Value, true
		}
	}
	return "", false
}

var _ = Describe("Deployments", Ordered, func() {
	It("gets results injected into the pods its ReplicaSet creates", func() {
		d := deployment("web", 3, nil, map[string]string{inject.AnnGates: "new_checkout", inject.AnnConfigs: "limits"})
		Expect(k8sClient.Create(ctx, d)).To(Succeed())
		Eventually(func(g Gomega) {
			pods := podsOf("web")
			g.Expect(pods).To(HaveLen(3))
			for _, p := range pods {
				v, _ := envValue(p.Spec.Containers[0], "STATSIG_GATE_NEW_CHECKOUT")
				g.Expect(v).To(Equal("true"))
				var res inject.Results
				g.Expect(json.Unmarshal([]byte(p.Annotations[inject.AnnResults]), &res)).To(Succeed())
				// The unit is the Deployment, resolved from the ReplicaSet owner and pod-template-hash.
				g.Expect(res.Unit.ID).To(Equal("web"))
			}
		}, 60*time.Second, 250*time.Millisecond).Should(Succeed())
	})

	It("is rolled by the workload controller when a new revision flips its gate", func() {
		d := deployment("checkout", 2, map[string]string{inject.AnnGates: "new_checkout"}, nil)
		Expect(k8sClient.Create(ctx, d)).To(Succeed())
		var firstRS string
		Eventually(func(g Gomega) {
			var got appsv1.Deployment
			g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(d), &got)).To(Succeed())
			g.Expect(got.Spec.Template.Annotations).To(HaveKey(inject.AnnResultsHash))
			pods := podsOf("checkout")
			g.Expect(pods).To(HaveLen(2))
			for _, p := range pods {
				v, _ := envValue(p.Spec.Containers[0], "STATSIG_GATE_NEW_CHECKOUT")
				g.Expect(v).To(Equal("true"))
				firstRS = p.OwnerReferences[0].Name
			}
		}, 60*time.Second, 250*time.Millisecond).Should(Succeed())

		publish("rev2", gatesOn(false))
		DeferCleanup(publish, "rev1", gatesOn(true))
		Eventually(func(g Gomega) {
			var rss appsv1.ReplicaSetList
			g.Expect(k8sClient.List(ctx, &rss, client.InNamespace("shop"), client.MatchingLabels{"app": "checkout"})).To(Succeed())
			g.Expect(len(rss.Items)).To(BeNumerically(">=", 2), "a new ReplicaSet appears")
			var fresh []corev1.Pod
			for _, p := range podsOf("checkout") {
				if p.OwnerReferences[0].Name != firstRS {
					fresh = append(fresh, p)
				}
			}
			g.Expect(fresh).NotTo(BeEmpty())
			for _, p := range fresh {
				v, _ := envValue(p.Spec.Containers[0], "STATSIG_GATE_NEW_CHECKOUT")
				g.Expect(v).To(Equal("false"))
				g.Expect(p.Annotations[inject.AnnResults]).To(ContainSubstring(`"revision":"rev2"`))
			}
		}, 60*time.Second, 250*time.Millisecond).Should(Succeed())
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
