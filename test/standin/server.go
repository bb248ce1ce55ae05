package standin

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Route names a group of endpoints, for faults and statistics.
type Route string

// Routes.
const (
	RouteAll            Route = "*"
	RouteDCSV2          Route = "dcs_v2"
	RouteDCSV1          Route = "dcs_v1"
	RouteIDListManifest Route = "get_id_lists"
	RouteIDListFile     Route = "id_list_file"
	RouteLogEvent       Route = "log_event"
	RouteControl        Route = "control"
	RouteUnknown        Route = "unknown"
)

// Options configure a Server.
type Options struct {
	// Keys are the accepted server secret keys; empty accepts any non-empty key.
	Keys []string
	// ForbiddenKeys are answered 403 instead of 401.
	ForbiddenKeys []string
	// MaxRequests caps the request log (oldest dropped), 10 000 by default.
	MaxRequests int
	// MaxEvents caps the recorded events (oldest dropped), 100 000 by default.
	MaxEvents int
}

// Request is one recorded request.
type Request struct {
	Time     time.Time
	Route    Route
	Method   string
	Path     string
	RawQuery string
	Query    url.Values
	Header   http.Header
}

// Server is the stand-in. Create it with New, then Start it.
type Server struct {
	opts      Options
	keys      map[string]bool
	forbidden map[string]bool

	mu       sync.Mutex
	variants map[Format]*variant
	lists    map[string]*idListFile
	listBase string
	faults   map[Route][]*Fault
	requests []Request
	batches  []LogEventBatch
	events   []Event
	stats    Stats
	// changed is closed (and replaced) whenever a payload changes: gRPC streams push then.
	changed chan struct{}
	grpc    *grpcServer

	ln   net.Listener
	srv  *http.Server
	url  string
	done chan struct{}
	once sync.Once
}

// New returns a stopped Server.
func New(opts Options) *Server {
	if opts.MaxRequests <= 0 {
		opts.MaxRequests = 10000
	}
	if opts.MaxEvents <= 0 {
		opts.MaxEvents = 100000
	}
	s := &Server{
		opts: opts, keys: map[string]bool{}, forbidden: map[string]bool{},
		variants: map[Format]*variant{}, lists: map[string]*idListFile{}, faults: map[Route][]*Fault{},
		stats: newStats(), done: make(chan struct{}), changed: make(chan struct{}),
	}
	for _, k := range opts.Keys {
		s.keys[k] = true
	}
	for _, k := range opts.ForbiddenKeys {
		s.forbidden[k] = true
	}
	return s
}

// Start listens on 127.0.0.1 on a free port.
func (s *Server) Start() error { return s.StartOn("127.0.0.1:0") }

// StartOn listens on addr, which must be a loopback address.
func (s *Server) StartOn(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("standin: listen address %q: %w", addr, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("standin: refusing non-loopback listen address %q", addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("standin: %w", err)
	}
	s.mu.Lock()
	s.ln, s.url = ln, "http://"+ln.Addr().String()
	s.srv = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	s.mu.Unlock()
	go func() { _ = s.srv.Serve(ln) }()
	return nil
}

// URL is the base URL, e.g. http://127.0.0.1:41234 ("" before Start).
func (s *Server) URL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.url
}

// SpecsURL is the specs_url to configure for format f.
func (s *Server) SpecsURL(f Format) string {
	return s.URL() + "/" + string(f) + "/download_config_specs"
}

// IDListsURL is the id_lists_url to configure (a POST endpoint, as for custom URLs).
func (s *Server) IDListsURL() string { return s.URL() + "/v1/get_id_lists" }

// LogEventURL is the log_event_url to configure.
func (s *Server) LogEventURL() string { return s.URL() + "/v1/log_event" }

// Close stops the server, ending hanging and dripping responses.
func (s *Server) Close() {
	s.once.Do(func() {
		close(s.done)
		s.mu.Lock()
		srv := s.srv
		s.mu.Unlock()
		if srv != nil {
			_ = srv.Close()
		}
	})
}

// ServeHTTP routes a request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	route, key, serve := s.route(r)
	s.record(r, route)
	if route == RouteControl {
		serve(w, r)
		return
	}
	if f := s.takeFault(route); f != nil {
		s.serveFault(w, r, route, f)
		return
	}
	if serve == nil {
		http.NotFound(w, r)
		return
	}
	if route != RouteIDListFile {
		if code := s.checkKey(key); code != 0 {
			writeFailure(w, code, http.StatusText(code))
			return
		}
	}
	serve(w, r)
}

// route picks the handler and the key (from the path or the STATSIG-API-KEY header).
func (s *Server) route(r *http.Request) (Route, string, http.HandlerFunc) {
	p, hkey := r.URL.Path, r.Header.Get("STATSIG-API-KEY")
	get, post := r.Method == http.MethodGet, r.Method == http.MethodPost
	if strings.HasPrefix(p, "/_standin/") {
		return RouteControl, "", s.serveControl
	}
	for _, f := range []Format{V2, V1} {
		prefix := "/" + string(f) + "/download_config_specs/"
		if rest, ok := strings.CutPrefix(p, prefix); ok && get && strings.HasSuffix(rest, ".json") &&
			!strings.Contains(rest, "/") {
			return dcsRoute(f), strings.TrimSuffix(rest, ".json"), s.dcsHandler(f)
		}
	}
	switch {
	case p == "/v1/download_config_specs" && (get || post):
		return RouteDCSV1, hkey, s.dcsHandler(V1)
	case strings.HasPrefix(p, "/v1/get_id_lists/") && strings.HasSuffix(p, ".json") && get:
		return RouteIDListManifest, strings.TrimSuffix(strings.TrimPrefix(p, "/v1/get_id_lists/"), ".json"), s.serveManifest
	case p == "/v1/get_id_lists" && post:
		return RouteIDListManifest, hkey, s.serveManifest
	case strings.HasPrefix(p, "/id_lists/") && get:
		return RouteIDListFile, hkey, s.serveListFile
	case p == "/v1/log_event" && post:
		return RouteLogEvent, hkey, s.serveLogEvent
	}
	return RouteUnknown, hkey, nil
}

func dcsRoute(f Format) Route {
	if f == V1 {
		return RouteDCSV1
	}
	return RouteDCSV2
}

// checkKey returns 0 for an accepted key, else the status to answer.
func (s *Server) checkKey(key string) int {
	switch {
	case key == "":
		return http.StatusUnauthorized
	case s.forbidden[key]:
		return http.StatusForbidden
	case len(s.keys) > 0 && !s.keys[key]:
		return http.StatusUnauthorized
	}
	return 0
}

func (s *Server) record(r *http.Request, route Route) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats.Requests[string(route)]++
	if route == RouteControl {
		return
	}
	if len(s.requests) >= s.opts.MaxRequests {
		s.requests = s.requests[1:]
	}
	s.requests = append(s.requests, Request{
		Time: time.Now(), Route: route, Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery,
		Query: r.URL.Query(), Header: r.Header.Clone(),
	})
}

// Requests returns the recorded requests (control requests excluded), oldest first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// RequestsTo returns the recorded requests of one route.
func (s *Server) RequestsTo(route Route) []Request {
	var out []Request
	for _, r := range s.Requests() {
		if r.Route == route {
			out = append(out, r)
		}
	}
	return out
}

// ResetRequests clears the request log, the recorded events and the statistics.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests, s.batches, s.events, s.stats = nil, nil, nil, newStats()
}

var errNoPayload = errors.New("no payload loaded for this format")
