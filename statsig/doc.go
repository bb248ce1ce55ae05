// Package statsig is the operator's client for the upstream Statsig service: config-spec downloads,
// ID lists and event logging.
package statsig
