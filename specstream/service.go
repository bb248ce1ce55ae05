package specstream

import (
	"context"

	"google.golang.org/grpc"
)

// Names of the service and its methods as statsig_forward_proxy.proto declares them.
const (
	ServiceName          = "statsig_forward_proxy.StatsigForwardProxy"
	MethodGetConfigSpec  = "getConfigSpec"
	MethodStreamSpecs    = "StreamConfigSpec"
	fullGetConfigSpec    = "/" + ServiceName + "/" + MethodGetConfigSpec
	fullStreamConfigSpec = "/" + ServiceName + "/" + MethodStreamSpecs
)

// Handler serves the StatsigForwardProxy service. GetConfigSpec returns *Encoded or
// *ConfigSpecResponse; Stream sends either with SendMsg.
type Handler interface {
	GetConfigSpec(ctx context.Context, req *ConfigSpecRequest) (any, error)
	StreamConfigSpec(req *ConfigSpecRequest, stream grpc.ServerStream) error
}

// Register adds the service to s, which must use this package's Codec
// (grpc.ForceServerCodecV2(NewCodec())).
func Register(s grpc.ServiceRegistrar, h Handler) {
	s.RegisterService(&serviceDesc, h)
}

var serviceDesc = grpc.ServiceDesc{
	ServiceName: ServiceName,
	HandlerType: (*Handler)(nil),
	Methods: []grpc.MethodDesc{{
		MethodName: MethodGetConfigSpec,
		Handler: func(srv any, ctx context.Context, dec func(any) error, intercept grpc.UnaryServerInterceptor) (any, error) {
			req := new(ConfigSpecRequest)
			if err := dec(req); err != nil {
				return nil, err
			}
			h := srv.(Handler)
			if intercept == nil {
				return h.GetConfigSpec(ctx, req)
			}
			info := &grpc.UnaryServerInfo{Server: srv, FullMethod: fullGetConfigSpec}
			return intercept(ctx, req, info, func(ctx context.Context, req any) (any, error) {
				return h.GetConfigSpec(ctx, req.(*ConfigSpecRequest))
			})
		},
	}},
	Streams: []grpc.StreamDesc{{
		StreamName:    MethodStreamSpecs,
		ServerStreams: true,
		Handler: func(srv any, stream grpc.ServerStream) error {
			req := new(ConfigSpecRequest)
			if err := stream.RecvMsg(req); err != nil {
				return err
			}
			return srv.(Handler).StreamConfigSpec(req, stream)
		},
	}},
	Metadata: "statsig_forward_proxy.proto",
}
