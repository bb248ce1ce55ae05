package workload_test

import (
	"fmt"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/statsig-operator/statsig-operator/evaluator"
	"github.com/statsig-operator/statsig-operator/inject"
)

func deployment(ns, name string, ann map[string]string, env ...corev1.EnvVar) *appsv1.Deployment {
	labels := map[string]string{"app": name}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Annotations: ann},
		Spec: appsv1.DeploymentSpec{
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "app:1", Env: env}}},
			},
		},
	}
}

func get(d *appsv1.Deployment) *appsv1.Deployment {
	var got appsv1.Deployment
	Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(d), &got)).To(Succeed())
	return &got
}

func env(d *appsv1.Deployment, name string) string {
	for _, e := range d.Spec.Template.Spec.Containers[0].Env {
		if e.Name == name {
			return e.Value
		}
	}
	return "<unset>"
}

func hasEvent(obj client.Object, reason string) func(Gomega) {
	return func(g Gomega) {
		var evs eventsv1.EventList
		g.Expect(k8sClient.List(ctx, &evs, client.InNamespace(obj.GetNamespace()))).To(Succeed())
		found := false
		for _, e := range evs.Items {
			found = found || (e.Regarding.Name == obj.GetName() && e.Reason == reason)
		}
		g.Expect(found).To(BeTrue(), reason)
	}
}

var _ = Describe("Workload controller", Ordered, func() {
	AfterAll(func() { publish("rev1", payload(true)) })

	It("applies results, keeps user-set env, honours pause and dry-run, and releases its fields", func() {
		live := deployment("apps", "live", map[string]string{inject.AnnGates: "new_checkout, stable"},
			corev1.EnvVar{Name: "STATSIG_GATE_STABLE", Value: "mine"})
		paused := deployment("apps", "paused", map[string]string{inject.AnnGates: "new_checkout", inject.AnnPaused: "true"})
		dry := deployment("apps", "dry", map[string]string{inject.AnnGates: "new_checkout", inject.AnnDryRun: "true"})
		bad := deployment("apps", "bad", map[string]string{inject.AnnGates: "no_such_gate"})
		for _, d := range []*appsv1.Deployment{live, paused, dry, bad} {
			Expect(k8sClient.Create(ctx, d)).To(Succeed())
		}
		Eventually(func(g Gomega) {
			got := get(live)
			g.Expect(env(got, "STATSIG_GATE_NEW_CHECKOUT")).To(Equal("true"))
			g.Expect(env(got, "STATSIG_GATE_STABLE")).To(Equal("mine"))
			g.Expect(got.Spec.Template.Annotations).To(HaveKey(inject.AnnResultsHash))
			g.Expect(get(dry).Annotations).To(HaveKey(inject.AnnDryRunResults))
		}).Should(Succeed())
		Eventually(hasEvent(live, "StatsigResultsChanged")).Should(Succeed())
		Eventually(hasEvent(dry, "StatsigDryRun")).Should(Succeed())
		Eventually(hasEvent(bad, "StatsigEvaluationFailed")).Should(Succeed())
		Expect(env(get(dry), "STATSIG_GATE_NEW_CHECKOUT")).To(Equal("<unset>"))
		Expect(get(paused).Spec.Template.Annotations).NotTo(HaveKey(inject.AnnResultsHash))
		Expect(get(dry).Annotations[inject.AnnDryRunResults]).To(ContainSubstring("STATSIG_GATE_NEW_CHECKOUT=true"))

		By("flipping the gate")
		hash := get(live).Spec.Template.Annotations[inject.AnnResultsHash]
		publish("rev2", payload(false))
		Eventually(func(g Gomega) {
			got := get(live)
			g.Expect(env(got, "STATSIG_GATE_NEW_CHECKOUT")).To(Equal("false"))
			g.Expect(got.Spec.Template.Annotations[inject.AnnResultsHash]).NotTo(Equal(hash))
			g.Expect(get(dry).Annotations[inject.AnnDryRunResults]).To(ContainSubstring("STATSIG_GATE_NEW_CHECKOUT=false"))
		}).Should(Succeed())

		By("a revision with the same values changes nothing")
		gen := get(live).Generation
		publish("rev3", payload(false))
		Consistently(func() int64 { return get(live).Generation }, 2*time.Second).Should(Equal(gen))

		By("removing the annotations releases the fields")
		got := get(live)
		delete(got.Annotations, inject.AnnGates)
		Expect(k8sClient.Update(ctx, got)).To(Succeed())
		Eventually(func(g Gomega) {
			got := get(live)
			g.Expect(env(got, "STATSIG_GATE_NEW_CHECKOUT")).To(Equal("<unset>"))
			g.Expect(env(got, "STATSIG_GATE_STABLE")).To(Equal("mine"))
			g.Expect(got.Spec.Template.Annotations).NotTo(HaveKey(inject.AnnResultsHash))
		}).Should(Succeed())
	})

	It("re-rolls a Deployment when an override changes its result, without a new revision", func() {
		publish("rev-ov", payload(true))
		d := deployment("apps", "overridden", map[string]string{inject.AnnGates: "new_checkout"})
		Expect(k8sClient.Create(ctx, d)).To(Succeed())
		Eventually(func() string { return env(get(d), "STATSIG_GATE_NEW_CHECKOUT") }).Should(Equal("true"))
		hash := get(d).Spec.Template.Annotations[inject.AnnResultsHash]

		// What the snapshot consumer does when a StatsigOverride changes (serving/consumer).
		ovs, err := evaluator.NewOverrides(
			[]evaluator.Override{{Kind: evaluator.KindGate, Name: "new_checkout", Gate: false}})
		Expect(err).NotTo(HaveOccurred())
		registry.Get("demo").Evaluator.SetOverrides(ovs)
		registry.Notify("demo")
		Eventually(func(g Gomega) {
			got := get(d)
			g.Expect(env(got, "STATSIG_GATE_NEW_CHECKOUT")).To(Equal("false"))
			g.Expect(got.Spec.Template.Annotations[inject.AnnResultsHash]).NotTo(Equal(hash))
		}).Should(Succeed())

		registry.Get("demo").Evaluator.SetOverrides(nil)
		registry.Notify("demo")
		Eventually(func() string { return env(get(d), "STATSIG_GATE_NEW_CHECKOUT") }).Should(Equal("true"))
		Expect(k8sClient.Delete(ctx, d)).To(Succeed())
	})

	It("references the OFREP key Secret by secretKeyRef, follows a change of it and releases it", func() {
		envVars := func(d *appsv1.Deployment) []corev1.EnvVar {
			var out []corev1.EnvVar
			for _, e := range get(d).Spec.Template.Spec.Containers[0].Env {
				if e.Name == inject.EnvOFREPKey || e.Name == inject.EnvOFREPHeaders {
					out = append(out, e)
				}
			}
			return out
		}
		keyRef := func(name, key string) corev1.EnvVar {
			return corev1.EnvVar{Name: inject.EnvOFREPKey, ValueFrom: &corev1.EnvVarSource{
				SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: name}, Key: key},
			}}
		}
		headers := corev1.EnvVar{Name: inject.EnvOFREPHeaders, Value: "Authorization=Bearer $(STATSIG_OPERATOR_OFREP_KEY)"}
		d := deployment("apps", "ofrep", map[string]string{inject.AnnOFREP: "true", inject.AnnOFREPKeySecret: "keys"})
		Expect(k8sClient.Create(ctx, d)).To(Succeed())
		Eventually(func(g Gomega) {
			g.Expect(env(get(d), inject.EnvOFREPEndpoint)).To(Equal("http://statsig-operator-endpoint.statsig-system.svc"))
			g.Expect(envVars(d)).To(Equal([]corev1.EnvVar{keyRef("keys", "key"), headers}))
		}).Should(Succeed())

		By("pointing at another Secret key")
		got := get(d)
		got.Annotations[inject.AnnOFREPKeySecret] = "keys/other"
		Expect(k8sClient.Update(ctx, got)).To(Succeed())
		Eventually(func(g Gomega) {
			g.Expect(envVars(d)).To(Equal([]corev1.EnvVar{keyRef("keys", "other"), headers}))
		}).Should(Succeed())

		By("dropping the key Secret")
		got = get(d)
		delete(got.Annotations, inject.AnnOFREPKeySecret)
		Expect(k8sClient.Update(ctx, got)).To(Succeed())
		Eventually(func(g Gomega) {
			g.Expect(envVars(d)).To(BeEmpty())
			g.Expect(env(get(d), inject.EnvOFREPEndpoint)).To(HavePrefix("http://"))
		}).Should(Succeed())
	})

	It("applies results to StatefulSets and DaemonSets and logs one exposure per workload and entity", func() {
		publish("rev-kinds", payload(true))
		labels := map[string]string{"app": "db"}
		tmpl := corev1.PodTemplateSpec{
			ObjectMeta: metav1.ObjectMeta{Labels: labels},
			Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "app:1"}}},
		}
		ann := map[string]string{inject.AnnGates: "new_checkout"}
		sts := &appsv1.StatefulSet{
			ObjectMeta: metav1.ObjectMeta{Name: "db", Namespace: "apps", Annotations: ann},
			Spec:       appsv1.StatefulSetSpec{Selector: &metav1.LabelSelector{MatchLabels: labels}, Template: tmpl},
		}
		ds := &appsv1.DaemonSet{
			ObjectMeta: metav1.ObjectMeta{Name: "agent", Namespace: "apps", Annotations: ann},
			Spec:       appsv1.DaemonSetSpec{Selector: &metav1.LabelSelector{MatchLabels: labels}, Template: tmpl},
		}
		Expect(k8sClient.Create(ctx, sts)).To(Succeed())
		Expect(k8sClient.Create(ctx, ds)).To(Succeed())
		templateEnv := func(obj client.Object, spec *corev1.PodTemplateSpec) func(Gomega) string {
			return func(g Gomega) string {
				g.Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(obj), obj)).To(Succeed())
				for _, e := range spec.Spec.Containers[0].Env {
					if e.Name == "STATSIG_GATE_NEW_CHECKOUT" {
						return e.Value
					}
				}
				return "<unset>"
			}
		}
		Eventually(templateEnv(sts, &sts.Spec.Template)).Should(Equal("true"))
		Eventually(templateEnv(ds, &ds.Spec.Template)).Should(Equal("true"))
		Expect(sts.Spec.Template.Annotations).To(HaveKey(inject.AnnResultsHash))
		Expect(ds.Spec.Template.Annotations).To(HaveKey(inject.AnnResultsHash))

		By("each workload's evaluation was exposed for its gate")
		Eventually(func() []string {
			var units []string
			for _, e := range sink.Snapshot() {
				if e.Exposure.Metadata["gate"] == "new_checkout" {
					units = append(units, string(e.User))
				}
			}
			return units
		}).Should(And(ContainElement(ContainSubstring(`"db"`)), ContainElement(ContainSubstring(`"agent"`))))
		publish("rev-kinds-off", payload(false)) // the next spec starts from the gate off
	})

	It("re-evaluates 1,000 annotated Deployments on a revision change within the rate limit", func() {
		const n = 1000
		var wg sync.WaitGroup
		sem := make(chan struct{}, 16)
		for i := range n {
			wg.Add(1)
			sem <- struct{}{}
			go func(i int) {
				defer GinkgoRecover()
				defer wg.Done()
				defer func() { <-sem }()
				d := deployment("bulk", fmt.Sprintf("d%04d", i), map[string]string{inject.AnnGates: "new_checkout"})
				Expect(k8sClient.Create(ctx, d)).To(Succeed())
			}(i)
		}
		wg.Wait()
		converged := func(want string) func(Gomega) {
			return func(g Gomega) {
				var list appsv1.DeploymentList
				g.Expect(k8sClient.List(ctx, &list, client.InNamespace("bulk"))).To(Succeed())
				done := 0
				for i := range list.Items {
					if env(&list.Items[i], "STATSIG_GATE_NEW_CHECKOUT") == want {
						done++
					}
				}
				g.Expect(done).To(Equal(n))
			}
		}
		Eventually(converged("false"), 2*time.Minute, 200*time.Millisecond).Should(Succeed())

		start := time.Now()
		publish("rev4", payload(true))
		Eventually(converged("true"), 2*time.Minute, 100*time.Millisecond).Should(Succeed())
		took := time.Since(start)
		rate := float64(n) / took.Seconds()
		AddReportEntry("1,000 Deployments re-evaluated",
			fmt.Sprintf("converged in %v (%.0f updates/s, limit %d/s)", took, rate, updatesPerSecond))
		GinkgoWriter.Printf("1000 Deployments converged in %v (%.0f updates/s, limit %d/s)\n", took, rate, updatesPerSecond)
		Expect(rate).To(BeNumerically("<=", updatesPerSecond*1.1+20), "the rate limit holds")
	})
})
