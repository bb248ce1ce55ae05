package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// sample is one reading of a process: resident KiB (all, anonymous, file-backed) and the
// live Go heap in bytes (0 when /metrics did not answer).
type sample struct {
	at              time.Time
	rss, anon, file int64
	live            int64
}

// sampler reads a process every 250 ms while the harness waits.
type sampler struct {
	pid        int
	metricsURL string
	log        string // the process's log, for counting loaded revisions
	trace      io.Writer
	stats      map[string]float64 // the go_* metrics at the last settled moment
	// pprofURL, when set, is the process's net/http/pprof root: a heap profile is saved in
	// profDir at each settled moment (after a GC, so inuse is the live heap).
	pprofURL string
	profDir  string
	samples  []sample
}

func (p *sampler) reset() { p.samples = nil }

// take reads /proc only: scraping /metrics allocates in the process, and four scrapes a
// second would measure the harness's garbage (last reads the live heap once).
func (p *sampler) take() {
	s := sample{at: time.Now()}
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.pid))
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		k, v, _ := strings.Cut(sc.Text(), ":")
		n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		switch k {
		case "VmRSS":
			s.rss = n
		case "RssAnon":
			s.anon = n
		case "RssFile":
			s.file = n
		}
	}
	p.samples = append(p.samples, s)
}

// until samples until cond holds or timeout passes.
func (p *sampler) until(ctx context.Context, timeout time.Duration, cond func() bool) error {
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			return fmt.Errorf("not done within %s", timeout)
		}
		p.take()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
	return nil
}

// sampleFor samples for d, then once more with the live heap as of the last GC.
func (p *sampler) sampleFor(ctx context.Context, d time.Duration) {
	end := time.Now().Add(d)
	_ = p.until(ctx, d+time.Second, func() bool { return time.Now().After(end) })
	p.take()
	m := scrape(p.metricsURL)
	p.samples[len(p.samples)-1].live = int64(m["go_gc_heap_live_bytes"])
	p.stats = m
}

// heapProfile saves the process's heap profile as name.pb.gz in profDir (gc=1: a GC runs
// first, so inuse_space is the live heap). It returns the file, or "" without pprof.
func (p *sampler) heapProfile(name string) string {
	if p.pprofURL == "" {
		return ""
	}
	res, err := http.Get(p.pprofURL + "/debug/pprof/heap?gc=1")
	if err != nil {
		return ""
	}
	defer func() { _ = res.Body.Close() }()
	if res.StatusCode != http.StatusOK {
		return ""
	}
	f := filepath.Join(p.profDir, name+".pb.gz")
	out, err := os.Create(f)
	if err != nil {
		return ""
	}
	defer func() { _ = out.Close() }()
	if _, err := io.Copy(out, res.Body); err != nil {
		return ""
	}
	return f
}

func (p *sampler) ready(url string) bool {
	res, err := http.Get(url)
	if err != nil {
		return false
	}
	_ = res.Body.Close()
	return res.StatusCode == http.StatusOK
}

// loads counts the revisions the process has swapped in (its "Loaded snapshot" log lines).
func (p *sampler) loads() int {
	b, _ := os.ReadFile(p.log)
	return bytes.Count(b, []byte(`"Loaded snapshot"`))
}

// scrape reads the unlabelled go_* series of a Prometheus text exposition (the live heap,
// the runtime's memory statistics).
func scrape(url string) map[string]float64 {
	out := map[string]float64{}
	res, err := http.Get(url)
	if err != nil {
		return out
	}
	defer func() { _ = res.Body.Close() }()
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "go_") || strings.Contains(line, "{") {
			continue
		}
		if k, v, ok := strings.Cut(line, " "); ok {
			f, _ := strconv.ParseFloat(v, 64)
			out[k] = f
		}
	}
	return out
}

// row is one line of the table.
type row struct {
	process, moment string
	took            time.Duration // start to ready, or flip to swapped in
	peakRSS         int64         // KiB, over the whole phase
	rss, anon, file int64         // KiB, settled
	live            int64         // bytes, settled
	settle          time.Duration
	profile         string             // heap profile at the settled moment ("" without pprof)
	stats           map[string]float64 // the go_* metrics at the settled moment
	base            string             // the previous moment's profile: allocations in between are this phase's
}

func (p *sampler) row(process, moment string, took, settle time.Duration) row {
	r := row{process: process, moment: moment, took: took, settle: settle, stats: p.stats}
	if p.trace != nil {
		for _, s := range p.samples {
			_, _ = fmt.Fprintf(p.trace, "%q,%q,%s,%d,%d,%d,%d\n", process, moment, s.at.Format("15:04:05.000"),
				s.rss, s.anon, s.file, s.live)
		}
	}
	for _, s := range p.samples {
		r.peakRSS = max(r.peakRSS, s.rss)
	}
	if n := len(p.samples); n > 0 {
		last := p.samples[n-1]
		r.rss, r.anon, r.file, r.live = last.rss, last.anon, last.file, last.live
	}
	return r
}

func printTable(rows []row, maxRatio float64) error {
	fmt.Printf(
		"| process | moment | ready after | peak RSS | RSS %s later (anon + file) | live heap | RSS / live heap |\n",
		rows[0].settle,
	)
	fmt.Println("|---|---|---|---|---|---|---|")
	var failed []string
	for _, r := range rows {
		ratio := 0.0
		if r.live > 0 {
			ratio = float64(r.rss<<10) / float64(r.live)
		}
		fmt.Printf("| %s | %s | %.1f s | %.0f MB | %.0f MB (%.0f + %.0f) | %.1f MB | **%.2f** |\n",
			r.process, r.moment, r.took.Seconds(), mb(r.peakRSS<<10), mb(r.rss<<10), mb(r.anon<<10), mb(r.file<<10),
			mb(r.live), ratio)
		if r.live == 0 || ratio > maxRatio {
			failed = append(failed, fmt.Sprintf("%s %s: %.2f", r.process, r.moment, ratio))
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("RSS over %.2f× the live heap: %s", maxRatio, strings.Join(failed, "; "))
	}
	return nil
}

func mb(b int64) float64 { return float64(b) / 1e6 }

func platform() string {
	return fmt.Sprintf("%s/%s, %d CPUs", runtime.GOOS, runtime.GOARCH, runtime.NumCPU())
}
