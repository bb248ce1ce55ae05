package grpcproxy

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/statsig-operator/statsig-operator/serving"
	"github.com/statsig-operator/statsig-operator/specstream"
)

const (
	serverKey = "secret-grpc-test"
	clientKey = "client-grpc-test"
)

// payloadJSON is a v2-shaped payload of about size bytes with lcut time.
func payloadJSON(time int64, size int) string {
	head := fmt.Sprintf(`{"time":%d,"has_updates":true,"feature_gates":{},"pad":"`, time)
	pad := max(size-len(head)-2, 0)
	return head + strings.Repeat("p", pad) + `"}`
}

func newPayload(t testing.TB, format string, time int64, body string) *serving.Payload {
	t.Helper()
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(body))
	return serving.NewPayload(format, time, int64(len(body)), hex.EncodeToString(sum[:]), enc.EncodeAll([]byte(body), nil))
}

// publish serves body (lcut time) as project name's revision rev on reg.
func publish(t testing.TB, reg *serving.Registry, name, rev string, time int64, body string) {
	t.Helper()
	p := &serving.Project{Name: name, Revision: rev, Payload: newPayload(t, "v2", time, body)}
	p.SetKeys(serving.ServerKey(serverKey), serving.ClientKey(clientKey))
	reg.Set(p)
}

type testServer struct {
	srv    *Server
	addr   string
	cancel context.CancelFunc
	done   chan error
}

func startServer(t testing.TB, opts Options) *testServer {
	t.Helper()
	if opts.Addr == "" {
		opts.Addr = "127.0.0.1:0"
	}
	srv, err := NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ts := &testServer{srv: srv, addr: ln.Addr().String(), cancel: cancel, done: make(chan error, 1)}
	go func() { ts.done <- srv.Serve(ctx, ln) }()
	t.Cleanup(ts.stop)
	return ts
}

// stop shuts the server down and waits for it.
func (ts *testServer) stop() {
	if ts.cancel == nil {
		return
	}
	ts.cancel()
	ts.cancel = nil
	<-ts.done
}

func dial(t testing.TB, addr string) *specstream.Client {
	t.Helper()
	conn, err := grpc.NewClient("passthrough:///"+addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return specstream.NewClient(conn)
}

func v2() *int32 { v := specstream.VersionV2; return &v }

func u64(v uint64) *uint64 { return &v }

func ctxTimeout(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}
