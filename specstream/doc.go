// Package specstream is the wire protocol of statsig-forward-proxy's gRPC service
// (statsig_forward_proxy.proto, kept beside this file): the two messages, a gRPC codec that
// sends a response encoded once per revision to every stream without copying it, and a
// client. Server Core's gRPC specs adapter (adapterType network_grpc_websocket) speaks it;
// the grpcproxy server and the controller's fleet chaining use this package.
package specstream
