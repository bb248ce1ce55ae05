package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/klauspost/compress/zstd"
)

func cases() []abuseCase {
	return []abuseCase{
		{
			name:  "one check_gate: 1,500 gate names, a 250 KB userID",
			bound: "400; peak RSS +64 MB at most",
			run: func(p *proc) (string, bool) {
				code, _ := p.post("/v1/check_gate", checkGateBody(1500, strings.Repeat("u", 250<<10), 0))
				peak := p.peakAboveIdleMB()
				return fmt.Sprintf("%d; peak +%.1f MB", code, peak), code == 400 && peak <= 64
			},
		},
		{
			name:  "20 check_gates: 1,500 gates each, IDs at the 1 KiB cap, logging on, Statsig hanging",
			bound: "200; peak RSS +64 MB at most",
			hang:  true,
			run: func(p *proc) (string, bool) {
				codes := map[int]int{}
				for i := range 20 {
					id := fmt.Sprintf("%04d", i) + strings.Repeat("u", 1020)
					code, _ := p.post("/v1/check_gate", checkGateBody(1500, id, 2))
					codes[code]++
				}
				peak := p.peakAboveIdleMB()
				return fmt.Sprintf("%v; peak +%.1f MB", codes, peak), codes[200] == 20 && peak <= 64
			},
		},
		{
			name:  "64 concurrent 1 MB bodies with 60,000 custom keys each",
			bound: "200 or 503 + Retry-After only; /healthz answers meanwhile; peak RSS +384 MB at most (chart limit 512 MiB)",
			run: func(p *proc) (string, bool) {
				body := customKeysBody(60000)
				var mu sync.Mutex
				codes := map[int]int{}
				var wg sync.WaitGroup
				for range 64 {
					wg.Go(func() {
						code, _ := p.post("/v1/check_gate", body)
						mu.Lock()
						codes[code]++
						mu.Unlock()
					})
				}
				health := p.get("/healthz")
				wg.Wait()
				peak := p.peakAboveIdleMB()
				ok := codes[200]+codes[503] == 64 && health == 200 && peak <= 384
				return fmt.Sprintf("%v (%d KB each); /healthz %d; peak +%.1f MB", codes, len(body)>>10, health, peak), ok
			},
		},
		{
			name:  "zstd bomb: 64 MB of JSON in a small zstd body",
			bound: "413; peak RSS +64 MB at most",
			run: func(p *proc) (string, bool) {
				enc, _ := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest))
				pad := strings.Repeat("x", 64<<20)
				bomb := enc.EncodeAll([]byte(`{"gateName":"g","user":{"userID":"u"},"pad":"`+pad+`"}`), nil)
				_ = enc.Close()
				code, _ := p.postBytes("/v1/check_gate", bomb, map[string]string{"Content-Encoding": "zstd"})
				peak := p.peakAboveIdleMB()
				return fmt.Sprintf("%d (%d KB sent); peak +%.1f MB", code, len(bomb)>>10, peak), code == 413 && peak <= 64
			},
		},
		{
			name:  "log_event: metadata {\"a\":1} and time \"123\", then a batch with one bad event",
			bound: "202 (values stringified), then 400 naming the event; never 5xx",
			run: func(p *proc) (string, bool) {
				const user = `{"user":{"userID":"u"},"events":[`
				good, _ := p.post("/v1/log_event", user+`{"eventName":"e","metadata":{"a":1},"time":"123"}]}`)
				bad, msg := p.post("/v1/log_event", user+`{"eventName":"e"},{"eventName":"x","value":{}}]}`)
				return fmt.Sprintf("%d, then %d (%s)", good, bad, strings.TrimSpace(msg)), good == 202 && bad == 400
			},
		},
		{
			name:  "300 custom events of 1 MB with Statsig hanging",
			bound: "202 each; queue at most 32 MiB (oldest dropped, counted); peak RSS +256 MB at most",
			hang:  true,
			run: func(p *proc) (string, bool) {
				blob := strings.Repeat("b", (1<<20)-512)
				codes := map[int]int{}
				for i := range 300 {
					body := fmt.Sprintf(`{"user":{"userID":"u"},"events":[{"eventName":"big%d","metadata":{"blob":"%s"}}]}`,
						i, blob)
					code, _ := p.post("/v1/log_event", body)
					codes[code]++
				}
				dropped := p.metric("statsig_operator_eventlog_events_dropped_total", `reason="queue_bytes"`)
				queued := p.metric("statsig_operator_eventlog_queue_bytes", "")
				peak := p.peakAboveIdleMB()
				ok := codes[202] == 300 && queued <= 32<<20 && peak <= 256
				return fmt.Sprintf("%v; %.0f dropped (queue_bytes); queue %.1f MB; peak +%.1f MB",
					codes, dropped, queued/(1<<20), peak), ok
			},
		},
		{
			name:  "SIGTERM with events queued and Statsig hanging",
			bound: "exits within the 5 s event budget + 1 s; undelivered events counted and logged",
			hang:  true,
			run: func(p *proc) (string, bool) {
				for i := range 50 {
					p.post("/v1/log_event", fmt.Sprintf(`{"user":{"userID":"u"},"events":[{"eventName":"e%d"}]}`, i))
				}
				p.post("/v1/check_gate", checkGateBody(10, "x", 0))
				took := p.terminate()
				return fmt.Sprintf("exited after %.1f s", took.Seconds()), took <= 6*time.Second
			},
		},
		{
			name:  "SIGTERM with 500 events queued and Statsig healthy",
			bound: "0 events lost",
			run: func(p *proc) (string, bool) {
				for i := range 500 {
					p.post("/v1/log_event", fmt.Sprintf(`{"user":{"userID":"u"},"events":[{"eventName":"e%d"}]}`, i))
				}
				took := p.terminate()
				got := p.events()
				return fmt.Sprintf("%d of 500 delivered; exited after %.1f s", got, took.Seconds()), got == 500
			},
		},
	}
}

// checkGateBody asks for n gates for a user with the given userID and extra custom IDs of
// the same length.
func checkGateBody(n int, userID string, customIDs int) string {
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("gate_%d", i)
	}
	names[0] = "test_public"
	ids := map[string]string{}
	for i := range customIDs {
		ids[fmt.Sprintf("id%d", i)] = userID
	}
	b, _ := json.Marshal(map[string]any{"gateNames": names, "user": map[string]any{"userID": userID, "customIDs": ids}})
	return string(b)
}

// customKeysBody is a check_gate for a user with n custom fields (~1 MB for 60,000).
func customKeysBody(n int) string {
	custom := make(map[string]string, n)
	for i := range n {
		custom[fmt.Sprintf("k%05d", i)] = "v"
	}
	user := map[string]any{"userID": "u", "custom": custom}
	b, _ := json.Marshal(map[string]any{"gateName": "test_public", "user": user})
	return string(b)
}
