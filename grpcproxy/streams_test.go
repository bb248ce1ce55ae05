package grpcproxy

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/mem"
	"google.golang.org/grpc/status"

	"github.com/statsig-operator/statsig-operator/serving"
	"github.com/statsig-operator/statsig-operator/specstream"
)

// follower is a streaming client as Server Core's gRPC adapter behaves: it keeps the lcut it
// holds, and when a stream ends it reconnects (here: to the next replica) sending that lcut.
type follower struct {
	clients []*specstream.Client // one per replica
	mu      sync.Mutex
	seen    []uint64 // lcuts of the payloads received, in order
	got     chan uint64
}

func (f *follower) last() uint64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.seen) == 0 {
		return 0
	}
	return f.seen[len(f.seen)-1]
}

func (f *follower) run(ctx context.Context, start int) {
	for i := start; ctx.Err() == nil; i++ {
		req := &specstream.ConfigSpecRequest{SDKKey: serverKey, Version: v2()}
		if l := f.last(); l > 0 {
			req.SinceTime = new(l)
		}
		st, err := f.clients[i%len(f.clients)].Stream(ctx, req)
		for err == nil {
			var m *specstream.ConfigSpecResponse
			if m, err = st.Recv(); err == nil && m.Spec != specstream.NoUpdates {
				f.mu.Lock()
				f.seen = append(f.seen, m.LastUpdated)
				f.mu.Unlock()
				select {
				case f.got <- m.LastUpdated:
				default:
				}
			}
		}
		if c := status.Code(err); c != codes.Unavailable && c != codes.Canceled && ctx.Err() == nil {
			panic(fmt.Sprintf("stream ended with %v", err))
		}
		time.Sleep(20 * time.Millisecond) // Server Core backs off 3 s; the test need not
	}
}

// waitAll waits until every follower holds lcut.
func waitAll(t *testing.T, fs []*follower, lcut uint64, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for _, f := range fs {
		for f.last() < lcut {
			if time.Now().After(deadline) {
				t.Fatalf("a follower holds %d, want %d within %s", f.last(), lcut, within)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
}

// TestThousandStreamsFailover: 1,000 streams on two replicas receive every new revision;
// when one replica stops, its streams end with UNAVAILABLE, reconnect to the other with their
// lcut and receive the revision published meanwhile: none is lost, none is received twice.
func TestThousandStreamsFailover(t *testing.T) {
	const n = 1000
	regA, regB := serving.NewRegistry(), serving.NewRegistry()
	both := func(rev string, lcut int64) {
		body := payloadJSON(lcut, 20<<10)
		publish(t, regA, rev, lcut, body)
		publish(t, regB, rev, lcut, body)
	}
	both("r1", 1000)
	a := startServer(t, Options{Registry: regA, MaxStreams: 2 * n})
	b := startServer(t, Options{Registry: regB, MaxStreams: 2 * n})
	// Clients share connections as pods of a Deployment would not; 50 per replica is enough
	// for the server to see many connections without the test opening 2,000 sockets.
	var conns [2][]*specstream.Client
	for i := range 50 {
		_ = i
		conns[0] = append(conns[0], dial(t, a.addr))
		conns[1] = append(conns[1], dial(t, b.addr))
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	fs := make([]*follower, n)
	for i := range fs {
		fs[i] = &follower{clients: []*specstream.Client{conns[0][i%50], conns[1][i%50]}, got: make(chan uint64, 1)}
		wg.Go(func() { fs[i].run(ctx, i%2) })
	}
	defer func() { cancel(); wg.Wait() }()
	waitAll(t, fs, 1000, 30*time.Second)
	both("r2", 2000)
	waitAll(t, fs, 2000, 30*time.Second)

	a.stop() // half the streams end and reconnect to b
	both("r3", 3000)
	waitAll(t, fs, 3000, 30*time.Second)
	for i, f := range fs {
		f.mu.Lock()
		seen := slices.Clone(f.seen)
		f.mu.Unlock()
		if !slices.Equal(seen, []uint64{1000, 2000, 3000}) {
			t.Fatalf("follower %d saw %v, want each revision once, in order", i, seen)
		}
	}
	if got := b.srv.streams.Load(); got != n {
		t.Fatalf("replica b holds %d streams, want %d", got, n)
	}
}

// BenchmarkPush measures, for 1,000 open streams, the time from this replica publishing a
// revision to each stream having received all of its bytes, reported as p50 and p99 over every
// stream of every push, plus the heap and stacks per idle stream (both ends: clients run in
// this process). The clients count the bytes instead of decoding them, so the figure is the
// server's and the transport's, not a client's JSON handling.
// STATSIG_OPERATOR_PUSH_PAYLOAD names a payload file to push instead of a generated 1 MB one;
// STATSIG_OPERATOR_PUSH_STREAMS changes the number of streams.
//
//	go test ./grpcproxy -run XXX -bench Push -benchtime 10x -benchmem
func BenchmarkPush(b *testing.B) {
	streams := 1000
	if v := os.Getenv("STATSIG_OPERATOR_PUSH_STREAMS"); v != "" {
		_, _ = fmt.Sscan(v, &streams)
	}
	body := payloadJSON(1, 1<<20)
	if path := os.Getenv("STATSIG_OPERATOR_PUSH_PAYLOAD"); path != "" {
		raw, err := os.ReadFile(path)
		if err != nil {
			b.Fatal(err)
		}
		body = string(raw)
	}
	reg := serving.NewRegistry()
	publish(b, reg, "r0", 1, body)
	ts := startServer(b, Options{Registry: reg, MaxStreams: streams})
	conns := make([]*grpc.ClientConn, 100)
	for i := range conns {
		c, err := grpc.NewClient("passthrough:///"+ts.addr, grpc.WithTransportCredentials(insecure.NewCredentials()),
			grpc.WithDefaultCallOptions(grpc.ForceCodecV2(countingCodec{}), grpc.MaxCallRecvMsgSize(1<<30)))
		if err != nil {
			b.Fatal(err)
		}
		defer func() { _ = c.Close() }()
		conns[i] = c
	}
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	arrivals := make(chan time.Time, streams)
	var ready sync.WaitGroup
	desc := &grpc.StreamDesc{StreamName: specstream.MethodStreamSpecs, ServerStreams: true}
	method := "/" + specstream.ServiceName + "/" + specstream.MethodStreamSpecs
	lastUpdated := uint64(1)
	for i := range streams {
		ready.Add(1)
		go func() {
			cs, err := conns[i%len(conns)].NewStream(ctx, desc, method)
			if err == nil {
				err = cs.SendMsg(&specstream.ConfigSpecRequest{SDKKey: serverKey, Version: v2(), SinceTime: &lastUpdated})
			}
			if err == nil {
				err = cs.CloseSend()
			}
			var n int
			if err == nil {
				err = cs.RecvMsg(&n) // has_updates:false: the stream is open
			}
			if err != nil {
				panic(err)
			}
			ready.Done()
			for {
				if err := cs.RecvMsg(&n); err != nil {
					if ctx.Err() != nil {
						return
					}
					panic(err)
				}
				if n > len(specstream.NoUpdates)+16 {
					arrivals <- time.Now()
				}
			}
		}()
	}
	ready.Wait()
	var after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&after)
	grown := int64(after.HeapInuse+after.StackInuse) - int64(before.HeapInuse+before.StackInuse)
	perStream := float64(grown) / float64(streams)

	lat := make([]time.Duration, 0, streams*b.N)
	b.ResetTimer()
	for i := range b.N {
		lcut := int64(i + 2)
		// A new content each time: the same content stored again is not pushed.
		next := fmt.Sprintf(`{"bench_push":%d,`, lcut) + body[1:]
		p := &serving.Project{Name: "prod", Revision: fmt.Sprint("r", lcut), Payload: newPayload(b, "v2", lcut, next)}
		p.SetKeys(serving.ServerKey(serverKey))
		start := time.Now()
		reg.Set(p)
		for range streams {
			lat = append(lat, (<-arrivals).Sub(start))
		}
	}
	b.StopTimer()
	slices.Sort(lat)
	pct := func(q float64) float64 { return float64(lat[int(q*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(pct(0.5), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(float64(lat[len(lat)-1].Microseconds())/1000, "max-ms")
	b.ReportMetric(perStream/1024, "KiB/idle-stream")
	b.ReportMetric(float64(len(body))*float64(streams)/(float64(lat[len(lat)-1].Nanoseconds())/1e9)/(1<<20), "MiB/s-last")
}

// countingCodec receives a message as its length only.
type countingCodec struct{}

func (countingCodec) Name() string { return "proto" }

func (countingCodec) Marshal(v any) (mem.BufferSlice, error) {
	return mem.BufferSlice{mem.SliceBuffer(v.(*specstream.ConfigSpecRequest).Marshal())}, nil
}

func (countingCodec) Unmarshal(data mem.BufferSlice, v any) error {
	*v.(*int) = data.Len()
	return nil
}
