// Package speclog filters the operator's log lines for one StatsigSpec by the spec's
// outputLogLevel. The filter can only hide lines: what the process's own log level
// (--zap-log-level) hides stays hidden.
package speclog

import "github.com/go-logr/logr"

// maxV is the highest logr V-level a spec's level lets through, and whether Error lines pass:
// none nothing; error only Error lines; warn and info also V(0) lines (the operator's warnings,
// such as a failed sync, and its state changes: it has no separate warning severity); debug
// every line. Anything else is warn, the default.
func maxV(level string) (v int, errors bool) {
	switch level {
	case "none":
		return -1, false
	case "error":
		return -1, true
	case "info":
		return 0, true
	case "debug":
		return int(^uint(0) >> 1), true
	}
	return 0, true
}

// Filter returns log with only the lines level lets through.
func Filter(log logr.Logger, level string) logr.Logger {
	inner := log.GetSink()
	if inner == nil {
		return log
	}
	// The wrapper is one more frame between the caller and the sink.
	if cd, ok := inner.(logr.CallDepthLogSink); ok {
		inner = cd.WithCallDepth(1)
	}
	v, errors := maxV(level)
	return logr.New(&sink{inner: inner, maxV: v, errors: errors})
}

// sink forwards the lines its level lets through to inner.
type sink struct {
	inner  logr.LogSink
	maxV   int
	errors bool
}

// Init does nothing: inner was initialised by the logger it came from.
func (s *sink) Init(logr.RuntimeInfo) {}

func (s *sink) Enabled(level int) bool { return level <= s.maxV && s.inner.Enabled(level) }

func (s *sink) Info(level int, msg string, kv ...any) { s.inner.Info(level, msg, kv...) }

func (s *sink) Error(err error, msg string, kv ...any) {
	if s.errors {
		s.inner.Error(err, msg, kv...)
	}
}

func (s *sink) WithValues(kv ...any) logr.LogSink {
	return &sink{inner: s.inner.WithValues(kv...), maxV: s.maxV, errors: s.errors}
}

func (s *sink) WithName(name string) logr.LogSink {
	return &sink{inner: s.inner.WithName(name), maxV: s.maxV, errors: s.errors}
}

func (s *sink) WithCallDepth(depth int) logr.LogSink {
	if cd, ok := s.inner.(logr.CallDepthLogSink); ok {
		return &sink{inner: cd.WithCallDepth(depth), maxV: s.maxV, errors: s.errors}
	}
	return s
}
