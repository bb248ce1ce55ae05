package grpcproxy

import (
	"io"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/statsig-operator/statsig-operator/serving"
	"github.com/statsig-operator/statsig-operator/specstream"
)

func TestGetConfigSpec(t *testing.T) {
	reg := serving.NewRegistry()
	body := payloadJSON(1000, 2000)
	publish(t, reg, "prod", "r1", 1000, body)
	ts := startServer(t, Options{Registry: reg})
	c := dial(t, ts.addr)
	v1 := specstream.VersionV1
	tests := []struct {
		name     string
		req      specstream.ConfigSpecRequest
		wantCode codes.Code
		wantSpec string
	}{
		{name: "server key, no sinceTime", req: specstream.ConfigSpecRequest{SDKKey: serverKey, Version: v2()}, wantSpec: body},
		{name: "older sinceTime", req: specstream.ConfigSpecRequest{SDKKey: serverKey, Version: v2(), SinceTime: u64(999)}, wantSpec: body},
		{name: "current sinceTime", req: specstream.ConfigSpecRequest{SDKKey: serverKey, Version: v2(), SinceTime: u64(1000)}, wantSpec: specstream.NoUpdates},
		{name: "client key", req: specstream.ConfigSpecRequest{SDKKey: clientKey, Version: v2()}, wantCode: codes.PermissionDenied},
		{name: "unknown key", req: specstream.ConfigSpecRequest{SDKKey: "nope", Version: v2()}, wantCode: codes.PermissionDenied},
		{name: "no key", req: specstream.ConfigSpecRequest{Version: v2()}, wantCode: codes.Unauthenticated},
		{name: "no version means v1", req: specstream.ConfigSpecRequest{SDKKey: serverKey}, wantCode: codes.FailedPrecondition},
		{name: "v1 on a v2 project", req: specstream.ConfigSpecRequest{SDKKey: serverKey, Version: &v1}, wantCode: codes.FailedPrecondition},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := c.GetConfigSpec(ctxTimeout(t, 5*time.Second), &tt.req)
			if got := status.Code(err); got != tt.wantCode {
				t.Fatalf("code = %v (%v), want %v", got, err, tt.wantCode)
			}
			if err != nil {
				if s := status.Convert(err).Message(); len(s) == 0 || contains(s, serverKey) || contains(s, clientKey) {
					t.Fatalf("message %q must explain and never echo a key", s)
				}
				return
			}
			if resp.Spec != tt.wantSpec || resp.LastUpdated != 1000 {
				t.Fatalf("spec %d bytes, lastUpdated %d", len(resp.Spec), resp.LastUpdated)
			}
		})
	}
}

func contains(s, sub string) bool { return len(sub) > 0 && len(s) >= len(sub) && indexOf(s, sub) >= 0 }

func indexOf(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}

func recv(t *testing.T, s *specstream.Stream) *specstream.ConfigSpecResponse {
	t.Helper()
	m, err := s.Recv()
	if err != nil {
		t.Fatalf("Recv: %v", err)
	}
	return m
}

func TestStreamPushesRevisions(t *testing.T) {
	reg := serving.NewRegistry()
	publish(t, reg, "prod", "r1", 1000, payloadJSON(1000, 500))
	ts := startServer(t, Options{Registry: reg, Heartbeat: 300 * time.Millisecond})
	c := dial(t, ts.addr)
	st, err := c.Stream(ctxTimeout(t, 20*time.Second), &specstream.ConfigSpecRequest{SDKKey: serverKey, Version: v2()})
	if err != nil {
		t.Fatal(err)
	}
	if m := recv(t, st); m.LastUpdated != 1000 || m.Spec != payloadJSON(1000, 500) {
		t.Fatalf("first message: lastUpdated %d", m.LastUpdated)
	}
	// An overrides change (Notify) is not a new payload: the next message is a heartbeat.
	reg.Notify("prod")
	if m := recv(t, st); m.Spec != specstream.NoUpdates || m.LastUpdated != 1000 {
		t.Fatalf("want heartbeat, got %q (%d)", m.Spec[:min(len(m.Spec), 40)], m.LastUpdated)
	}
	body2 := payloadJSON(2000, 800)
	publish(t, reg, "prod", "r2", 2000, body2)
	if m := recv(t, st); m.LastUpdated != 2000 || m.Spec != body2 {
		t.Fatalf("push: lastUpdated %d", m.LastUpdated)
	}
	// Deleting the project ends the stream with UNAVAILABLE: the client retries elsewhere.
	reg.Delete("prod")
	if _, err := st.Recv(); status.Code(err) != codes.Unavailable {
		t.Fatalf("after delete: %v, want Unavailable", err)
	}
}

func TestStreamCurrentCallerGetsNoUpdates(t *testing.T) {
	reg := serving.NewRegistry()
	publish(t, reg, "prod", "r1", 1000, payloadJSON(1000, 500))
	ts := startServer(t, Options{Registry: reg})
	st, err := dial(t, ts.addr).Stream(ctxTimeout(t, 10*time.Second),
		&specstream.ConfigSpecRequest{SDKKey: serverKey, Version: v2(), SinceTime: u64(1000)})
	if err != nil {
		t.Fatal(err)
	}
	if m := recv(t, st); m.Spec != specstream.NoUpdates || m.LastUpdated != 1000 {
		t.Fatalf("got %q", m.Spec)
	}
}

func TestStreamBoundAndShutdown(t *testing.T) {
	reg := serving.NewRegistry()
	publish(t, reg, "prod", "r1", 1000, payloadJSON(1000, 100))
	ts := startServer(t, Options{Registry: reg, MaxStreams: 2})
	c := dial(t, ts.addr)
	ctx := ctxTimeout(t, 10*time.Second)
	var open []*specstream.Stream
	for range 2 {
		st, err := c.Stream(ctx, &specstream.ConfigSpecRequest{SDKKey: serverKey, Version: v2()})
		if err != nil {
			t.Fatal(err)
		}
		recv(t, st)
		open = append(open, st)
	}
	st, err := c.Stream(ctx, &specstream.ConfigSpecRequest{SDKKey: serverKey, Version: v2()})
	if err == nil {
		_, err = st.Recv()
	}
	if status.Code(err) != codes.ResourceExhausted {
		t.Fatalf("third stream: %v, want ResourceExhausted", err)
	}
	// Errors never take a slot: a rejected key does not count.
	if _, err := c.GetConfigSpec(ctx, &specstream.ConfigSpecRequest{SDKKey: serverKey, Version: v2()}); err != nil {
		t.Fatalf("unary calls are not bounded by MaxStreams: %v", err)
	}
	start := time.Now()
	ts.stop()
	for i, st := range open {
		if _, err := st.Recv(); status.Code(err) != codes.Unavailable && err != io.EOF {
			t.Fatalf("stream %d after shutdown: %v, want Unavailable", i, err)
		}
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("shutdown took %s with open streams", d)
	}
}
