package endpoint

import (
	"bufio"
	"bytes"
	"encoding/json"
	"maps"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/statsig-operator/statsig-operator/evaluator"
	"github.com/statsig-operator/statsig-operator/serving"
)

// BenchmarkResponseCache is the per-request cost of a client initialize response and an
// OFREP bulk evaluation (issue 20 item 3) through Server.Handler(): "uncached" (no cache, one
// user), "hit" (the same user again: every request a hit) and "zipf" (the cache at its
// bound, requests cycling through a fixed stream of 10,000 over CACHE_BENCH_USERS distinct
// users, default 1,000, drawn Zipf s=1.1; reports hit_ratio, bypass_ratio and resp_bytes).
// The payload is STATSIG_OPERATOR_CACHE_PAYLOAD (default the eval fixture); users come from
// users.jsonl beside it when there is one (hack/bench/gen). CACHE_BENCH_BYTES sets the bound
// (default DefaultResponseCacheBytes).
//
//	go test ./endpoint -run '^$' -bench ResponseCache -benchmem -p 1
//	STATSIG_OPERATOR_CACHE_PAYLOAD=/tmp/cache-gen1/dcs_v2.json go test ./endpoint -run '^$' \
//	  -bench 'ResponseCache/.*/zipf' -benchtime 10000x -benchmem -p 1
func BenchmarkResponseCache(b *testing.B) {
	raw, users := cacheBenchInput(b)
	p := projectFrom(b, "bench", raw, evaluator.Options{})
	bound := int64(DefaultResponseCacheBytes)
	if v, err := strconv.ParseInt(os.Getenv("CACHE_BENCH_BYTES"), 10, 64); err == nil && v > 0 {
		bound = v
	}
	distinct := min(1000, len(users))
	if v, err := strconv.Atoi(os.Getenv("CACHE_BENCH_USERS")); err == nil && v > 0 {
		distinct = min(v, len(users))
	}
	stream := zipfStream(distinct)
	routes := []struct {
		name, path string
		body       func(user string) string
	}{
		{"client_initialize", "/v1/get_client_initialize_response", func(u string) string { return `{"user":` + u + `}` }},
		{"ofrep_bulk", "/ofrep/v1/evaluate/flags", func(u string) string { return `{"context":` + benchContext(u) + `}` }},
	}
	for _, rt := range routes {
		for _, mode := range []string{"uncached", "hit", "zipf"} {
			b.Run(rt.name+"/"+mode, func(b *testing.B) {
				reg := serving.NewRegistry()
				reg.Set(p)
				opts := Options{Registry: reg, Metrics: prometheus.NewRegistry(), MaxBodyBytes: 1 << 20}
				if mode != "uncached" {
					opts.ResponseCacheBytes = bound
				}
				srv, err := NewServer(opts)
				if err != nil {
					b.Fatal(err)
				}
				h := srv.Handler()
				bodies := make([][]byte, distinct)
				for i := range bodies {
					bodies[i] = []byte(rt.body(users[i]))
				}
				body := &benchBody{}
				req := httptest.NewRequest(http.MethodPost, rt.path, body)
				req.Header.Set("Statsig-Api-Key", testKey)
				req.Header.Set("Content-Type", "application/json")
				w := &benchWriter{h: http.Header{}}
				var respBytes int64
				send := func(raw []byte) {
					body.Reset(raw)
					req.ContentLength = int64(len(raw))
					w.reset()
					h.ServeHTTP(w, req)
					if w.code != http.StatusOK {
						b.Fatalf("%d %.300s", w.code, w.body.String())
					}
					respBytes += int64(w.body.Len())
				}
				if mode == "hit" {
					send(bodies[0])
				}
				m := srv.cacheMetrics
				counts := func() [3]float64 {
					return [3]float64{testutil.ToFloat64(m.hits.WithLabelValues(rt.name)),
						testutil.ToFloat64(m.misses.WithLabelValues(rt.name)),
						testutil.ToFloat64(m.bypassed.WithLabelValues(rt.name))}
				}
				before := counts()
				respBytes = 0
				b.ReportAllocs()
				b.ResetTimer()
				i := 0
				for b.Loop() {
					switch mode {
					case "zipf":
						send(bodies[stream[i%len(stream)]])
					default:
						send(bodies[0])
					}
					i++
				}
				b.StopTimer()
				after := counts()
				hits, misses, bypassed := after[0]-before[0], after[1]-before[1], after[2]-before[2]
				if n := hits + misses + bypassed; n > 0 {
					b.ReportMetric(hits/n, "hit_ratio")
					b.ReportMetric(bypassed/n, "bypass_ratio")
				}
				b.ReportMetric(float64(respBytes)/float64(i), "resp_bytes")
				if srv.cache != nil {
					used, entries := srv.cache.stats()
					b.ReportMetric(float64(used), "cache_bytes")
					b.ReportMetric(float64(entries), "cache_entries")
				}
			})
		}
	}
}

// cacheBenchInput is the benchmark's payload and users (JSON objects).
func cacheBenchInput(b *testing.B) ([]byte, []string) {
	path := os.Getenv("STATSIG_OPERATOR_CACHE_PAYLOAD")
	if path == "" {
		path = filepath.Join(fixtures(b), "server-core/eval_proj_dcs.json")
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	var users []string
	if f, err := os.Open(filepath.Join(filepath.Dir(path), "users.jsonl")); err == nil {
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			if line := bytes.TrimSpace(sc.Bytes()); len(line) > 0 {
				users = append(users, string(line))
			}
		}
		_ = f.Close()
	}
	for i := len(users); i < 1000; i++ {
		users = append(users, `{"userID":"user-`+strconv.Itoa(i)+`","email":"u`+strconv.Itoa(i)+
			`@example.com","country":"US","custom":{"plan":"pro","level":`+strconv.Itoa(i%7)+`}}`)
	}
	return raw, users
}

// benchContext is the OFREP context of a user: its fields at the top level (custom fields
// flattened), userID as targetingKey.
func benchContext(user string) string {
	var m map[string]any
	_ = json.Unmarshal([]byte(user), &m)
	ctx := map[string]any{}
	for k, v := range m {
		switch k {
		case "userID":
			ctx["targetingKey"] = v
		case "custom":
			if c, ok := v.(map[string]any); ok {
				maps.Copy(ctx, c)
			}
		case "statsigEnvironment", "privateAttributes":
		default:
			ctx[k] = v
		}
	}
	out, _ := json.Marshal(ctx)
	return string(out)
}

// zipfStream is the benchmarks' request stream: 10,000 user indexes in [0, distinct), Zipf
// s=1.1 (a few users return often, most rarely), fixed seed.
func zipfStream(distinct int) []int {
	z := rand.NewZipf(rand.New(rand.NewPCG(1, 2)), 1.1, 1, uint64(distinct-1))
	stream := make([]int, 10000)
	for i := range stream {
		stream[i] = int(z.Uint64())
	}
	return stream
}

// BenchmarkResponseCacheHitRatio runs the Zipf stream of BenchmarkResponseCache through the
// cache with bodies of a fixed size (the mean response of the 1 MB and 62 MB generated
// payloads: 86 KB and 5.2 MB) and reports the hit ratio per bound: what a 62 MB payload's
// 10,000 requests would see, without computing them (~30 min). At 1 MB it matches the
// measured ratio of BenchmarkResponseCache's zipf (0.856 at 32 MiB).
//
//	go test ./endpoint -run '^$' -bench ResponseCacheHitRatio -benchtime 1x -p 1
func BenchmarkResponseCacheHitRatio(b *testing.B) {
	for _, size := range []int{86_000, 5_220_000} {
		for _, bound := range []int64{32 << 20, 128 << 20, 512 << 20, 2 << 30} {
			for _, distinct := range []int{1000, 10000} {
				name := "resp_" + strconv.Itoa(size/1000) + "KB/bound_" + strconv.FormatInt(bound>>20, 10) +
					"MiB/users_" + strconv.Itoa(distinct)
				b.Run(name, func(b *testing.B) {
					stream := zipfStream(distinct)
					body := make([]byte, size)
					var hits int
					for b.Loop() {
						c := newResponseCache(bound, newCacheMetrics(nil))
						hits = 0
						for _, u := range stream {
							var k cacheKey
							copy(k[:], strconv.Itoa(u))
							if _, _, ok := c.get(k, 0); ok {
								hits++
								continue
							}
							c.put(k, "p", body, `"e"`, 0, evaluator.Forever)
						}
					}
					b.ReportMetric(float64(hits)/float64(len(stream)), "hit_ratio")
				})
			}
		}
	}
}
