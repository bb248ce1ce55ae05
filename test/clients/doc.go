// Package clients tests the endpoint with real clients (Statsig's Go SDK, OpenFeature's OFREP
// provider) in a module of its own, so the operator's module stays lean.
package clients
