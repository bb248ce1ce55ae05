package webhook_test

import (
	"encoding/json"
	"fmt"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	"github.com/statsig-operator/statsig-operator/inject"
	"github.com/statsig-operator/statsig-operator/inject/injecttest"
)

var podSeq int

// newPod is a labelled (opted-in) pod with an init container and two containers.
func newPod(ann map[string]string) *corev1.Pod {
	podSeq++
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name: fmt.Sprintf("pod-%d", podSeq), Namespace: "shop", Annotations: ann,
			Labels: map[string]string{inject.LabelInject: inject.LabelInjectValue, "app.kubernetes.io/name": "checkout"},
		},
		Spec: corev1.PodSpec{
			InitContainers: []corev1.Container{{Name: "migrate", Image: "migrate:1"}},
			Containers: []corev1.Container{
				{Name: "app", Image: "app:1", Env: []corev1.EnvVar{{Name: "STATSIG_GATE_DARK_MODE", Value: "user-value"}}},
				{Name: "sidecar", Image: "proxy:1"},
			},
		},
	}
}

func envOf(c corev1.Container) map[string]string {
	m := map[string]string{}
	for _, e := range c.Env {
		m[e.Name] = e.Value
	}
	return m
}

// admissionCalls is how many Pod admission requests reached the handler.
func admissionCalls() float64 {
	mfs, err := metrics.Registry.Gather()
	Expect(err).NotTo(HaveOccurred())
	total := 0.0
	for _, mf := range mfs {
		if mf.GetName() == "statsig_operator_pod_admissions_total" {
			for _, m := range mf.GetMetric() {
				total += m.GetCounter().GetValue()
			}
		}
	}
	return total
}

var _ = Describe("Pod mutation", func() {
	It("injects results into every container and annotates the pod", func() {
		before := len(sink.Snapshot())
		pod := newPod(map[string]string{
			inject.AnnGates: "new_checkout, dark_mode", inject.AnnConfigs: "limits", inject.AnnExperiments: "button",
			inject.AnnLayers: "ui", inject.AnnOFREP: "true",
		})
		Expect(k8sClient.Create(ctx, pod)).To(Succeed())
		var got corev1.Pod
		Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(pod), &got)).To(Succeed())
		for _, c := range append(got.Spec.InitContainers, got.Spec.Containers...) {
			env := envOf(c)
			Expect(env).To(HaveKeyWithValue("STATSIG_GATE_NEW_CHECKOUT", "true"), c.Name)
			Expect(env).To(HaveKeyWithValue("STATSIG_CONFIG_LIMITS", `{"max":20}`), c.Name)
			Expect(env).To(HaveKeyWithValue("STATSIG_EXPERIMENT_BUTTON", `{"color":"blue"}`), c.Name)
			Expect(env).To(HaveKeyWithValue("STATSIG_EXPERIMENT_BUTTON_GROUP", "Test"), c.Name)
			Expect(env).To(HaveKeyWithValue("STATSIG_LAYER_UI", `{"theme":"light"}`), c.Name)
			Expect(env).To(HaveKeyWithValue("OFREP_ENDPOINT", "https://statsig-operator-endpoint.statsig-system.svc"), c.Name)
			if c.Name == "app" {
				Expect(env).To(HaveKeyWithValue("STATSIG_GATE_DARK_MODE", "user-value"), "user-set values are kept")
			} else {
				Expect(env).To(HaveKeyWithValue("STATSIG_GATE_DARK_MODE", "false"), c.Name)
			}
		}
		var res inject.Results
		Expect(json.Unmarshal([]byte(got.Annotations[inject.AnnResults]), &res)).To(Succeed())
		Expect(res.Spec).To(Equal("demo"))
		Expect(res.Revision).To(Equal("rev1"))
		Expect(res.Unit).To(Equal(inject.UnitInfo{Type: "workload", IDType: "userID", ID: "checkout"}))
		Expect(res.Gates["new_checkout"].RuleID).To(Equal("rule_new_checkout"))
		Expect(res.UserSet).To(ConsistOf("app/STATSIG_GATE_DARK_MODE"))
		// 2 gates + config + experiment + 1 layer parameter.
		Expect(len(sink.Snapshot()) - before).To(Equal(5))
	})

	It("injects OFREP_HEADERS from the pod's Secret without reading it", func() {
		// The Secret does not exist: admission depends on its name only, the kubelet reads it.
		pod := newPod(map[string]string{inject.AnnOFREP: "true", inject.AnnOFREPKeySecret: "ofrep-client/client-key"})
		Expect(k8sClient.Create(ctx, pod)).To(Succeed())
		Expect(apierrors.IsNotFound(
			k8sClient.Get(ctx, client.ObjectKey{Namespace: "shop", Name: "ofrep-client"}, &corev1.Secret{}),
		)).To(BeTrue())
		for _, c := range append(pod.Spec.InitContainers, pod.Spec.Containers...) {
			n := len(c.Env)
			Expect(n).To(BeNumerically(">=", 3), c.Name)
			// Dependent expansion: the key var comes before OFREP_HEADERS, which references it.
			Expect(c.Env[n-3:]).To(Equal([]corev1.EnvVar{
				{Name: "OFREP_ENDPOINT", Value: "https://statsig-operator-endpoint.statsig-system.svc"},
				{Name: "STATSIG_OPERATOR_OFREP_KEY", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
					LocalObjectReference: corev1.LocalObjectReference{Name: "ofrep-client"}, Key: "client-key",
				}}},
				{Name: "OFREP_HEADERS", Value: "Authorization=Bearer $(STATSIG_OPERATOR_OFREP_KEY)"},
			}), c.Name)
		}
	})

	It("answers a dry run alike but logs no exposures (sideEffects: None)", func() {
		before := len(sink.Snapshot())
		pod := newPod(map[string]string{inject.AnnGates: "new_checkout, dark_mode", inject.AnnLayers: "ui"})
		Expect(k8sClient.Create(ctx, pod, client.DryRunAll)).To(Succeed())
		Expect(envOf(pod.Spec.Containers[1])).To(HaveKeyWithValue("STATSIG_GATE_NEW_CHECKOUT", "true"))
		Expect(len(sink.Snapshot()) - before).To(Equal(0))
		Expect(k8sClient.Get(ctx, client.ObjectKeyFromObject(pod), &corev1.Pod{})).NotTo(Succeed())
	})

	It("never receives pods without the opt-in label", func() {
		calls := admissionCalls()
		pod := newPod(map[string]string{inject.AnnGates: "new_checkout"})
		delete(pod.Labels, inject.LabelInject)
		Expect(k8sClient.Create(ctx, pod)).To(Succeed())
		Expect(pod.Annotations).NotTo(HaveKey(inject.AnnResults))
		Expect(envOf(pod.Spec.Containers[1])).To(BeEmpty())
		Expect(admissionCalls()).To(Equal(calls))

		labelled := newPod(nil)
		Expect(k8sClient.Create(ctx, labelled)).To(Succeed())
		Expect(admissionCalls()).To(Equal(calls + 1))
	})

	It("rolls out the variant to pods whose rollout gate passes", func() {
		for _, tc := range []struct {
			gate  string
			image string
			mode  string
		}{{"always", "app:2", "v2"}, {"never", "app:1", ""}} {
			pod := newPod(map[string]string{
				inject.AnnRolloutGate: tc.gate, inject.AnnRolloutImagePrefix + "app": "app:2",
				inject.AnnRolloutEnvPrefix + "sidecar": `{"MODE":"v2"}`,
			})
			pod.Name, pod.GenerateName = "", "rollout-"
			Expect(k8sClient.Create(ctx, pod)).To(Succeed())
			Expect(pod.Spec.Containers[0].Image).To(Equal(tc.image), tc.gate)
			Expect(envOf(pod.Spec.Containers[1])["MODE"]).To(Equal(tc.mode), tc.gate)
			var res inject.Results
			Expect(json.Unmarshal([]byte(pod.Annotations[inject.AnnResults]), &res)).To(Succeed())
			Expect(res.Rollout.Unit.Type).To(Equal("pod"))
			// generateName pods have no name at admission: the unit is the request UID.
			Expect(res.Rollout.Unit.ID).NotTo(BeEmpty())
			Expect(res.Rollout.Unit.ID).NotTo(HavePrefix("rollout-"))
		}
	})

	DescribeTable("admits bad input unchanged with a warning and an Event, or denies it in strict mode",
		func(ann map[string]string, want string) {
			if ann[inject.AnnSpec] == "" && strings.Contains(want, "no StatsigSpec snapshot") {
				registry.Delete("demo")
				defer publish("rev1", testPayload)
			}
			cl, w := warningClient()
			pod := newPod(ann)
			Expect(cl.Create(ctx, pod)).To(Succeed())
			Expect(pod.Annotations).NotTo(HaveKey(inject.AnnResults))
			Expect(pod.Spec.Containers[1].Env).To(BeEmpty())
			Expect(w.get()).To(ContainElement(And(ContainSubstring(want), ContainSubstring("admitted unchanged"))))
			Eventually(func(g Gomega) {
				var evs eventsv1.EventList
				g.Expect(k8sClient.List(ctx, &evs, client.InNamespace("shop"))).To(Succeed())
				found := false
				for _, e := range evs.Items {
					if e.Regarding.Name == pod.Name && e.Reason == "StatsigInjectionFailed" && strings.Contains(e.Note, want) {
						found = true
					}
				}
				g.Expect(found).To(BeTrue())
			}).Should(Succeed())

			strict := newPod(ann)
			strict.Annotations[inject.AnnStrict] = "true"
			err := cl.Create(ctx, strict)
			Expect(err).To(HaveOccurred())
			Expect(err.Error()).To(ContainSubstring(want))
		},
		Entry("malformed unit", map[string]string{inject.AnnGates: "new_checkout", inject.AnnUnit: "cluster"},
			`"cluster" is not a unit`),
		Entry("malformed user-custom",
			map[string]string{inject.AnnGates: "new_checkout", inject.AnnUserCustom: "team=payments"},
			"user-custom: must be a JSON object"),
		Entry("unknown gate", map[string]string{inject.AnnGates: "new_checkout, no_such_gate"},
			`gate "no_such_gate" is not in StatsigSpec demo`),
		Entry("unknown config", map[string]string{inject.AnnConfigs: "nope"}, `dynamic config "nope"`),
		Entry("unknown StatsigSpec", map[string]string{inject.AnnGates: "new_checkout", inject.AnnSpec: "other"},
			`StatsigSpec "other" is not served`),
		Entry("rollout for a missing container",
			map[string]string{inject.AnnRolloutGate: "always", inject.AnnRolloutImagePrefix + "web": "web:2"},
			`the pod has no container "web"`),
		Entry("OFREP key Secret without OFREP",
			map[string]string{inject.AnnGates: "new_checkout", inject.AnnOFREPKeySecret: "ofrep-client"},
			"ofrep-key-secret: needs statsig-operator.io/ofrep"),
		Entry("only an OFREP key Secret", map[string]string{inject.AnnOFREPKeySecret: "ofrep-client"},
			"ofrep-key-secret: needs statsig-operator.io/ofrep"),
		Entry("malformed OFREP key Secret",
			map[string]string{inject.AnnOFREP: "true", inject.AnnOFREPKeySecret: "Other_NS/key"},
			`"Other_NS" is not a Secret name`),
		Entry("no snapshot yet", map[string]string{inject.AnnGates: "new_checkout"}, "no StatsigSpec snapshot is loaded yet"),
	)

	It("uses the new revision as soon as it is published", func() {
		publish("rev2", injecttest.Payload{Gates: map[string]float64{"new_checkout": 0}})
		defer publish("rev1", testPayload)
		pod := newPod(map[string]string{inject.AnnGates: "new_checkout"})
		Expect(k8sClient.Create(ctx, pod)).To(Succeed())
		Expect(envOf(pod.Spec.Containers[1])).To(HaveKeyWithValue("STATSIG_GATE_NEW_CHECKOUT", "false"))
		Expect(pod.Annotations[inject.AnnResults]).To(ContainSubstring(`"revision":"rev2"`))
	})
})
