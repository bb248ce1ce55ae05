package main

import (
	"cmp"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/google/pprof/profile"
)

// owner names what holds a part of the heap, recognised by a frame of the allocating stack.
// The first owner with a matching frame anywhere in the stack wins, so the more specific
// owners come first (a gzip encoding is made by serving, under the endpoint's handler).
type owner struct {
	name   string
	frames []string // substrings of function names
}

const modPrefix = "github.com/statsig-operator/statsig-operator/"

var owners = []owner{
	{"proxy encodings (gzip, brotli per revision)", []string{
		modPrefix + "serving.(*Payload).Gzip", modPrefix + "serving.(*Payload).Brotli",
	}},
	{"client initialize response / OFREP (entity index, responses)", []string{
		modPrefix + "serving.newEntities", modPrefix + "serving.(*Project).Entities",
		modPrefix + "endpoint.", modPrefix + "evaluator.(*Evaluator).ClientInitializeResponse",
	}},
	{"stored compressed payload (zstd, served by the forward proxy)", []string{"\x00payload"}}, // see classify
	{"evaluator snapshot", []string{modPrefix + "evaluator."}},
	{"controller download, validation and compression", []string{
		modPrefix + "controllers.", modPrefix + "statsig.", modPrefix + "snapshot.Compress",
		modPrefix + "snapshot.(*Store).Write",
	}},
	{"event pipeline", []string{modPrefix + "eventlog."}},
	{"admission webhook", []string{modPrefix + "webhook.", modPrefix + "inject."}},
	{"informer caches: snapshot chunk Secret data", []string{"\x00secretdata"}}, // see classify
	{"informer caches: other objects (Secrets' metadata, StatsigSpecs, workloads, ...)", []string{
		"k8s.io/client-go/tools/cache.", "sigs.k8s.io/controller-runtime/pkg/cache.",
		"k8s.io/apimachinery/pkg/watch.", "k8s.io/client-go/rest.",
	}},
	{"Kubernetes client, scheme and REST mappings", []string{
		"k8s.io/", "sigs.k8s.io/",
	}},
	{"process start-up (package init, flags, logging, metrics)", []string{
		"runtime.doInit", "main.main", "github.com/prometheus/", "go.uber.org/zap",
	}},
}

// classify returns the owner of one sample's stack. Secret data is recognised as the
// base64-decoded []byte of a JSON decode under an informer (ConfigMaps hold strings).
func classify(s *profile.Sample) string {
	var names []string
	for _, loc := range s.Location {
		for _, l := range loc.Line {
			if l.Function != nil {
				names = append(names, l.Function.Name)
			}
		}
	}
	has := func(sub string) bool {
		return slices.ContainsFunc(names, func(n string) bool { return strings.Contains(n, sub) })
	}
	for _, o := range owners {
		if o.frames[0] == "\x00payload" {
			// The consumer's read of the chunks, or the controller's compression output (the
			// blob it hands to the consumer), not the encoder's own buffers.
			if has(modPrefix+"snapshot.(*Store).Read") ||
				has(modPrefix+"snapshot.CompressSized") && (has("bytes.growSlice") || has("bytes.Clone")) {
				return o.name
			}
			continue
		}
		if o.frames[0] == "\x00secretdata" {
			if (has("k8s.io/client-go/tools/cache.") || has("k8s.io/apimachinery/pkg/watch.")) &&
				(has("encoding/base64") || has("literalStore") || has("(*Secret).Unmarshal")) {
				return o.name
			}
			continue
		}
		if slices.ContainsFunc(o.frames, has) {
			return o.name
		}
	}
	return "other (runtime, libraries)"
}

// breakdown is the heap of one moment by owner: live bytes (inuse_space after a GC) and the
// bytes allocated since the base profile (alloc_space, the phase's churn).
type breakdown struct {
	owner            string
	live, allocated  int64
	liveObj, allocOb int64
}

func summarize(path, base string) ([]breakdown, error) {
	p, err := readProfile(path)
	if err != nil {
		return nil, err
	}
	if base != "" {
		b, err := readProfile(base)
		if err != nil {
			return nil, err
		}
		// The base's cumulative allocations are subtracted; its live bytes are not (the
		// merge adds the negated base, so restore inuse from p alone below).
		b.Scale(-1)
		for _, s := range b.Sample {
			s.Value[idx(b, "inuse_space")] = 0
			s.Value[idx(b, "inuse_objects")] = 0
		}
		if p, err = profile.Merge([]*profile.Profile{p, b}); err != nil {
			return nil, err
		}
	}
	iLive, iAlloc := idx(p, "inuse_space"), idx(p, "alloc_space")
	iLiveObj, iAllocObj := idx(p, "inuse_objects"), idx(p, "alloc_objects")
	by := map[string]*breakdown{}
	for _, s := range p.Sample {
		o := classify(s)
		b := by[o]
		if b == nil {
			b = &breakdown{owner: o}
			by[o] = b
		}
		b.live += s.Value[iLive]
		b.allocated += s.Value[iAlloc]
		b.liveObj += s.Value[iLiveObj]
		b.allocOb += s.Value[iAllocObj]
	}
	out := make([]breakdown, 0, len(by))
	for _, b := range by {
		out = append(out, *b)
	}
	slices.SortFunc(out, func(a, b breakdown) int { return cmp.Compare(b.live, a.live) })
	return out, nil
}

func idx(p *profile.Profile, typ string) int {
	for i, st := range p.SampleType {
		if st.Type == typ {
			return i
		}
	}
	return 0
}

func readProfile(path string) (*profile.Profile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }()
	return profile.Parse(f)
}

// printBreakdown writes the Markdown table of one moment's heap by owner.
func printBreakdown(w io.Writer, title string, rows []breakdown, withAlloc bool) {
	_, _ = fmt.Fprintf(w, "\n%s\n\n", title)
	if withAlloc {
		_, _ = fmt.Fprintln(w, "| owner | live heap MB | allocated during the phase MB |")
		_, _ = fmt.Fprintln(w, "|---|---|---|")
	} else {
		_, _ = fmt.Fprintln(w, "| owner | live heap MB |")
		_, _ = fmt.Fprintln(w, "|---|---|")
	}
	var live, alloc int64
	for _, r := range rows {
		live += r.live
		alloc += r.allocated
		if withAlloc {
			_, _ = fmt.Fprintf(w, "| %s | %.1f | %.1f |\n", r.owner, mb(r.live), mb(r.allocated))
		} else {
			_, _ = fmt.Fprintf(w, "| %s | %.1f |\n", r.owner, mb(r.live))
		}
	}
	if withAlloc {
		_, _ = fmt.Fprintf(w, "| **total (heap profile)** | **%.1f** | **%.1f** |\n", mb(live), mb(alloc))
	} else {
		_, _ = fmt.Fprintf(w, "| **total (heap profile)** | **%.1f** |\n", mb(live))
	}
}

// printAccount writes where a settled moment's resident memory goes: the live heap by owner
// (the heap profile, scaled to go_gc_heap_live_bytes), then what the runtime holds besides
// it (its /metrics) and the file-backed pages, against the RSS sampled from /proc.
func printAccount(w io.Writer, r row) error {
	rows, err := summarize(r.profile, r.base)
	if err != nil {
		return err
	}
	st := r.stats
	var total int64
	for _, b := range rows {
		total += b.live
	}
	_, _ = fmt.Fprintf(w, "\nWhere the RSS goes, %s %s (heap profile %s", r.process, r.moment, r.profile)
	if r.base != "" {
		_, _ = fmt.Fprintf(w, "; allocated since %s", r.base)
	}
	_, _ = fmt.Fprintln(w, "):")
	_, _ = fmt.Fprintln(w)
	if r.base != "" {
		_, _ = fmt.Fprintln(w, "| owner | MB | allocated during the phase MB |")
		_, _ = fmt.Fprintln(w, "|---|---|---|")
	} else {
		_, _ = fmt.Fprintln(w, "| owner | MB |")
		_, _ = fmt.Fprintln(w, "|---|---|")
	}
	live := st["go_gc_heap_live_bytes"]
	scale := 1.0
	if total > 0 && live > 0 {
		scale = live / float64(total)
	}
	var sum float64
	for _, b := range rows {
		v := float64(b.live) * scale
		sum += v
		if r.base != "" {
			_, _ = fmt.Fprintf(w, "| heap: %s | %.1f | %.1f |\n", b.owner, v/1e6, mb(b.allocated))
		} else {
			_, _ = fmt.Fprintf(w, "| heap: %s | %.1f |\n", b.owner, v/1e6)
		}
	}
	rest := []struct {
		name string
		v    float64
	}{
		{"heap: spans in use beyond the live objects (HeapInuse − live)", st["go_memstats_heap_inuse_bytes"] - live},
		{"heap: free, not returned to the OS (HeapIdle − HeapReleased)",
			st["go_memstats_heap_idle_bytes"] - st["go_memstats_heap_released_bytes"]},
		{"goroutine stacks", st["go_memstats_stack_inuse_bytes"]},
		{"runtime metadata (spans, GC, profiling buckets, other)", st["go_memstats_mspan_inuse_bytes"] +
			st["go_memstats_mcache_inuse_bytes"] + st["go_memstats_gc_sys_bytes"] + st["go_memstats_buck_hash_sys_bytes"] +
			st["go_memstats_other_sys_bytes"]},
		{"program image and other file-backed pages (RssFile)", float64(r.file << 10)},
	}
	tail := ""
	if r.base != "" {
		tail = " |"
	}
	for _, x := range rest {
		sum += x.v
		_, _ = fmt.Fprintf(w, "| %s | %.1f |%s\n", x.name, x.v/1e6, tail)
	}
	rss := float64(r.rss << 10)
	_, _ = fmt.Fprintf(w,
		"| not accounted for (RSS − the above; runtime memory not all resident counts negative) | %.1f |%s\n",
		(rss-sum)/1e6, tail)
	_, _ = fmt.Fprintf(w, "| **RSS** | **%.1f** |%s\n", rss/1e6, tail)
	return nil
}
