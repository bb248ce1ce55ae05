package webhook_test

import (
	"bytes"
	"fmt"
	"maps"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/google/pprof/profile"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	crmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	"github.com/statsig-operator/statsig-operator/inject"
)

// Admission at scale (issue 20): pods asking for 10 entities created at an open-loop target rate
// by concurrent creators, through the envtest kube-apiserver and the in-process webhook server.
// A measurement for docs/performance.md, not a timed test: it asserts only that every create
// succeeded, and runs only with STATSIG_OPERATOR_WEBHOOK_SCALE=1 (make test never does).
//
//	STATSIG_OPERATOR_WEBHOOK_SCALE=1 go test -count=1 -v ./webhook -ginkgo.focus='at scale'
//
// Optional: STATSIG_OPERATOR_WEBHOOK_SCALE_RATES (default "25,50,100,250,500,1000" pods/s),
// STATSIG_OPERATOR_WEBHOOK_SCALE_WORKERS (default 64 concurrent creators).
var _ = Describe("Admission at scale", func() {
	It("reports, per target rate, the achieved rate, webhook latency and CPU per admission", func() {
		if os.Getenv("STATSIG_OPERATOR_WEBHOOK_SCALE") != "1" {
			Skip("set STATSIG_OPERATOR_WEBHOOK_SCALE=1 to run the admission-at-scale measurement")
		}
		ann := publishTenEntities()
		rates := envInts("STATSIG_OPERATOR_WEBHOOK_SCALE_RATES", []int{25, 50, 100, 250, 500, 1000})
		workers := envInts("STATSIG_OPERATOR_WEBHOOK_SCALE_WORKERS", []int{64})[0]

		// No client-side rate limit: the target rate is the token bucket's, not client-go's.
		c := rest.CopyConfig(cfg)
		c.QPS, c.Burst = -1, 0
		cl, err := client.New(c, client.Options{Scheme: testEnv.Scheme})
		Expect(err).NotTo(HaveOccurred())
		deleteScalePods := func() {
			Expect(cl.DeleteAllOf(ctx, &corev1.Pod{}, client.InNamespace("shop"),
				client.MatchingLabels{"app.kubernetes.io/name": "scale"})).To(Succeed())
		}
		// Warm up: the apiserver opens its keep-alive connections to the webhook.
		warm := runStep(cl, ann, 200, 400, workers)
		Expect(warm.errors).To(BeZero())
		deleteScalePods()

		// Baseline: the same pods without the opt-in label, never sent to the webhook, so the
		// kube-apiserver's and etcd's CPU per create without the webhook is known.
		base, baseBefore := 100, readCPU()
		bs := runStep(cl, withoutLabel(ann), base, base*10, workers)
		bd := readCPU().sub(baseBefore)
		deleteScalePods()
		Expect(bs.errors).To(BeZero())
		slices.Sort(bs.took)
		baseline := fmt.Sprintf("baseline without the webhook at %d/s: %.0f creates/s, client p50 / p99 %v / %v, "+
			"CPU ms per create: test process %.2f / kube-apiserver %.2f / etcd %.2f, machine busy %.0f%%",
			base, float64(base*10)/bs.elapsed.Seconds(), bs.took[len(bs.took)/2].Round(10*time.Microsecond),
			bs.took[len(bs.took)*99/100].Round(10*time.Microsecond), ms(bd.self)/float64(base*10),
			ms(bd.apiserver)/float64(base*10), ms(bd.etcd)/float64(base*10), 100*bd.busy)
		GinkgoWriter.Println(baseline)

		profDir := GinkgoT().TempDir()
		if d := os.Getenv("STATSIG_OPERATOR_WEBHOOK_SCALE_PROFILES"); d != "" { // keep the CPU profiles
			profDir = d
			Expect(os.MkdirAll(d, 0o755)).To(Succeed())
		}
		rows := make([]string, 0, 2+len(rates))
		rows = append(rows, "| target pods/s | pods | achieved creates/s | webhook calls ≤ 5 ms (apiserver) "+
			"| webhook p99 ≤ (bucket bound) | mean webhook call "+
			"| webhook server's own handling: mean, ≤ 1 ms, ≤ 10 ms | client create p50 / p99 "+
			"| CPU ms per admission: webhook server goroutines / handler / test process / kube-apiserver / etcd "+
			"| machine busy (all cores, all processes) |",
			"|---|---|---|---|---|---|---|---|---|---|")
		held := 0
		for _, rate := range rates {
			// ~10 s per step, at most 2,000 pods, so etcd stays small; deleted after each step.
			n := min(rate*10, 2000)
			prof := filepath.Join(profDir, fmt.Sprintf("cpu-%d.pprof", rate))
			f, err := os.Create(prof)
			Expect(err).NotTo(HaveOccurred())
			before, cpuBefore := webhookDurations(), readCPU()
			ownBefore := ownLatency()
			Expect(pprof.StartCPUProfile(f)).To(Succeed())
			st := runStep(cl, ann, rate, n, workers)
			pprof.StopCPUProfile()
			after, cpuAfter := webhookDurations(), readCPU()
			own := ownLatency().sub(ownBefore)
			Expect(f.Close()).To(Succeed())
			deleteScalePods()
			Expect(st.errors).To(BeZero(), "create errors at %d/s", rate)

			calls := after["+Inf"] - before["+Inf"]
			Expect(calls).To(BeNumerically(">=", n), "the apiserver called the webhook for every pod")
			within := (after["0.005"] - before["0.005"]) / calls
			mean := time.Duration((after["sum"] - before["sum"]) / calls * float64(time.Second))
			p99 := p99Bound(before, after)
			serve, handler := webhookCPU(prof)
			perCall := func(d time.Duration) string { return fmt.Sprintf("%.2f", ms(d)/calls) }
			d := cpuAfter.sub(cpuBefore)
			slices.Sort(st.took)
			row := fmt.Sprintf("| %d | %d | %.0f | %.2f%% | %s | %v | %s | %v / %v | %s / %s / %s / %s / %s | %.0f%% |",
				rate, n, float64(n)/st.elapsed.Seconds(), 100*within, p99, mean.Round(10*time.Microsecond), own,
				st.took[n/2].Round(10*time.Microsecond), st.took[n*99/100].Round(10*time.Microsecond),
				perCall(serve), perCall(handler), perCall(d.self), perCall(d.apiserver), perCall(d.etcd),
				100*d.busy)
			rows = append(rows, row)
			if within >= 0.99 {
				held = rate
			}
			GinkgoWriter.Println(row)
			if st.unmutated > 0 {
				GinkgoWriter.Printf("  %d pods at %d/s came back without %s (failurePolicy Ignore)\n",
					st.unmutated, rate, inject.AnnResults)
			}
		}
		heldText := "none"
		if held > 0 {
			heldText = fmt.Sprintf("%d pods/s", held)
		}
		summary := fmt.Sprintf("%d concurrent creators, %d CPUs\n%s\n%s\n"+
			"highest target rate with >= 99%% of webhook calls <= 5 ms: %s",
			workers, runtime.NumCPU(), baseline, strings.Join(rows, "\n"), heldText)
		AddReportEntry("admission at scale", summary)
		GinkgoWriter.Println(summary)
	})
})

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// withoutLabel marks runStep's pods as not opted in (the webhook's objectSelector skips them).
func withoutLabel(ann map[string]string) map[string]string {
	out := maps.Clone(ann)
	out[noLabel] = "1"
	return out
}

// noLabel is a marker annotation runStep turns into a pod without the opt-in label.
const noLabel = "scale.test/no-inject-label"

// p99Bound is the smallest bucket bound of the apiserver's histogram holding >= 99% of the
// calls between two scrapes, as text ("0.005" s is 5 ms).
func p99Bound(before, after map[string]float64) string {
	total := after["+Inf"] - before["+Inf"]
	var bounds []float64
	for k := range after {
		if v, err := strconv.ParseFloat(k, 64); err == nil && !math.IsInf(v, 0) {
			bounds = append(bounds, v)
		}
	}
	slices.Sort(bounds)
	for _, b := range bounds {
		k := strconv.FormatFloat(b, 'g', -1, 64)
		if after[k]-before[k] >= 0.99*total {
			return (time.Duration(b * float64(time.Second))).String()
		}
	}
	return "> largest bound"
}

type stepResult struct {
	took      []time.Duration // client-observed create latencies
	elapsed   time.Duration   // first token to last completion
	errors    int
	unmutated int
}

// runStep creates n pods at an open-loop target rate: a ticker releases one token per
// 1/rate (a token bucket of depth n, so tokens released while all creators are busy
// wait), and workers creators take them. The tokens carry the pods.
func runStep(cl client.Client, ann map[string]string, rate, n, workers int) stepResult {
	tokens := make(chan *corev1.Pod, n)
	go func() {
		interval := time.Second / time.Duration(rate)
		start := time.Now()
		for i := range n {
			// Built here, by one goroutine: newPod's counter is not synchronised. Create
			// writes the response's annotations into the pod, so each has its own map.
			pod := newPod(maps.Clone(ann))
			pod.Name, pod.GenerateName = "", "scale-"
			pod.Labels["app.kubernetes.io/name"] = "scale"
			if _, ok := ann[noLabel]; ok {
				delete(pod.Annotations, noLabel)
				delete(pod.Labels, inject.LabelInject)
			}
			time.Sleep(time.Until(start.Add(time.Duration(i) * interval)))
			tokens <- pod
		}
		close(tokens)
	}()
	var (
		mu        sync.Mutex
		res       stepResult
		errs, unm atomic.Int64
		wg        sync.WaitGroup
	)
	res.took = make([]time.Duration, 0, n)
	start := time.Now()
	for range workers {
		wg.Go(func() {
			defer GinkgoRecover()
			for pod := range tokens {
				t := time.Now()
				err := cl.Create(ctx, pod)
				d := time.Since(t)
				if err != nil {
					errs.Add(1)
					continue
				}
				if _, ok := pod.Annotations[inject.AnnResults]; !ok && pod.Labels[inject.LabelInject] != "" {
					unm.Add(1)
				}
				mu.Lock()
				res.took = append(res.took, d)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	res.errors, res.unmutated = int(errs.Load()), int(unm.Load())
	return res
}

// webhookCPU splits a CPU profile of the test process: samples under net/http.(*conn).serve
// are the webhook server's goroutines (TLS, HTTP, decoding, the handler, writing the patch;
// the only HTTP server in this process), samples under PodMutator.Handle the handler alone.
// The creators (client-go) and the garbage collector's background workers are in neither.
func webhookCPU(path string) (serve, handler time.Duration) {
	b, err := os.ReadFile(path)
	Expect(err).NotTo(HaveOccurred())
	p, err := profile.Parse(bytes.NewReader(b))
	Expect(err).NotTo(HaveOccurred())
	idx := slices.IndexFunc(p.SampleType, func(s *profile.ValueType) bool { return s.Type == "cpu" })
	Expect(idx).To(BeNumerically(">=", 0))
	for _, s := range p.Sample {
		var inServe, inHandler bool
		for _, loc := range s.Location {
			for _, l := range loc.Line {
				switch {
				case l.Function.Name == "net/http.(*conn).serve":
					inServe = true
				case strings.HasSuffix(l.Function.Name, "webhook.(*PodMutator).Handle"):
					inHandler = true
				}
			}
		}
		v := time.Duration(s.Value[idx])
		if inServe {
			serve += v
		}
		if inHandler {
			handler += v
		}
	}
	return serve, handler
}

// cpuTimes is the CPU time of this process and of the envtest control plane it started, and
// the machine's busy fraction (all processes, including anyone else's build).
type cpuTimes struct {
	self, apiserver, etcd time.Duration
	busyTicks, allTicks   uint64
	busy                  float64 // only in a difference: busy/all over the interval
}

func (a cpuTimes) sub(b cpuTimes) cpuTimes {
	d := cpuTimes{self: a.self - b.self, apiserver: a.apiserver - b.apiserver, etcd: a.etcd - b.etcd}
	if all := a.allTicks - b.allTicks; all > 0 {
		d.busy = float64(a.busyTicks-b.busyTicks) / float64(all)
	}
	return d
}

func readCPU() cpuTimes {
	var t cpuTimes
	var ru syscall.Rusage
	Expect(syscall.Getrusage(syscall.RUSAGE_SELF, &ru)).To(Succeed())
	t.self = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	// kube-apiserver and etcd are children of this process (envtest starts them).
	entries, err := os.ReadDir("/proc")
	Expect(err).NotTo(HaveOccurred())
	self := strconv.Itoa(os.Getpid())
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		comm, ppid, cpu, ok := procStat(e.Name())
		if !ok || ppid != self {
			continue
		}
		switch comm {
		case "kube-apiserver":
			t.apiserver += cpu
		case "etcd":
			t.etcd += cpu
		}
	}
	b, err := os.ReadFile("/proc/stat")
	Expect(err).NotTo(HaveOccurred())
	line, _, _ := strings.Cut(string(b), "\n")
	for i, f := range strings.Fields(line)[1:] {
		v, _ := strconv.ParseUint(f, 10, 64)
		t.allTicks += v
		if i != 3 && i != 4 { // idle, iowait
			t.busyTicks += v
		}
	}
	return t
}

// procStat reads comm, ppid and user+system CPU of /proc/<pid>/stat (clock ticks of 10 ms,
// USER_HZ 100 on Linux).
func procStat(pid string) (comm, ppid string, cpu time.Duration, ok bool) {
	b, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return "", "", 0, false
	}
	s := string(b)
	i, j := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
	if i < 0 || j < i {
		return "", "", 0, false
	}
	f := strings.Fields(s[j+1:]) // f[0] is state, f[1] ppid, f[11] utime, f[12] stime
	if len(f) < 13 {
		return "", "", 0, false
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return s[i+1 : j], f[1], time.Duration(ut+st) * 10 * time.Millisecond, true
}

func envInts(name string, def []int) []int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	var out []int
	for f := range strings.SplitSeq(v, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		Expect(err).NotTo(HaveOccurred(), name)
		out = append(out, n)
	}
	return out
}

// handlingTimes is controller-runtime's own histogram of the webhook server's handling of
// admission requests (controller_runtime_webhook_latency_seconds: from the request's arrival
// at the webhook's handler to its response, AdmissionReview decoding and encoding included;
// decade buckets), summed over the server's webhooks.
type handlingTimes struct{ within1ms, within10ms, count, sum float64 }

func ownLatency() handlingTimes {
	var t handlingTimes
	mfs, err := crmetrics.Registry.Gather()
	Expect(err).NotTo(HaveOccurred())
	for _, mf := range mfs {
		if mf.GetName() != "controller_runtime_webhook_latency_seconds" {
			continue
		}
		for _, m := range mf.GetMetric() {
			h := m.GetHistogram()
			for _, b := range h.GetBucket() {
				switch ub := b.GetUpperBound(); {
				case math.Abs(ub-1e-3) < 1e-12:
					t.within1ms += float64(b.GetCumulativeCount())
				case math.Abs(ub-1e-2) < 1e-12:
					t.within10ms += float64(b.GetCumulativeCount())
				}
			}
			t.count += float64(h.GetSampleCount())
			t.sum += h.GetSampleSum()
		}
	}
	return t
}

func (t handlingTimes) sub(o handlingTimes) handlingTimes {
	return handlingTimes{t.within1ms - o.within1ms, t.within10ms - o.within10ms, t.count - o.count, t.sum - o.sum}
}

func (t handlingTimes) String() string {
	if t.count == 0 {
		return "—"
	}
	mean := time.Duration(t.sum / t.count * float64(time.Second))
	return fmt.Sprintf("%v, %.1f%%, %.1f%%",
		mean.Round(10*time.Microsecond), 100*t.within1ms/t.count, 100*t.within10ms/t.count)
}
