package webhook_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/statsig-operator/statsig-operator/inject"
	"github.com/statsig-operator/statsig-operator/inject/injecttest"
	"github.com/statsig-operator/statsig-operator/serving"
	"github.com/statsig-operator/statsig-operator/webhook"
)

// BenchmarkPodAdmission measures the Pod handler for a pod asking for 10 entities
// (4 gates, 2 configs, 2 experiments, 2 layers) with two containers.
func BenchmarkPodAdmission(b *testing.B) {
	reg := serving.NewRegistry()
	p, err := injecttest.Project("demo", "r1", injecttest.Payload{
		Gates:       map[string]float64{"g1": 100, "g2": 0, "g3": 50, "g4": 30},
		Configs:     map[string]map[string]any{"c1": {"max": 20}, "c2": {"url": "http://x", "retries": 3}},
		Experiments: map[string]map[string]any{"e1": {"color": "blue"}, "e2": {"size": 2}},
		Layers:      map[string]map[string]any{"l1": {"theme": "light"}, "l2": {"a": 1, "b": "two"}},
	}, &injecttest.Sink{})
	if err != nil {
		b.Fatal(err)
	}
	reg.Set(p)
	h := webhook.NewPodMutator(reg, "http://statsig-operator-endpoint.statsig-system.svc")
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{GenerateName: "web-7d9f8b6c5-", Namespace: "shop",
			Labels: map[string]string{"app": "web", "pod-template-hash": "7d9f8b6c5"},
			Annotations: map[string]string{
				inject.AnnGates: "g1, g2, g3, g4", inject.AnnConfigs: "c1, c2",
				inject.AnnExperiments: "e1, e2", inject.AnnLayers: "l1, l2",
			}},
		Spec: corev1.PodSpec{
			Containers: []corev1.Container{{Name: "app", Image: "app:1"}, {Name: "sidecar", Image: "proxy:1"}},
		},
	}
	raw, _ := json.Marshal(pod)
	req := admission.Request{AdmissionRequest: admissionv1.AdmissionRequest{
		UID: "u", Kind: metav1.GroupVersionKind{Version: "v1", Kind: "Pod"}, Operation: admissionv1.Create,
		Namespace: "shop", Object: runtime.RawExtension{Raw: raw},
	}}
	b.ReportAllocs()
	var took []time.Duration
	for b.Loop() {
		start := time.Now()
		resp := h.Handle(context.Background(), req)
		took = append(took, time.Since(start))
		if !resp.Allowed || len(resp.Patches) == 0 {
			b.Fatalf("response %+v", resp.Result)
		}
	}
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)*99/100].Microseconds()), "p99-µs")
}
