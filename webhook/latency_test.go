package webhook_test

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"k8s.io/client-go/rest"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/statsig-operator/statsig-operator/inject"
	"github.com/statsig-operator/statsig-operator/inject/injecttest"
)

// Admission latency through the apiserver: pod creates asking for 10 entities, against
// the same creates without the opt-in label (never sent to the webhook).
var _ = Describe("Admission latency through the apiserver", func() {
	It("reports p50 and p99 of pod creates with and without the webhook", func() {
		ann := publishTenEntities()
		const n = 1000
		measure := func(labelled bool) (p50, p99 time.Duration) {
			d := make([]time.Duration, 0, n)
			for range n {
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
			slices.Sort(d)
			return d[n/2], d[n*99/100]
		}
		b50, b99 := measure(false)
		// Steady state: the apiserver's first calls open its connection to the webhook.
		for range 20 {
			Expect(k8sClient.Create(ctx, newPod(ann))).To(Succeed())
		}
		before := webhookDurations()
		w50, w99 := measure(true)
		after := webhookDurations()
		total := after["+Inf"] - before["+Inf"]
		Expect(total).To(BeNumerically(">=", n), "the apiserver called the webhook for every labelled pod")
		within5ms := after["0.005"] - before["0.005"]
		mean := time.Duration((after["sum"] - before["sum"]) / total * float64(time.Second))
		// The histogram's first bound is 5 ms: p99 <= 5 ms means at least 99% of calls within it.
		msg := fmt.Sprintf(
			"%d of %d calls took <= 5 ms (p99 <= 5 ms: %v), mean %v (apiserver_admission_webhook_admission_duration_seconds)",
			int(within5ms), int(total), within5ms >= 0.99*total, mean.Round(time.Microsecond))
		AddReportEntry("webhook call latency measured by the apiserver", msg)
		GinkgoWriter.Println("apiserver-measured webhook calls: " + msg)
		AddReportEntry("pod create latency (1000 sequential creates)",
			fmt.Sprintf("without webhook p50=%v p99=%v; with webhook (10 entities) p50=%v p99=%v", b50, b99, w50, w99))
		GinkgoWriter.Printf("without webhook p50=%v p99=%v; with webhook p50=%v p99=%v\n", b50, b99, w50, w99)
	})
})

// webhookDurations reads the apiserver's own histogram of calls to the Pod webhook, cumulative
// count per bucket upper bound ("0.005", ..., "+Inf") and the sum of seconds ("sum").
func webhookDurations() map[string]float64 {
	hc, err := rest.HTTPClientFor(cfg)
	Expect(err).NotTo(HaveOccurred())
	resp, err := hc.Get(strings.TrimSuffix(cfg.Host, "/") + "/metrics")
	Expect(err).NotTo(HaveOccurred())
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(resp.Body)
	Expect(err).NotTo(HaveOccurred())
	out := map[string]float64{}
	for line := range strings.SplitSeq(string(body), "\n") {
		if !strings.HasPrefix(line, "apiserver_admission_webhook_admission_duration_seconds_") ||
			!strings.Contains(line, `name="pods.statsig-operator.io"`) {
			continue
		}
		fields := strings.Fields(line)
		v, err := strconv.ParseFloat(fields[len(fields)-1], 64)
		Expect(err).NotTo(HaveOccurred())
		switch {
		case strings.HasPrefix(line, "apiserver_admission_webhook_admission_duration_seconds_sum{"):
			out["sum"] += v
		case strings.HasPrefix(line, "apiserver_admission_webhook_admission_duration_seconds_bucket{"):
			i := strings.Index(line, `le="`)
			j := strings.Index(line[i+4:], `"`)
			out[line[i+4:i+4+j]] += v
		}
	}
	return out
}

// publishTenEntities serves a revision of 4 gates, 2 configs, 2 experiments and 2 layers (the
// previous one back at cleanup) and returns the annotations of a pod asking for all ten.
func publishTenEntities() map[string]string {
	publish("bench", injecttest.Payload{
		Gates:       map[string]float64{"g1": 100, "g2": 0, "g3": 50, "g4": 30},
		Configs:     map[string]map[string]any{"c1": {"max": 20}, "c2": {"url": "http://x"}},
		Experiments: map[string]map[string]any{"e1": {"color": "blue"}, "e2": {"size": 2}},
		Layers:      map[string]map[string]any{"l1": {"theme": "light"}, "l2": {"a": 1}},
	})
	DeferCleanup(publish, "rev1", testPayload)
	return map[string]string{
		inject.AnnGates:       "g1, g2, g3, g4",
		inject.AnnConfigs:     "c1, c2",
		inject.AnnExperiments: "e1, e2",
		inject.AnnLayers:      "l1, l2",
	}
}
