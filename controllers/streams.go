package controllers

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"io"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/go-logr/logr"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/keepalive"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/event"

	flagsv1alpha1 "github.com/statsig-operator/statsig-operator/api/v1alpha1"
	"github.com/statsig-operator/statsig-operator/specstream"
)

// streamConfig is what a StatsigSpec's network_grpc_websocket adapter streams with.
type streamConfig struct {
	target  string // host:port
	tls     *tls.Config
	key     string
	version int32
	init    time.Duration
	// fp changes whenever any of the above does (the key by its Secret's version).
	fp string
}

// streamedPayload is a payload a stream pushed, waiting for the reconcile it triggered.
type streamedPayload struct {
	spec string
	lcut int64
}

// specStreams keeps one config-spec stream per StatsigSpec with a network_grpc_websocket
// adapter, as Server Core's gRPC adapter does: each pushed payload triggers a reconcile that
// validates and stores it at once; specsURL polling goes on as the fallback. It runs on the
// leader only (it feeds the controller).
type specStreams struct {
	events chan event.GenericEvent
	log    logr.Logger

	mu      sync.Mutex
	ctx     context.Context // set by Start; nil before
	streams map[string]*specStream
}

type specStream struct {
	cfg     streamConfig
	since   int64 // the lcut held: sent when (re)connecting
	cancel  context.CancelFunc
	pending *streamedPayload
}

func newSpecStreams(log logr.Logger) *specStreams {
	return &specStreams{events: make(chan event.GenericEvent, 64), log: log, streams: map[string]*specStream{}}
}

// NeedLeaderElection: only the leader stores payloads.
func (s *specStreams) NeedLeaderElection() bool { return true }

// Start runs the streams until ctx ends.
func (s *specStreams) Start(ctx context.Context) error {
	s.mu.Lock()
	s.ctx = ctx
	for name, st := range s.streams {
		s.run(name, st)
	}
	s.mu.Unlock()
	<-ctx.Done()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, st := range s.streams {
		if st.cancel != nil {
			st.cancel()
		}
	}
	return nil
}

// ensure makes the named spec stream with cfg (restarting it when cfg changed); since is the
// lcut of the stored revision.
func (s *specStreams) ensure(name string, cfg streamConfig, since int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.streams[name]
	if st != nil && st.cfg.fp == cfg.fp {
		st.since = max(st.since, since)
		return
	}
	if st != nil && st.cancel != nil {
		st.cancel()
	}
	st = &specStream{cfg: cfg, since: since}
	s.streams[name] = st
	if s.ctx != nil {
		s.run(name, st)
	}
}

// stop ends the named spec's stream, if any.
func (s *specStreams) stop(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st := s.streams[name]; st != nil {
		if st.cancel != nil {
			st.cancel()
		}
		delete(s.streams, name)
		streamConnected.DeleteLabelValues(name)
	}
}

// pending reports whether a pushed payload waits for the named spec.
func (s *specStreams) pending(name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.streams[name]
	return st != nil && st.pending != nil
}

// take returns and clears the payload pushed for the named spec.
func (s *specStreams) take(name string) *streamedPayload {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.streams[name]
	if st == nil {
		return nil
	}
	p := st.pending
	st.pending = nil
	return p
}

// run starts st's goroutine; s.mu is held.
func (s *specStreams) run(name string, st *specStream) {
	ctx, cancel := context.WithCancel(s.ctx)
	st.cancel = cancel
	go s.follow(ctx, name, st)
}

// Backoff between attempts, as Server Core's adapter (3 s doubling) but capped lower: the
// operator is one client per cluster, and a fleet's upstream restarting should not leave
// downstream clusters a minute behind.
const (
	streamBackoffMin = 1 * time.Second
	streamBackoffMax = 30 * time.Second
)

// follow keeps the stream open until ctx ends, reconnecting with backoff.
func (s *specStreams) follow(ctx context.Context, name string, st *specStream) {
	log := s.log.WithValues(labelSpec, name, "target", st.cfg.target)
	creds := insecure.NewCredentials()
	if st.cfg.tls != nil {
		creds = credentials.NewTLS(st.cfg.tls)
	}
	conn, err := grpc.NewClient(st.cfg.target, grpc.WithTransportCredentials(creds),
		grpc.WithKeepaliveParams(keepalive.ClientParameters{Time: 30 * time.Second, Timeout: 10 * time.Second, PermitWithoutStream: true}))
	if err != nil {
		log.Error(err, "Cannot stream config specs: bad gRPC target; polling specsURL only")
		return
	}
	defer func() { _ = conn.Close() }()
	client := specstream.NewClient(conn)
	backoff := streamBackoffMin
	for ctx.Err() == nil {
		received, err := s.once(ctx, client, name, st)
		streamConnected.WithLabelValues(name).Set(0)
		if ctx.Err() != nil {
			return
		}
		if received {
			backoff = streamBackoffMin
		}
		streamErrors.WithLabelValues(name).Inc()
		log.V(1).Info("Config-spec stream ended; retrying", "after", backoff.String(), "error", errString(err))
		select {
		case <-ctx.Done():
			return
		case <-time.After(jittered(backoff)):
		}
		backoff = min(backoff*2, streamBackoffMax)
	}
}

// once runs one stream until it fails; received reports whether any message arrived.
func (s *specStreams) once(ctx context.Context, client *specstream.Client, name string, st *specStream) (bool, error) {
	s.mu.Lock()
	since := st.since
	s.mu.Unlock()
	req := &specstream.ConfigSpecRequest{SDKKey: st.cfg.key, Version: &st.cfg.version}
	if since > 0 {
		u := uint64(since)
		req.SinceTime = &u
	}
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// The first message must arrive within init; later ones come at least every heartbeat.
	first := time.AfterFunc(st.cfg.init, cancel)
	stream, err := client.Stream(sctx, req)
	if err != nil {
		first.Stop()
		return false, err
	}
	received := false
	for {
		m, err := stream.Recv()
		if err != nil {
			first.Stop()
			if errors.Is(err, io.EOF) {
				err = errors.New("stream closed by the server")
			}
			return received, err
		}
		if !received {
			first.Stop()
			received = true
			streamConnected.WithLabelValues(name).Set(1)
		}
		if m.Spec == specstream.NoUpdates {
			continue
		}
		lcut := int64(min(m.LastUpdated, 1<<62))
		s.mu.Lock()
		if lcut > st.since || lcut == 0 {
			st.pending = &streamedPayload{spec: m.Spec, lcut: lcut}
			st.since = max(st.since, lcut)
		}
		s.mu.Unlock()
		streamMessages.WithLabelValues(name).Inc()
		// Wake the controller; the event carries only the name. A full channel already holds
		// a wake-up, and the reconcile takes the newest payload.
		select {
		case s.events <- event.GenericEvent{Object: &flagsv1alpha1.StatsigSpec{ObjectMeta: metav1.ObjectMeta{Name: name}}}:
		default:
		}
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// grpcAdapter returns the spec's network_grpc_websocket adapter, or nil.
func grpcAdapter(spec *flagsv1alpha1.StatsigSpec) *flagsv1alpha1.SpecAdapterConfig {
	for i := range spec.Spec.SpecAdaptersConfig {
		if a := &spec.Spec.SpecAdaptersConfig[i]; a.AdapterType == flagsv1alpha1.SpecAdapterGRPC {
			return a
		}
	}
	return nil
}

// streamConfigFor builds the stream configuration of adapter a; keyVersion identifies the key.
func (run *syncRun) streamConfigFor(ctx context.Context, a *flagsv1alpha1.SpecAdapterConfig, keyVersion string) (streamConfig, *syncError) {
	u, err := url.Parse(a.SpecsURL)
	if err != nil || u.Host == "" {
		return streamConfig{}, failf(flagsv1alpha1.ReasonUpstreamUnavailable, err,
			"specAdaptersConfig specsURL %q does not parse: use http://host:port or https://host:port.", a.SpecsURL)
	}
	host := u.Host
	if u.Port() == "" {
		host += map[bool]string{true: ":443", false: ":80"}[u.Scheme == "https"]
	}
	cfg := streamConfig{target: host, key: run.key, version: specstream.VersionV2,
		init: time.Duration(a.InitTimeoutMs) * time.Millisecond}
	if formatOf(run.spec) == flagsv1alpha1.PayloadFormat("v1") {
		cfg.version = specstream.VersionV1
	}
	if cfg.init <= 0 {
		cfg.init = 3 * time.Second
	}
	fp := []string{host, keyVersion, string(formatOf(run.spec)), cfg.init.String()}
	if u.Scheme == "https" || a.AuthenticationMode == flagsv1alpha1.AuthenticationTLS {
		tc := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: u.Hostname()}
		if a.DomainName != "" {
			tc.ServerName = a.DomainName
		}
		if ref := a.CABundleConfigMapRef; ref != nil {
			var cm corev1.ConfigMap
			if err := run.r.Refs.Get(ctx, ref.Namespace, ref.Name, &cm); err != nil {
				return streamConfig{}, failf(flagsv1alpha1.ReasonSourceNotFound, err,
					"ConfigMap %s holding the gRPC adapter's CA bundle could not be read (%s): create it with the key %q.",
					ref.Name, reasonOf(err), ref.Key)
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM([]byte(cm.Data[ref.Key])) {
				return streamConfig{}, failf(flagsv1alpha1.ReasonSourceNotFound, nil,
					"ConfigMap %s key %q holds no PEM certificate: put the gRPC service's CA bundle there.", ref.Name, ref.Key)
			}
			tc.RootCAs = pool
			fp = append(fp, cm.ResourceVersion)
		}
		cfg.tls = tc
		fp = append(fp, "tls", tc.ServerName)
	}
	cfg.fp = strings.Join(fp, "|")
	return cfg, nil
}

// syncStream starts, restarts or stops the spec's stream after the key was resolved.
func (run *syncRun) syncStream(ctx context.Context, keyVersion string) *syncError {
	streams := run.r.streams
	if streams == nil {
		return nil
	}
	a := grpcAdapter(run.spec)
	if a == nil || isUserSource(run.spec) || run.key == "" {
		streams.stop(run.spec.Name)
		return nil
	}
	cfg, fail := run.streamConfigFor(ctx, a, keyVersion)
	if fail != nil {
		streams.stop(run.spec.Name)
		return fail
	}
	var since int64
	if m := run.manifest; run.storedComplete && m != nil {
		since = m.Time
	}
	streams.ensure(run.spec.Name, cfg, since)
	return nil
}

// fetch takes the payload the spec's stream pushed when there is one (not for a full
// download, which repairs the stored revision from specsURL), else polls specsURL.
func (run *syncRun) fetch(ctx context.Context, full bool) (*fetchResult, *syncError) {
	if s := run.r.streams; s != nil && !full {
		if p := s.take(run.spec.Name); p != nil {
			if run.storedComplete && run.manifest != nil && p.lcut > 0 && p.lcut <= run.manifest.Time {
				return &fetchResult{noUpdate: true, close: func() {}, source: flagsv1alpha1.SyncSourceStream}, nil
			}
			open := func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(p.spec)), nil }
			return &fetchResult{open: open, sha256: sha256Hex(p.spec), close: func() {},
				source: flagsv1alpha1.SyncSourceStream}, nil
		}
	}
	return run.fetchUpstream(ctx, full)
}

// sha256Hex hashes s in slices, not converting a payload of many MB to bytes at once.
func sha256Hex(s string) string {
	h := sha256.New()
	for len(s) > 0 {
		n := min(len(s), 64<<10)
		_, _ = h.Write([]byte(s[:n]))
		s = s[n:]
	}
	return hex.EncodeToString(h.Sum(nil))
}
