package endpoint

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/statsig-operator/statsig-operator/serving"
)

// OFREP change notifications (ADR-0008): the bulk response advertises an SSE stream per key;
// the stream sends refetchEvaluation whenever the project's results may have changed.
const (
	ofrepEventStreamPath = "/ofrep/v1/event-stream"
	// DefaultMaxEventStreams bounds the event streams open on one replica.
	DefaultMaxEventStreams = 2000
	// DefaultEventStreamHeartbeat is the interval of SSE comments on an idle stream: proxies
	// and load balancers close connections idle for ~60 s, and a write finds dead peers.
	DefaultEventStreamHeartbeat = 15 * time.Second
	// ofrepInactivityDelaySec is advertised to providers: close the stream after this long
	// in the background, then re-fetch on resume (the ADR's default).
	ofrepInactivityDelaySec = 120
	// streamWriteTimeout bounds one event or heartbeat write: a reader that does not take
	// a few hundred bytes in this long is dropped (it reconnects and re-fetches).
	streamWriteTimeout = 10 * time.Second
	// streamRetryMs is the SSE reconnection delay hint.
	streamRetryMs = 1000
	// streamConnectGrace: a stream opened this soon after a change gets that change at once,
	// closing the window between the provider's bulk fetch and its stream connecting.
	streamConnectGrace = 10 * time.Second
	// maxConfigWait is how long a re-fetch naming a configuration this replica does not
	// serve yet waits for it (another replica swapped first).
	maxConfigWait = time.Second
)

// ofrepEventStream is an eventStreams entry of a bulk or configuration response.
type ofrepEventStream struct {
	Type               string               `json:"type"`
	Endpoint           *ofrepStreamEndpoint `json:"endpoint,omitempty"`
	InactivityDelaySec int                  `json:"inactivityDelaySec,omitempty"`
}

// ofrepStreamEndpoint has no origin: the provider joins requestUri to its configured base
// URL's origin, so the advertisement works behind any Service, Ingress or port-forward.
type ofrepStreamEndpoint struct {
	RequestURI string `json:"requestUri"`
}

// ofrepRefetch is the data of a refetchEvaluation (or streamConnected) event.
type ofrepRefetch struct {
	Type         string `json:"type"`
	ETag         string `json:"etag"`
	LastModified int64  `json:"lastModified,omitempty"` // Unix seconds; omitted when unknown
}

// eventStreams is the advertisement for a request authenticated with key (nil when streams
// are off).
func (s *Server) eventStreams(key string) []ofrepEventStream {
	if s.opts.MaxEventStreams < 0 {
		return nil
	}
	return []ofrepEventStream{{
		Type:               "sse",
		Endpoint:           &ofrepStreamEndpoint{RequestURI: ofrepEventStreamPath + "?token=" + serving.StreamToken(key)},
		InactivityDelaySec: ofrepInactivityDelaySec,
	}}
}

var (
	errStreamToken = &apiError{http.StatusUnauthorized,
		"missing or unknown event-stream token: use the eventStreams entry of a bulk evaluation response"}
	errStreamsFull = &apiError{http.StatusServiceUnavailable,
		"the endpoint is at its limit of event streams: retry after a few seconds, or poll"}
)

// ofrepEventStreamHandler serves GET /ofrep/v1/event-stream?token=...: an SSE stream of
// refetchEvaluation events. It holds no request slot (serveHTTP exempts it), lifts the
// server's read and write timeouts for itself, and ends when the server shuts down.
func (s *Server) ofrepEventStreamHandler(w http.ResponseWriter, r *http.Request) {
	token := r.URL.Query().Get("token")
	p := s.reg.ByStreamToken(token)
	if p == nil {
		writeError(w, errStreamToken)
		return
	}
	if s.streams.Add(1) > int64(s.opts.MaxEventStreams) {
		s.streams.Add(-1)
		s.metrics.shed.Inc()
		s.metrics.pushRejected.Inc()
		w.Header().Set("Retry-After", "5")
		writeError(w, errStreamsFull)
		return
	}
	defer s.streams.Add(-1)
	s.metrics.pushStreams.Inc()
	defer s.metrics.pushStreams.Dec()

	f := s.feeds.get(p.Name, p.Revision)
	rc := http.NewResponseController(w)
	// Lift the server's whole-request read deadline for this connection: a stream reads
	// nothing after its headers, and no server-wide deadline should end it.
	_ = rc.SetReadDeadline(time.Time{})
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache, no-store")
	h.Set("X-Accel-Buffering", "no") // nginx ingress: do not buffer the stream
	w.WriteHeader(http.StatusOK)

	c := f.current()
	buf := make([]byte, 0, 256)
	buf = append(buf, "retry: "...)
	buf = strconv.AppendInt(buf, streamRetryMs, 10)
	buf = append(buf, "\n: connected\n\n"...)
	// A reconnect that names anything but the current state, or a first connect right
	// after a change, gets the change now (notifications are idempotent: at worst a 304).
	// Any other first connect gets the current id in an event providers ignore, so that
	// EventSource sends it as Last-Event-ID when it reconnects, to this replica or another:
	// a change missed while reconnecting is then never lost.
	if last := r.Header.Get("Last-Event-ID"); last != "" {
		if _, current := s.feeds.parseID(last, c); !current {
			buf = s.appendEvent(buf, c, ofrepRefetchType)
		}
	} else if s.now().Sub(c.at) < streamConnectGrace && c.seq > 0 {
		buf = s.appendEvent(buf, c, ofrepRefetchType)
	} else {
		buf = s.appendEvent(buf, c, ofrepConnectedType)
	}
	if !s.streamWrite(rc, w, buf) {
		return
	}

	beat := time.NewTicker(s.opts.EventStreamHeartbeat)
	defer beat.Stop()
	for {
		select {
		case <-c.done:
			// A key removed (rotated, project deleted) ends its streams at the next change or
			// heartbeat: the client's reconnect then gets 401.
			if s.reg.ByStreamToken(token) == nil {
				return
			}
			c = f.current() // the latest: intermediate changes coalesce
			buf = s.appendEvent(buf[:0], c, ofrepRefetchType)
			if !s.streamWrite(rc, w, buf) {
				return
			}
			s.metrics.pushMessages.Inc()
			s.metrics.pushLatency.Observe(s.now().Sub(c.at).Seconds())
		case <-beat.C:
			if s.reg.ByStreamToken(token) == nil || !s.streamWrite(rc, w, []byte(": heartbeat\n\n")) {
				return
			}
			s.metrics.pushHeartbeats.Inc()
		case <-r.Context().Done():
			return
		case <-s.stopStreams:
			return
		}
	}
}

// Event types: OFREP's, and ours that providers ignore (ADR-0008: unknown types must be).
const (
	ofrepRefetchType   = "refetchEvaluation"
	ofrepConnectedType = "streamConnected"
)

// appendEvent appends an event of type typ for c.
func (s *Server) appendEvent(buf []byte, c *change, typ string) []byte {
	id := s.feeds.id(c)
	ev := ofrepRefetch{Type: typ, ETag: `"` + id + `"`}
	if !c.at.IsZero() {
		ev.LastModified = c.at.Unix()
	}
	data, _ := json.Marshal(ev)
	buf = append(buf, "id: "...)
	buf = append(buf, id...)
	buf = append(buf, "\nevent: message\ndata: "...)
	buf = append(buf, data...)
	return append(buf, "\n\n"...)
}

// streamWrite writes and flushes b under its own deadline (the server's WriteTimeout, set
// once per request, would end every stream after two minutes).
func (s *Server) streamWrite(rc *http.ResponseController, w http.ResponseWriter, b []byte) bool {
	_ = rc.SetWriteDeadline(s.now().Add(streamWriteTimeout))
	if _, err := w.Write(b); err != nil {
		return false
	}
	return rc.Flush() == nil
}

// awaitConfig waits, up to maxConfigWait, until this replica serves the configuration a
// re-fetch names (flagConfigEtag from an event of another replica that swapped first), so
// the re-fetch does not answer the old results the client was told are gone. It does not
// wait when this replica's current state is newer than the named one by lastModified
// (flagConfigLastModified): this replica skipped that revision and serves a later one.
func (s *Server) awaitConfig(ctx context.Context, p *serving.Project, etag, lastModified string) *serving.Project {
	f := s.feeds.get(p.Name, p.Revision)
	c := f.current()
	revision, _ := s.feeds.parseID(etag, c)
	if revision == "" || c.knows(revision) {
		return p
	}
	if lm, ok := parseLastModified(lastModified); ok && !c.at.IsZero() && c.at.Unix() > lm {
		return p
	}
	ctx, cancel := context.WithTimeout(ctx, maxConfigWait)
	defer cancel()
	for !c.knows(revision) {
		select {
		case <-c.done:
			c = f.current()
		case <-ctx.Done():
			return p
		}
	}
	if q := s.reg.Get(p.Name); q != nil && q.Evaluator != nil {
		return q
	}
	return p
}

// parseLastModified reads flagConfigLastModified: Unix seconds or an RFC 3339 date-time.
func parseLastModified(v string) (int64, bool) {
	if v == "" {
		return 0, false
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		return n, true
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t.Unix(), true
	}
	return 0, false
}

// stopAllStreams ends every event stream (server shutdown): clients reconnect to another
// replica instead of holding this one's graceful shutdown until its timeout.
func (s *Server) stopAllStreams() { s.stopOnce.Do(func() { close(s.stopStreams) }) }
