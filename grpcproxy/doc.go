// Package grpcproxy serves statsig-forward-proxy's gRPC service (StatsigForwardProxy:
// getConfigSpec and the StreamConfigSpec server stream) from the payload every replica holds,
// so Server Core SDKs configured with their gRPC specs adapter, and downstream operators of a
// fleet, receive each new revision as soon as this replica swaps it in instead of polling.
package grpcproxy
