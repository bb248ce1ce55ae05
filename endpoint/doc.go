// Package endpoint serves the in-cluster HTTP API: Statsig's HTTP API shape, a forward proxy
// for unmodified Statsig SDKs, OpenFeature OFREP, health and metrics.
package endpoint
