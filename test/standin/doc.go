// Package standin is the Statsig stand-in: a loopback fake of the Statsig CDN and API serving
// real-format payloads, ID lists and log_event, with fault injection; the project's only test
// double.
package standin
