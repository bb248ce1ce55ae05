package endpoint

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/statsig-operator/statsig-operator/evaluator"
	"github.com/statsig-operator/statsig-operator/eventlog"
)

// EventSinkOptions configure NewEventSink.
type EventSinkOptions struct {
	// LogEventURL is Statsig's log_event endpoint (eventlog's default when empty).
	LogEventURL string
	// Key is the server secret key sent with every batch.
	Key string
	// Metrics registers eventlog's queued/sent/dropped series.
	Metrics prometheus.Registerer
	// Logger for delivery failures.
	Logger logr.Logger
}

// EventSink implements serving.EventSink over an eventlog.Logger: exposures are deduped by
// the caller's key, custom events are queued as sent.
type EventSink struct {
	log *eventlog.Logger
}

// NewEventSink starts a logger that delivers to opts.LogEventURL.
func NewEventSink(opts EventSinkOptions) (*EventSink, error) {
	l, err := eventlog.New(eventlog.Options{
		URL: opts.LogEventURL, APIKey: opts.Key, Registerer: opts.Metrics, Logger: opts.Logger,
	})
	if err != nil {
		return nil, fmt.Errorf("event logger: %w", err)
	}
	return &EventSink{log: l}, nil
}

// NewEventSinkFor wraps an existing logger (the manager shares one per project).
func NewEventSinkFor(l *eventlog.Logger) *EventSink { return &EventSink{log: l} }

// LogExposure queues one exposure event for the logged user (docs/semantics.md §4.3).
func (s *EventSink) LogExposure(user []byte, exp evaluator.Exposure, dedupeKey string) {
	s.log.EnqueueExposure(eventlog.Event{
		EventName:          exp.EventName,
		User:               json.RawMessage(user),
		Time:               exp.Time,
		Metadata:           exp.Metadata,
		SecondaryExposures: exp.SecondaryExposures,
		StatsigMetadata:    map[string]any{},
		Sampling:           exp.Sampling,
	}, dedupeKey)
}

// AdmitExposure reports whether an exposure with this de-duplication key and sampling is to
// be logged (recording the key); when true, LogAdmittedExposure queues it with meta. A
// duplicate, the common case, is refused before its exposure or user is built.
func (s *EventSink) AdmitExposure(key [16]byte, smp *evaluator.Sampling) (bool, map[string]any) {
	return s.log.AdmitExposure(key[:], smp)
}

// LogAdmittedExposure queues an exposure AdmitExposure admitted.
func (s *EventSink) LogAdmittedExposure(user []byte, exp evaluator.Exposure, meta map[string]any) {
	s.log.EnqueueAdmitted(eventlog.Event{
		EventName:          exp.EventName,
		User:               json.RawMessage(user),
		Time:               exp.Time,
		Metadata:           exp.Metadata,
		SecondaryExposures: exp.SecondaryExposures,
		Sampling:           exp.Sampling,
	}, meta)
}

// LogCustom queues one event given as JSON (already validated, normalised and sanitised by
// the caller): it is sent as it is, unknown fields included.
func (s *EventSink) LogCustom(event []byte) error {
	var head struct {
		EventName string `json:"eventName"`
	}
	if err := json.Unmarshal(event, &head); err != nil {
		return fmt.Errorf("event is not valid: %w", err)
	}
	s.log.Enqueue(eventlog.Event{EventName: head.EventName, Raw: json.RawMessage(event)})
	return nil
}

// Flush sends everything queued.
func (s *EventSink) Flush(ctx context.Context) error { return s.log.Flush(ctx) }

// Shutdown flushes and stops the logger.
func (s *EventSink) Shutdown(ctx context.Context) error { return s.log.Shutdown(ctx) }
