package grpcproxy

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/keepalive"

	"github.com/statsig-operator/statsig-operator/serving"
	"github.com/statsig-operator/statsig-operator/specstream"
)

// Defaults of Options.
const (
	// DefaultAddr is statsig-forward-proxy's gRPC port.
	DefaultAddr = ":50051"
	// DefaultMaxStreams bounds open streams per replica; an idle stream costs at most 36 KiB
	// (docs/operations.md), so 1,000 fit the chart's memory limit beside a 62 MB project. The
	// clients are Server Core instances and chained clusters, not browsers: raise it knowingly.
	DefaultMaxStreams = 1000
	// DefaultHeartbeat is how often a stream without news gets {"has_updates":false}, as
	// statsig-forward-proxy does: it tells the client (and any proxy in between) the stream lives.
	DefaultHeartbeat       = 30 * time.Second
	DefaultShutdownTimeout = 10 * time.Second
	// keepalivePing is the HTTP/2 ping interval both ways; Server Core's client pings every 30 s
	// even when idle, which the enforcement policy must allow or the server would GOAWAY it.
	keepalivePing    = 30 * time.Second
	keepaliveTimeout = 10 * time.Second
	minClientPing    = 10 * time.Second
)

// Options configure a Server.
type Options struct {
	// Addr to listen on (DefaultAddr when empty).
	Addr string
	// Registry of served projects; required.
	Registry *serving.Registry
	// MaxStreams open at once (DefaultMaxStreams when 0); beyond it a stream gets
	// RESOURCE_EXHAUSTED, as from statsig-forward-proxy, and the client retries elsewhere.
	MaxStreams int
	// Heartbeat interval (DefaultHeartbeat when 0).
	Heartbeat time.Duration
	// ShutdownTimeout bounds the graceful stop after the streams were ended.
	ShutdownTimeout time.Duration
	// TLS, when set, serves gRPC over TLS only (Server Core's authenticationMode tls/mtls).
	TLS *tls.Config
	// Logger for lifecycle and internal errors (never keys).
	Logger logr.Logger
	// Metrics registers the statsig_operator_push_* series with kind="grpc" (nil: not registered).
	Metrics prometheus.Registerer
}

// Server is the gRPC forward proxy. It implements controller-runtime's manager.Runnable and
// LeaderElectionRunnable: every replica serves.
type Server struct {
	opts    Options
	log     logr.Logger
	feeds   *feeds
	metrics *metrics
	health  *health.Server

	streams  atomic.Int64
	stopping chan struct{} // closed when shutdown begins: streams end with UNAVAILABLE
	stopOnce sync.Once
	addr     chan net.Addr
}

// NewServer builds the server; Start serves it.
func NewServer(opts Options) (*Server, error) {
	if opts.Registry == nil {
		return nil, errors.New("grpcproxy: Options.Registry is required")
	}
	if opts.Addr == "" {
		opts.Addr = DefaultAddr
	}
	if opts.MaxStreams <= 0 {
		opts.MaxStreams = DefaultMaxStreams
	}
	if opts.Heartbeat <= 0 {
		opts.Heartbeat = DefaultHeartbeat
	}
	if opts.ShutdownTimeout <= 0 {
		opts.ShutdownTimeout = DefaultShutdownTimeout
	}
	if opts.Logger.GetSink() == nil {
		opts.Logger = logr.Discard()
	}
	s := &Server{
		opts:     opts,
		log:      opts.Logger,
		metrics:  newMetrics(opts.Metrics),
		health:   health.NewServer(),
		stopping: make(chan struct{}),
		addr:     make(chan net.Addr, 1),
	}
	s.feeds = newFeeds(opts.Registry, time.Now)
	return s, nil
}

// NeedLeaderElection is false: every replica serves.
func (s *Server) NeedLeaderElection() bool { return false }

// Addr returns the listening address once Start has bound it.
func (s *Server) Addr(ctx context.Context) (net.Addr, error) {
	select {
	case a := <-s.addr:
		s.addr <- a
		return a, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Start serves until ctx ends, then ends every stream with UNAVAILABLE (clients reconnect,
// through the Service, to another replica), and stops gracefully within ShutdownTimeout.
func (s *Server) Start(ctx context.Context) error {
	ln, err := net.Listen("tcp", s.opts.Addr)
	if err != nil {
		return fmt.Errorf("grpcproxy: %w", err)
	}
	return s.Serve(ctx, ln)
}

// Serve is Start on a listener the caller made.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	gs := grpc.NewServer(s.serverOptions()...)
	specstream.Register(gs, s)
	healthpb.RegisterHealthServer(gs, s.health)
	s.health.SetServingStatus("", healthpb.HealthCheckResponse_SERVING)
	s.health.SetServingStatus(specstream.ServiceName, healthpb.HealthCheckResponse_SERVING)
	s.addr <- ln.Addr()
	errc := make(chan error, 1)
	go func() { errc <- gs.Serve(ln) }()
	s.log.Info("Serving the gRPC forward proxy", "addr", ln.Addr().String(), "tls", s.opts.TLS != nil)
	select {
	case err := <-errc:
		return fmt.Errorf("grpcproxy: %w", err)
	case <-ctx.Done():
	}
	s.health.Shutdown()
	s.stopOnce.Do(func() { close(s.stopping) })
	done := make(chan struct{})
	go func() { gs.GracefulStop(); close(done) }()
	select {
	case <-done:
	case <-time.After(s.opts.ShutdownTimeout):
		gs.Stop()
		return fmt.Errorf("grpcproxy: calls still running after %s, closed", s.opts.ShutdownTimeout)
	}
	return nil
}

func (s *Server) serverOptions() []grpc.ServerOption {
	opts := []grpc.ServerOption{
		grpc.ForceServerCodecV2(specstream.NewCodec()),
		grpc.KeepaliveParams(keepalive.ServerParameters{Time: keepalivePing, Timeout: keepaliveTimeout}),
		grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{MinTime: minClientPing, PermitWithoutStream: true}),
		// Requests are a key and a few numbers: a large one is an attack, not a client.
		grpc.MaxRecvMsgSize(64 << 10),
		grpc.MaxConcurrentStreams(uint32(min(s.opts.MaxStreams+100, 1<<31-1))),
	}
	if s.opts.TLS != nil {
		opts = append(opts, grpc.Creds(credentials.NewTLS(s.opts.TLS)))
	}
	return opts
}
