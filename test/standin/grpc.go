package standin

import (
	"context"
	"fmt"
	"net"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/statsig-operator/statsig-operator/specstream"
)

// grpcServer is the stand-in's statsig-forward-proxy gRPC service (StatsigForwardProxy).
type grpcServer struct {
	s    *Server
	gs   *grpc.Server
	addr string
	stop chan struct{}
}

// StartGRPC serves statsig-forward-proxy's gRPC service on a free loopback port and returns
// its host:port: getConfigSpec, and StreamConfigSpec pushing the payload whenever it changes
// (SetPayload, SetGate, Bump). Keys are checked as for the HTTP routes.
func (s *Server) StartGRPC() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("standin: %w", err)
	}
	g := &grpcServer{s: s, gs: grpc.NewServer(grpc.ForceServerCodecV2(specstream.NewCodec())),
		addr: ln.Addr().String(), stop: make(chan struct{})}
	specstream.Register(g.gs, g)
	s.mu.Lock()
	s.grpc = g
	s.mu.Unlock()
	go func() { _ = g.gs.Serve(ln) }()
	return g.addr, nil
}

// StopGRPC ends every stream with UNAVAILABLE and stops the gRPC service (an upstream
// restart, as far as clients can tell).
func (s *Server) StopGRPC() {
	s.mu.Lock()
	g := s.grpc
	s.grpc = nil
	s.mu.Unlock()
	if g != nil {
		close(g.stop)
		g.gs.Stop()
	}
}

// changedLocked wakes the streams; s.mu is held.
func (s *Server) changedLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// current returns the payload of the requested version and the channel closed on its change.
func (g *grpcServer) current(req *specstream.ConfigSpecRequest) (
	body []byte, t int64, changed chan struct{}, err error) {
	if req.SDKKey == "" {
		return nil, 0, nil, status.Error(codes.Unauthenticated, "missing sdkKey")
	}
	if len(g.s.keys) > 0 && !g.s.keys[req.SDKKey] || g.s.forbidden[req.SDKKey] {
		return nil, 0, nil, status.Error(codes.PermissionDenied, "Unauthorized")
	}
	f := V1
	if req.Version != nil && *req.Version == specstream.VersionV2 {
		f = V2
	}
	g.s.mu.Lock()
	defer g.s.mu.Unlock()
	v := g.s.variants[f]
	if v == nil {
		return nil, 0, nil, status.Errorf(codes.NotFound, "no %s payload loaded", f)
	}
	g.s.stats.Requests["grpc_"+string(f)]++
	return v.body, v.time, g.s.changed, nil
}

func (g *grpcServer) response(body []byte, t int64, since uint64) *specstream.ConfigSpecResponse {
	if since > 0 && since >= uint64(t) {
		return &specstream.ConfigSpecResponse{Spec: specstream.NoUpdates, LastUpdated: uint64(t)}
	}
	return &specstream.ConfigSpecResponse{Spec: string(body), LastUpdated: uint64(t)}
}

// GetConfigSpec implements specstream.Handler.
func (g *grpcServer) GetConfigSpec(_ context.Context, req *specstream.ConfigSpecRequest) (any, error) {
	body, t, _, err := g.current(req)
	if err != nil {
		return nil, err
	}
	var since uint64
	if req.SinceTime != nil {
		since = *req.SinceTime
	}
	return g.response(body, t, since), nil
}

// StreamConfigSpec implements specstream.Handler.
func (g *grpcServer) StreamConfigSpec(req *specstream.ConfigSpecRequest, stream grpc.ServerStream) error {
	var since uint64
	if req.SinceTime != nil {
		since = *req.SinceTime
	}
	// As statsig-forward-proxy: a first message always (the payload, or has_updates:false),
	// then each newer payload.
	for first := true; ; first = false {
		body, t, changed, err := g.current(req)
		if err != nil {
			return err
		}
		if first || uint64(t) > since {
			if err := stream.SendMsg(g.response(body, t, since)); err != nil {
				return err
			}
			since = max(since, uint64(t))
		}
		select {
		case <-changed:
		case <-g.stop:
			return status.Error(codes.Unavailable, "stand-in gRPC stopped")
		case <-stream.Context().Done():
			return stream.Context().Err()
		}
	}
}
