package endpoint

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"path"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-logr/logr"
	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/statsig-operator/statsig-operator/serving"
	"github.com/statsig-operator/statsig-operator/statsig"
)

// Defaults of Options.
const (
	DefaultAddr            = ":8000"
	DefaultMaxBodyBytes    = 1 << 20
	DefaultShutdownTimeout = 10 * time.Second
	// DefaultMaxInFlight and DefaultMaxInFlightBodyBytes bound concurrent work: decoding
	// multiplies a body's size in memory (~25x for a user with many custom fields), so the
	// bytes in flight, not only the requests, are what protects the replica.
	DefaultMaxInFlight          = 1024
	DefaultMaxInFlightBodyBytes = 8 << 20
)

// Options configure a Server.
type Options struct {
	// Addr to listen on (DefaultAddr when empty).
	Addr string
	// Registry of served projects; required.
	Registry *serving.Registry
	// MaxBodyBytes caps every request body, before and after Content-Encoding
	// (DefaultMaxBodyBytes when 0); larger bodies get 413.
	MaxBodyBytes int64
	// Logger for lifecycle and internal errors (never keys or request bodies).
	Logger logr.Logger
	// Metrics registers the statsig_operator_endpoint_* series (nil: not registered).
	Metrics prometheus.Registerer
	// MetricsGatherer, when set, is also served on /metrics of this server (standalone mode;
	// in the manager the controller-runtime metrics server exposes Metrics instead).
	MetricsGatherer prometheus.Gatherer
	// ShutdownTimeout bounds the graceful shutdown (DefaultShutdownTimeout when 0).
	ShutdownTimeout time.Duration
	// MaxInFlight requests and MaxInFlightBodyBytes of their bodies (declared Content-Length,
	// or MaxBodyBytes when undeclared) are served at once; beyond either, requests get 503
	// with Retry-After. Health routes are exempt. Zero takes the defaults.
	MaxInFlight          int64
	MaxInFlightBodyBytes int64
	// TLS, when set, serves HTTPS only: a plaintext request gets 400 from the TLS layer and
	// never reaches a handler.
	TLS *TLSOptions
	// CORSAllowedOrigins ("*" or scheme://host[:port]) may call the client routes from a
	// browser: /v1/initialize, /v1/rgstr, /v1/log_event and OFREP. Empty: no CORS answers.
	CORSAllowedOrigins []string
	// MaxEventStreams bounds the OFREP event streams (SSE) open at once; beyond it a stream
	// gets 503 with Retry-After. Streams hold no in-flight request slot. 0 takes
	// DefaultMaxEventStreams; negative turns streams off (bulk responses advertise none).
	MaxEventStreams int
	// EventStreamHeartbeat is the interval of SSE comments on idle streams
	// (DefaultEventStreamHeartbeat when 0).
	EventStreamHeartbeat time.Duration
	// ResponseCacheBytes bounds the cache of client initialize and OFREP bulk responses
	// (response_cache.go; DefaultResponseCacheBytes is the flags' default). 0 or less: no
	// cache.
	ResponseCacheBytes int64
}

// Server is the in-cluster endpoint. It implements controller-runtime's manager.Runnable and
// LeaderElectionRunnable: every replica serves.
type Server struct {
	opts    Options
	reg     *serving.Registry
	log     logr.Logger
	metrics *metrics
	mux     *http.ServeMux
	now     func() time.Time
	load    inFlight
	cors    *cors // nil: CORS off
	// sdkInfo is the sdkInfo of client initialize responses (one session per server).
	sdkInfo map[string]string
	// OFREP change notifications (ofrep_events.go).
	feeds       *feeds
	streams     atomic.Int64
	stopStreams chan struct{}
	stopOnce    sync.Once
	// cache holds client initialize and OFREP bulk responses (nil: off; response_cache.go).
	cache        *responseCache
	cacheMetrics *cacheMetrics
}

// NewServer builds the endpoint; Start serves it.
func NewServer(opts Options) (*Server, error) {
	if opts.Registry == nil {
		return nil, errors.New("endpoint: Options.Registry is required")
	}
	if opts.Addr == "" {
		opts.Addr = DefaultAddr
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if opts.ShutdownTimeout <= 0 {
		opts.ShutdownTimeout = DefaultShutdownTimeout
	}
	if opts.MaxInFlight <= 0 {
		opts.MaxInFlight = DefaultMaxInFlight
	}
	if opts.MaxInFlightBodyBytes <= 0 {
		opts.MaxInFlightBodyBytes = DefaultMaxInFlightBodyBytes
	}
	if opts.MaxEventStreams == 0 {
		opts.MaxEventStreams = DefaultMaxEventStreams
	}
	if opts.EventStreamHeartbeat <= 0 {
		opts.EventStreamHeartbeat = DefaultEventStreamHeartbeat
	}
	if opts.Logger.GetSink() == nil {
		opts.Logger = logr.Discard()
	}
	c, err := newCORS(opts.CORSAllowedOrigins)
	if err != nil {
		return nil, fmt.Errorf("endpoint: %w", err)
	}
	s := &Server{
		cors:    c,
		opts:    opts,
		reg:     opts.Registry,
		log:     opts.Logger,
		metrics: newMetrics(opts.Metrics),
		mux:     http.NewServeMux(),
		now:     time.Now,
		load:    inFlight{maxN: opts.MaxInFlight, maxBytes: opts.MaxInFlightBodyBytes},
		sdkInfo: map[string]string{
			"sdkType": statsig.DefaultSDKType, "sdkVersion": statsig.SDKVersion, "sessionId": uuid.NewString(),
		},
		stopStreams: make(chan struct{}),
	}
	s.cacheMetrics = newCacheMetrics(opts.Metrics)
	if s.cache = newResponseCache(opts.ResponseCacheBytes, s.cacheMetrics); s.cache != nil {
		opts.Registry.Subscribe(func(name, _ string) { s.cache.dropProject(name) })
	}
	s.feeds = newFeeds(func() time.Time { return s.now() })
	if opts.MaxEventStreams > 0 {
		opts.Registry.Subscribe(s.feeds.publish)
	}
	s.routes()
	return s, nil
}

// Handler is the endpoint's HTTP handler (for tests and for embedding in another server).
func (s *Server) Handler() http.Handler { return http.HandlerFunc(s.serveHTTP) }

// serveHTTP answers paths the mux would clean (//, /./, /../) with a JSON 307 to the clean
// path, as every other answer is JSON, then hands the request to the mux.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	if p := r.URL.Path; strings.Contains(p, "//") || strings.Contains(p, "/.") {
		clean := path.Clean(p)
		if strings.HasSuffix(p, "/") && clean != "/" {
			clean += "/"
		}
		if clean != p {
			u := *r.URL
			u.Path, u.RawPath = clean, ""
			w.Header().Set("Location", u.String())
			writeError(w, &apiError{http.StatusTemporaryRedirect, "the path is not canonical: use " + truncate(clean, 200)})
			return
		}
	}
	// Event streams are long-lived and bounded on their own (MaxEventStreams): counting them
	// here would let idle streams starve requests.
	if r.URL.Path == "/healthz" || r.URL.Path == "/readyz" || r.URL.Path == ofrepEventStreamPath {
		s.mux.ServeHTTP(w, r)
		return
	}
	cost := s.bodyCost(r)
	if !s.load.acquire(cost) {
		s.metrics.shed.Inc()
		w.Header().Set("Retry-After", "1")
		writeError(w, &apiError{http.StatusServiceUnavailable,
			"the endpoint is at its limit of concurrent requests: retry after a second"})
		return
	}
	defer s.load.release(cost)
	s.mux.ServeHTTP(w, r)
}

// bodyCost is what a request may make the server hold: its declared length, or the most a
// body may be when it declares none.
func (s *Server) bodyCost(r *http.Request) int64 {
	switch {
	case r.Method == http.MethodGet || r.Method == http.MethodHead:
		return 0
	case r.ContentLength >= 0 && r.ContentLength <= s.opts.MaxBodyBytes:
		return r.ContentLength
	default:
		return s.opts.MaxBodyBytes
	}
}

// httpTimeouts are the server's whole-request read and write timeouts (a variable so tests
// can show event streams outlive them).
var httpTimeouts = struct{ read, write time.Duration }{60 * time.Second, 120 * time.Second}

// maxHeaderBytes bounds a request's header block (net/http answers 431 beyond it).
const maxHeaderBytes = 64 << 10

// NeedLeaderElection is false: every replica serves.
func (s *Server) NeedLeaderElection() bool { return false }

// Start listens on Options.Addr and serves until ctx ends, then shuts down gracefully.
func (s *Server) Start(ctx context.Context) error {
	ln, err := net.Listen("tcp", s.opts.Addr)
	if err != nil {
		return fmt.Errorf("endpoint: listen on %s: %w", s.opts.Addr, err)
	}
	return s.Serve(ctx, ln)
}

// Serve serves on ln (over TLS when Options.TLS is set) until ctx ends, then stops
// accepting, lets in-flight requests finish within ShutdownTimeout and returns.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	scheme := "https"
	if s.opts.TLS != nil {
		tln, err := s.tlsListener(ctx, ln, s.opts.TLS)
		if err != nil {
			_ = ln.Close()
			return err
		}
		ln = tln
	} else {
		// net/http's own error answers get JSON bodies. Not over TLS: net/http writes them to
		// the *tls.Conn, whose plaintext no wrapper below it sees, and a wrapper above it would
		// hide the *tls.Conn that its HTTP/2 and "HTTP request to an HTTPS server" answer need.
		ln, scheme = jsonErrorListener{ln}, "http"
	}
	srv := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       httpTimeouts.read,
		WriteTimeout:      httpTimeouts.write, // proxy payloads can be several MB
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    maxHeaderBytes,
	}
	srv.RegisterOnShutdown(s.stopAllStreams)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	s.log.Info("Serving the endpoint", "addr", ln.Addr().String(), "scheme", scheme)
	select {
	case err := <-errc:
		return fmt.Errorf("endpoint: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), s.opts.ShutdownTimeout)
	defer cancel()
	err := srv.Shutdown(sctx)
	if errors.Is(err, context.DeadlineExceeded) {
		_ = srv.Close()
		return fmt.Errorf("endpoint: requests still running after %s, closed", s.opts.ShutdownTimeout)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("endpoint: %w", err)
	}
	return err
}

// handle registers h for pattern (method and path) under the metrics label route, and a
// JSON 405 for the same path with any other method.
func (s *Server) handle(method, pattern, route string, h http.HandlerFunc) {
	s.mux.Handle(method+" "+pattern, s.metrics.instrument(route, h, s.onPanic))
}

// handleClient is handle for the POST routes browsers may call: with CORS on, answers carry the
// CORS headers and OPTIONS answers the preflight.
func (s *Server) handleClient(pattern, route string, h http.HandlerFunc) {
	if s.cors == nil {
		s.handle(http.MethodPost, pattern, route, h)
		return
	}
	s.handle(http.MethodPost, pattern, route, s.cors.wrap(h))
	s.handle(http.MethodOptions, pattern, "cors_preflight", s.cors.preflight(http.MethodPost))
}

// handleClientGet is handleClient for GET routes (OFREP configuration and event streams).
func (s *Server) handleClientGet(pattern, route string, h http.HandlerFunc) {
	if s.cors == nil {
		s.handle(http.MethodGet, pattern, route, h)
		return
	}
	s.handle(http.MethodGet, pattern, route, s.cors.wrap(h))
	s.handle(http.MethodOptions, pattern, "cors_preflight", s.cors.preflight(http.MethodGet))
}

func (s *Server) onPanic(route string, v any) {
	s.log.Error(fmt.Errorf("panic: %v", v), "Handler panicked", "route", route)
}

func (s *Server) routes() {
	// Statsig HTTP API (docs/semantics.md §6.1).
	s.handle("POST", "/v1/check_gate", "check_gate", s.checkGate)
	s.handle("POST", "/v1/get_config", "get_config", s.getConfig)
	s.handle("POST", "/v1/get_experiment", "get_experiment", s.getExperiment)
	s.handle("POST", "/v1/get_layer", "get_layer", s.getLayer)
	s.handle("POST", "/v1/get_parameter_store", "get_parameter_store", s.getParameterStore)
	s.handleClient("/v1/log_event", "log_event", s.logEvent)
	s.handle("POST", "/v1/log_exposure", "log_exposure", s.logManualExposure)
	// The client SDKs' routes (@statsig/js-client's networkConfig.api; clientbody.go).
	s.handleClient("/v1/initialize", "initialize", s.initialize)
	s.handleClient("/v1/rgstr", "log_event", s.logClientEvents)
	s.handle("POST", "/v1/get_client_initialize_response", "get_client_initialize_response", s.clientInitialize)

	// Forward proxy for unmodified SDKs (docs/semantics.md §1.1, §3).
	for _, v := range []string{"v1", "v2"} {
		base := "/" + v + "/download_config_specs"
		h := s.downloadConfigSpecs(v)
		s.handle("GET", base, "download_config_specs_"+v, h)
		s.handle("POST", base, "download_config_specs_"+v, h)
		s.handle("GET", base+"/{file}", "download_config_specs_"+v, h)
		s.handle("POST", base+"/{file}", "download_config_specs_"+v, h)
	}
	s.handle("POST", "/v1/get_id_lists", "get_id_lists", s.getIDLists)
	s.handle("GET", "/v1/get_id_lists/{file}", "get_id_lists", s.getIDLists)
	s.handle("POST", "/v1/get_id_lists/{file}", "get_id_lists", s.getIDLists)
	s.handle("GET", "/v1/id_list_file/{name}", "id_list_file", s.getIDListFile)

	// OpenFeature Remote Evaluation Protocol.
	s.handleClient("/ofrep/v1/evaluate/flags/{key}", "ofrep_evaluate", s.ofrepEvaluate)
	s.handleClient("/ofrep/v1/evaluate/flags", "ofrep_bulk", s.ofrepBulk)
	s.handleClientGet("/ofrep/v1/configuration", "ofrep_configuration", s.ofrepConfiguration)
	if s.opts.MaxEventStreams > 0 {
		s.handleClientGet(ofrepEventStreamPath, "ofrep_event_stream", s.ofrepEventStreamHandler)
	}

	// Health.
	s.handle("GET", "/healthz", "healthz", s.healthz)
	s.handle("GET", "/readyz", "readyz", s.readyz)
	if s.opts.MetricsGatherer != nil {
		s.mux.Handle("GET /metrics", promhttp.HandlerFor(s.opts.MetricsGatherer, promhttp.HandlerOpts{}))
	}

	// Everything else: JSON 404 or 405 instead of the mux's plain-text answers.
	s.mux.Handle("/", s.metrics.instrument("unknown", s.notFound, s.onPanic))
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	// The catch-all also receives known paths with a wrong method; tell the two apart by
	// asking the mux about other methods. Paths may hold keys, so only patterns are echoed.
	var allowed []string
	var route string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodOptions} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := s.mux.Handler(probe); pattern != "/" && pattern != "" {
			allowed = append(allowed, m)
			_, route, _ = strings.Cut(pattern, " ")
		}
	}
	if len(allowed) > 0 {
		w.Header().Set("Allow", strings.Join(allowed, ", "))
		writeError(w, &apiError{http.StatusMethodNotAllowed, fmt.Sprintf("method %s is not allowed on %s: use %s",
			truncate(r.Method, 16), route, strings.Join(allowed, " or "))})
		return
	}
	writeError(w, &apiError{http.StatusNotFound, "no such route: see the endpoint documentation for /v1/*, " +
		"/v2/download_config_specs, /ofrep/v1/* and health routes"})
}
