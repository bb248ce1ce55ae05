package specstream

import (
	"context"
	"io"

	"google.golang.org/grpc"
)

// Client calls a StatsigForwardProxy service over conn (which the caller dials and closes).
type Client struct{ conn grpc.ClientConnInterface }

// NewClient wraps conn.
func NewClient(conn grpc.ClientConnInterface) *Client { return &Client{conn: conn} }

// CallOptions are the call options every call needs: this package's codec, and no limit on
// the size of a received payload beyond maxBytes.
func CallOptions(maxBytes int) []grpc.CallOption {
	return []grpc.CallOption{grpc.ForceCodecV2(NewCodec()), grpc.MaxCallRecvMsgSize(maxBytes)}
}

// DefaultMaxBytes bounds one received response: a payload of 256 MiB is well past the
// largest Statsig serves (62 MB is a very large project).
const DefaultMaxBytes = 256 << 20

// GetConfigSpec is the unary call.
func (c *Client) GetConfigSpec(ctx context.Context, req *ConfigSpecRequest, opts ...grpc.CallOption) (*ConfigSpecResponse, error) {
	resp := new(ConfigSpecResponse)
	opts = append(CallOptions(DefaultMaxBytes), opts...)
	if err := c.conn.Invoke(ctx, fullGetConfigSpec, req, resp, opts...); err != nil {
		return nil, err
	}
	return resp, nil
}

// Stream opens StreamConfigSpec; call Recv until it returns an error (io.EOF: the server
// ended the stream cleanly).
func (c *Client) Stream(ctx context.Context, req *ConfigSpecRequest, opts ...grpc.CallOption) (*Stream, error) {
	opts = append(CallOptions(DefaultMaxBytes), opts...)
	cs, err := c.conn.NewStream(ctx, &serviceDesc.Streams[0], fullStreamConfigSpec, opts...)
	if err != nil {
		return nil, err
	}
	if err := cs.SendMsg(req); err != nil {
		return nil, err
	}
	if err := cs.CloseSend(); err != nil {
		return nil, err
	}
	return &Stream{cs: cs}, nil
}

// Stream is an open StreamConfigSpec call.
type Stream struct{ cs grpc.ClientStream }

// Recv returns the next response.
func (s *Stream) Recv() (*ConfigSpecResponse, error) {
	m := new(ConfigSpecResponse)
	if err := s.cs.RecvMsg(m); err != nil {
		if err == io.EOF {
			return nil, io.EOF
		}
		return nil, err
	}
	return m, nil
}
