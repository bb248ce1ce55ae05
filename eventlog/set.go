package eventlog

import (
	"context"
	"sync"
	"time"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/statsig-operator/statsig-operator/speclog"
)

// Set keeps one Logger per StatsigSpec, replacing it (after draining the old one) when the
// spec's logging options or key change, and drains them all when the manager stops. It is a
// controller-runtime Runnable that runs in every replica.
type Set struct {
	reg  prometheus.Registerer
	log  logr.Logger
	mu   sync.Mutex
	byID map[string]setEntry
	// ShutdownTimeout bounds the final drain (10 s).
	ShutdownTimeout time.Duration
}

type setEntry struct {
	opts   Options
	logger *Logger
}

// NewSet returns an empty Set whose loggers register their metrics on reg.
func NewSet(reg prometheus.Registerer, log logr.Logger) *Set {
	return &Set{reg: reg, log: log, byID: map[string]setEntry{}, ShutdownTimeout: 10 * time.Second}
}

// For returns the logger of a StatsigSpec for these options, creating or replacing it.
func (s *Set) For(name string, opts Options) (*Logger, error) {
	opts.Registerer, opts.Logger = s.reg, speclog.Filter(s.log.WithValues("statsigspec", name), opts.LogLevel)
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.byID[name]; ok {
		if sameOptions(e.opts, opts) {
			return e.logger, nil
		}
		go s.drain(e.logger)
	}
	l, err := New(opts)
	if err != nil {
		return nil, err
	}
	s.byID[name] = setEntry{opts: opts, logger: l}
	return l, nil
}

// Remove drains and forgets the logger of a deleted StatsigSpec.
func (s *Set) Remove(name string) {
	s.mu.Lock()
	e, ok := s.byID[name]
	delete(s.byID, name)
	s.mu.Unlock()
	if ok {
		go s.drain(e.logger)
	}
}

func sameOptions(a, b Options) bool {
	return a.URL == b.URL && a.APIKey == b.APIKey && a.DisableAllLogging == b.DisableAllLogging &&
		a.FlushInterval == b.FlushInterval && a.MaxQueueSize == b.MaxQueueSize &&
		a.MaxPendingBatches == b.MaxPendingBatches && a.MaxQueueBytes == b.MaxQueueBytes &&
		a.DedupeMaxKeys == b.DedupeMaxKeys && a.Sender == b.Sender && a.LogLevel == b.LogLevel
}

func (s *Set) drain(l *Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), s.ShutdownTimeout)
	defer cancel()
	if err := l.Shutdown(ctx); err != nil {
		l.opts.Logger.Error(err, "Failed to deliver every queued event")
	}
}

// Start waits for ctx to end, then delivers everything queued in every logger.
func (s *Set) Start(ctx context.Context) error {
	<-ctx.Done()
	s.mu.Lock()
	loggers := make([]*Logger, 0, len(s.byID))
	for _, e := range s.byID {
		loggers = append(loggers, e.logger)
	}
	s.mu.Unlock()
	var wg sync.WaitGroup
	for _, l := range loggers {
		wg.Go(func() { s.drain(l) })
	}
	wg.Wait()
	return nil
}

// NeedLeaderElection is false: every replica logs its own exposures.
func (s *Set) NeedLeaderElection() bool { return false }
