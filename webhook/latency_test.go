package webhook_test

import (
	"fmt"
	"sort"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/statsig-operator/statsig-operator/webhook/inject"
	"github.com/statsig-operator/statsig-operator/webhook/inject/injecttest"
)

// Admission latency through the apiserver: pod creates asking for 10 entities, against
// the same creates without the opt-in label (never sent to the webhook).
var _ = Describe("Admission latency through the apiserver", func() {
	It("reports p50 and p99 of pod creates with and without the webhook", func() {
		publish("bench", injecttest.Payload{
			Gates:       map[string]float64{"g1": 100, "g2": 0, "g3": 50, "g4": 30},
			Configs:     map[string]map[string]any{"c1": {"max": 20}, "c2": {"url": "http://x"}},
			Experiments: map[string]map[string]any{"e1": {"color": "blue"}, "e2": {"size": 2}},
			Layers:      map[string]map[string]any{"l1": {"theme": "light"}, "l2": {"a": 1}},
		})
		DeferCleanup(publish, "rev1", testPayload)
		ann := map[string]string{inject.AnnGates: "g1, g2, g3, g4", inject.AnnConfigs: "c1, c2", inject.AnnExperiments: "e1, e2", inject.AnnLayers: "l1, l2"}
		const n = 200
		measure := func(labelled bool) (p50, p99 time.Duration) {
			d := make([]time.Duration, 0, n)
			for i := 0; i < n; i++ {
				pod := newPod(ann)
				if !labelled {
					delete(pod.Labels, inject.LabelInject)
				}
				start := time.Now()
				Expect(k8sClient.Create(ctx, pod)).To(Succeed())
				d = append(d, time.Since(start))
				if labelled {
					Expect(pod.Annotations).To(HaveKey(inject.AnnResults))
				}
			}
			sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
			return d[n/2], d[n*99/100]
		}
		b50, b99 := measure(false)
		w50, w99 := measure(true)
		AddReportEntry("pod create latency (200 sequential creates)", fmt.Sprintf("without webhook p50=%v p99=%v; with webhook (10 entities) p50=%v p99=%v", b50, b99, w50, w99))
		GinkgoWriter.Printf("without webhook p50=%v p99=%v; with webhook p50=%v p99=%v\n", b50, b99, w50, w99)
	})
})
