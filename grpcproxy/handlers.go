package grpcproxy

import (
	"context"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/statsig-operator/statsig-operator/serving"
	"github.com/statsig-operator/statsig-operator/specstream"
)

// project resolves the request's key and format. Like the HTTP forward proxy, only a server
// secret key reads config specs; errors never echo the key.
func (s *Server) project(req *specstream.ConfigSpecRequest) (*serving.Project, error) {
	if req.SDKKey == "" {
		return nil, status.Error(codes.Unauthenticated, "missing sdkKey: send the project's server secret key")
	}
	p, scope := s.opts.Registry.Authorize(req.SDKKey)
	if p == nil {
		return nil, status.Error(codes.PermissionDenied, "sdkKey is not accepted by any served project")
	}
	if scope < serving.ScopeServer {
		return nil, status.Error(codes.PermissionDenied,
			"this key is a client key: streaming config specs needs the project's server secret key")
	}
	return p, nil
}

// checkFormat compares the requested version with the payload's format. An absent or zero
// version means v1, as for statsig-forward-proxy; Server Core asks for v2.
func checkFormat(p *serving.Project, pl *serving.Payload, req *specstream.ConfigSpecRequest) error {
	if pl == nil {
		return status.Errorf(codes.Unavailable, "project %q has no stored payload to serve yet", p.Name)
	}
	asked := "v1"
	if req.Version != nil {
		switch *req.Version {
		case specstream.VersionNone, specstream.VersionV1:
		case specstream.VersionV2:
			asked = "v2"
		default:
			return status.Errorf(codes.InvalidArgument, "version %d is not v1 or v2", *req.Version)
		}
	}
	if asked != pl.Format {
		return status.Errorf(codes.FailedPrecondition,
			"project %q serves %s config specs, not %s: request version %s or change the StatsigSpec's payloadFormat",
			p.Name, pl.Format, asked, pl.Format)
	}
	return nil
}

// response is the payload of rev for a caller holding since: the whole payload when it is
// newer, else {"has_updates":false} with the payload's lcut.
func (s *Server) response(rev *revision, since uint64) (any, error) {
	lcut := uint64(max(rev.payload.Time, 0))
	if since > 0 && since >= lcut {
		return &specstream.ConfigSpecResponse{Spec: specstream.NoUpdates, LastUpdated: lcut}, nil
	}
	enc, err := rev.encoded()
	if err != nil {
		s.log.Error(err, "Could not read the stored payload", "sha256", rev.payload.SHA256)
		return nil, status.Error(codes.Unavailable, "the stored payload could not be read; retry")
	}
	return enc, nil
}

// GetConfigSpec is the unary download.
func (s *Server) GetConfigSpec(_ context.Context, req *specstream.ConfigSpecRequest) (any, error) {
	p, err := s.project(req)
	if err != nil {
		return nil, err
	}
	rev := s.feeds.current(p.Name)
	if err := checkFormat(p, rev.payload, req); err != nil {
		return nil, err
	}
	return s.response(rev, deref(req.SinceTime))
}

// StreamConfigSpec sends the payload (or has_updates:false when the caller is current), then
// each new revision as this replica swaps it in, and a heartbeat when nothing changed for
// Heartbeat. It ends with UNAVAILABLE when the replica shuts down or stops serving the
// project, so the client reconnects (with its lcut, losing nothing) to another replica.
func (s *Server) StreamConfigSpec(req *specstream.ConfigSpecRequest, stream grpc.ServerStream) error {
	p, err := s.project(req)
	if err != nil {
		return err
	}
	if n := s.streams.Add(1); n > int64(s.opts.MaxStreams) {
		s.streams.Add(-1)
		s.metrics.rejected.Inc()
		return status.Errorf(codes.ResourceExhausted, "max concurrent streams (%d) reached on this replica", s.opts.MaxStreams)
	}
	s.metrics.streams.Inc()
	defer func() { s.streams.Add(-1); s.metrics.streams.Dec() }()

	rev := s.feeds.current(p.Name)
	if err := checkFormat(p, rev.payload, req); err != nil {
		return err
	}
	first, err := s.response(rev, deref(req.SinceTime))
	if err != nil {
		return err
	}
	if err := stream.SendMsg(first); err != nil {
		return err
	}
	sent := rev.payload
	heartbeat := time.NewTimer(s.opts.Heartbeat)
	defer heartbeat.Stop()
	ctx := stream.Context()
	for {
		select {
		case <-ctx.Done():
			return status.FromContextError(ctx.Err()).Err()
		case <-s.stopping:
			return status.Error(codes.Unavailable, "replica shutting down: reconnect")
		case <-heartbeat.C:
			lcut := uint64(max(sent.Time, 0))
			if err := stream.SendMsg(&specstream.ConfigSpecResponse{Spec: specstream.NoUpdates, LastUpdated: lcut}); err != nil {
				return err
			}
			s.metrics.heartbeats.Inc()
			heartbeat.Reset(s.opts.Heartbeat)
		case <-rev.changed:
			rev = s.feeds.current(p.Name)
			if rev.payload == nil {
				return status.Errorf(codes.Unavailable, "project %q is no longer served by this replica: reconnect", p.Name)
			}
			if rev.payload.Format != sent.Format {
				return status.Error(codes.Unavailable, "the project's payload format changed: reconnect")
			}
			if rev.payload.SHA256 == sent.SHA256 {
				continue // the same content stored again
			}
			enc, err := rev.encoded()
			if err != nil {
				s.log.Error(err, "Could not read the stored payload", "sha256", rev.payload.SHA256)
				return status.Error(codes.Unavailable, "the stored payload could not be read; reconnect")
			}
			if err := stream.SendMsg(enc); err != nil {
				return err
			}
			sent = rev.payload
			s.metrics.pushed(time.Since(rev.at))
			heartbeat.Reset(s.opts.Heartbeat)
		}
	}
}

func deref(p *uint64) uint64 {
	if p == nil {
		return 0
	}
	return *p
}

var _ specstream.Handler = (*Server)(nil)
