package endpoint

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"time"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/statsig-operator/statsig-operator/evaluator"
	"github.com/statsig-operator/statsig-operator/memrelease"
	"github.com/statsig-operator/statsig-operator/serving"
)

// StandaloneOptions configure RunStandalone.
type StandaloneOptions struct {
	// SpecsFile is a download_config_specs payload, v1 or v2 (detected).
	SpecsFile string
	// SpecsURL, instead of SpecsFile, is a specs_url base ({SpecsURL}/{key}.json, the first
	// key) downloaded at start and every SyncInterval; each new payload is a new revision,
	// pushed to OFREP event streams.
	SpecsURL string
	// SyncInterval of SpecsURL (DefaultStandaloneSyncInterval when 0).
	SyncInterval time.Duration
	// Listen is the address to serve on (DefaultAddr when empty).
	Listen string
	// Keys are the API keys accepted (at least one); the first is also sent to LogEventURL.
	Keys []string
	// ClientKeys are accepted with client scope (never the forward proxy).
	ClientKeys []string
	// CORSAllowedOrigins as in Options.
	CORSAllowedOrigins []string
	// MaxEventStreams as in Options.
	MaxEventStreams int
	// ResponseCacheBytes as in Options (0: no cache).
	ResponseCacheBytes int64
	// Overrides applied to every evaluation (nil: none).
	Overrides *evaluator.Overrides
	// LogEventURL receives exposures and custom events (Statsig's default when empty).
	LogEventURL string
	// DisableLogging drops every exposure and custom event.
	DisableLogging bool
	// Evaluator options (environment, global custom fields, UA and country lookups).
	Evaluator evaluator.Options
	// MaxBodyBytes as in Options.
	MaxBodyBytes int64
	// Logger for lifecycle messages.
	Logger logr.Logger
	// AddrFile, when set, receives the address actually listened on (for Listen ":0").
	AddrFile string
	// Registry, when set, is where the project is published, so that other servers of the
	// process (the gRPC forward proxy) serve the same revisions; nil: a registry of its own.
	Registry *serving.Registry
	// Metrics, when set, is the Prometheus registry served on /metrics, shared with those
	// servers; nil: one of its own.
	Metrics *prometheus.Registry
}

// standaloneProject is the name of the single project served in standalone mode.
const standaloneProject = "standalone"

// RunStandalone serves one project loaded from a payload file, without Kubernetes, until ctx
// ends; then it stops serving and flushes queued events. /metrics is served too.
func RunStandalone(ctx context.Context, opts StandaloneOptions) error {
	if len(opts.Keys) == 0 || opts.Keys[0] == "" {
		return errors.New("standalone: at least one API key is required (clients authenticate with it)")
	}
	if opts.Logger.GetSink() == nil {
		opts.Logger = logr.Discard()
	}
	prom := opts.Metrics
	if prom == nil {
		prom = prometheus.NewRegistry()
	}
	prom.MustRegister(goCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	var events *EventSink
	if !opts.DisableLogging {
		var err error
		events, err = NewEventSink(EventSinkOptions{
			LogEventURL: opts.LogEventURL, Key: opts.Keys[0], Metrics: prom, Logger: opts.Logger,
		})
		if err != nil {
			return fmt.Errorf("standalone: %w", err)
		}
	}
	src := opts.SpecsFile
	var syncer *specsSync
	var raw []byte
	var err error
	if opts.SpecsURL != "" {
		src = opts.SpecsURL
		if syncer, err = newSpecsSync(opts); err != nil {
			return fmt.Errorf("standalone: %w", err)
		}
		raw, err = syncer.download(ctx, true)
	} else {
		raw, err = os.ReadFile(opts.SpecsFile)
	}
	if err != nil {
		return fmt.Errorf("standalone: read specs: %w", err)
	}
	p, err := standaloneProjectFrom(raw, opts, events)
	if err != nil {
		return fmt.Errorf("standalone: %s: %w", src, err)
	}
	payload := p.Payload
	reg := opts.Registry
	if reg == nil {
		reg = serving.NewRegistry()
	}
	reg.Set(p)
	srv, err := NewServer(Options{
		Addr:            opts.Listen,
		Registry:        reg,
		MaxBodyBytes:    opts.MaxBodyBytes,
		Logger:          opts.Logger,
		Metrics:         prom,
		MetricsGatherer: prom,

		CORSAllowedOrigins: opts.CORSAllowedOrigins,
		MaxEventStreams:    opts.MaxEventStreams,
		ResponseCacheBytes: opts.ResponseCacheBytes,
	})
	if err != nil {
		return err
	}
	opts.Logger.Info("Serving specs",
		"source", src, "format", payload.Format, "time", payload.Time, "bytes", payload.Size)
	if syncer != nil {
		go syncer.run(ctx, reg, p, events)
	}
	ln, err := net.Listen("tcp", srv.opts.Addr)
	if err != nil {
		return fmt.Errorf("standalone: listen on %s: %w", srv.opts.Addr, err)
	}
	if opts.AddrFile != "" {
		if err := os.WriteFile(opts.AddrFile, []byte(ln.Addr().String()), 0o644); err != nil {
			_ = ln.Close()
			return fmt.Errorf("standalone: %w", err)
		}
	}
	serveErr := srv.Serve(ctx, ln)
	if events != nil {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := events.Shutdown(sctx); err != nil {
			opts.Logger.Error(err, "Events not delivered at shutdown")
		}
	}
	return serveErr
}

// standaloneProjectFrom loads a payload into the one project of standalone mode.
func standaloneProjectFrom(raw []byte, opts StandaloneOptions, events *EventSink) (*serving.Project, error) {
	ev, payload, err := LoadPayload(raw, opts.Evaluator)
	if err != nil {
		return nil, err
	}
	// The load's garbage (a multiple of the payload) goes back to the OS now, not at the
	// runtime's next forced GC minutes later: RSS is what users size the process by.
	memrelease.AfterLoad()
	ev.SetOverrides(opts.Overrides)
	p := &serving.Project{
		Name:              standaloneProject,
		Revision:          payload.SHA256[:16],
		Evaluator:         ev,
		Payload:           payload,
		DisableAllLogging: opts.DisableLogging,
	}
	keys := make([]serving.Key, 0, len(opts.Keys))
	for _, k := range opts.Keys {
		keys = append(keys, serving.ServerKey(k)) // serve --key: server secret keys
	}
	for _, k := range opts.ClientKeys {
		keys = append(keys, serving.ClientKey(k))
	}
	p.SetKeys(keys...)
	if events != nil {
		p.Events = events
	}
	return p, nil
}
