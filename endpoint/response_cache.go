package endpoint

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash"
	"net/http"
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/statsig-operator/statsig-operator/evaluator"
	"github.com/statsig-operator/statsig-operator/serving"
)

// DefaultResponseCacheBytes is the response cache's bound per replica (Options.ResponseCacheBytes)
// that the operator's flags default to.
const DefaultResponseCacheBytes = 32 << 20

// The response cache keeps whole encoded responses of the routes that evaluate every entity
// for one user (client initialize responses, OFREP bulk evaluation), which cost milliseconds
// at large payloads, keyed by a 128-bit digest of everything such a response derives from:
// the route, the project, its revision and ID lists revision, the evaluator's ResultsVersion
// (a new snapshot, overrides or ID lists change it), the request's options and the user as
// sent. A response that read the clock is kept until the instant what it read changes (a
// current_time condition's outcome, a config mapping rule's start, an override's expiry:
// evaluator.User.ResultsValidUntil); one that depended on chance, or was computed while the
// evaluator changed, is not stored (docs/endpoint.md). Raw keys are never kept, only digests.

// cacheKey is a response's digest.
type cacheKey [16]byte

// cacheEntryOverhead approximates an entry's bytes besides its body's capacity and ETag (the
// entry, its map slot, its key), so a bound in bytes holds for small responses too.
const cacheEntryOverhead = 160

// cacheEntry is one stored response. body is never written after it is stored: readers
// share it.
type cacheEntry struct {
	key         cacheKey
	project     string
	body        []byte
	etag        string
	from, until int64       // the evaluator's clock (Unix ms) at which it holds: [from, until)
	prev, next  *cacheEntry // LRU list, most recent after responseCache.root
}

func (e *cacheEntry) size() int64 { return int64(cap(e.body)+len(e.etag)) + cacheEntryOverhead }

// responseCache is an LRU of responses bounded in bytes. One mutex: an operation is a map
// access and a few pointer moves, against milliseconds for the response it saves.
type responseCache struct {
	mu      sync.Mutex
	max     int64
	used    int64
	entries map[cacheKey]*cacheEntry
	root    cacheEntry // sentinel: root.next is the most recent, root.prev the least
	m       *cacheMetrics
}

// newResponseCache returns a cache of at most maxBytes (nil when maxBytes <= 0: no cache).
func newResponseCache(maxBytes int64, m *cacheMetrics) *responseCache {
	if maxBytes <= 0 {
		return nil
	}
	c := &responseCache{max: maxBytes, entries: map[cacheKey]*cacheEntry{}, m: m}
	c.root.next, c.root.prev = &c.root, &c.root
	m.bytes.Set(0)
	return c
}

// get returns the stored response for key at now (the evaluator's clock, Unix ms).
func (c *responseCache) get(key cacheKey, now int64) (body []byte, etag string, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.entries[key]
	if e == nil {
		return nil, "", false
	}
	if now < e.from || now >= e.until { // what it read of the clock has changed (or went back)
		c.remove(e)
		c.m.bytes.Set(float64(c.used))
		return nil, "", false
	}
	c.unlink(e)
	c.pushFront(e)
	return e.body, e.etag, true
}

// put stores a response, evicting the least recently used ones to stay within the bound.
// A response larger than a quarter of the bound is not stored: it would evict most others.
func (c *responseCache) put(key cacheKey, project string, body []byte, etag string, from, until int64) {
	if cap(body)-len(body) > len(body)/8 { // a grown buffer: keep only the response
		body = bytes.Clone(body)
	}
	e := &cacheEntry{key: key, project: project, body: body, etag: etag, from: from, until: until}
	if e.size() > c.max/4 {
		c.m.tooLarge.Inc()
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if old := c.entries[key]; old != nil { // computed concurrently: the same response
		c.remove(old)
	}
	for c.used+e.size() > c.max && c.root.prev != &c.root {
		c.remove(c.root.prev)
		c.m.evictions.Inc()
	}
	c.entries[key] = e
	c.pushFront(e)
	c.used += e.size()
	c.m.bytes.Set(float64(c.used))
}

// dropProject removes a project's responses (a registry change: they can no longer be hit,
// and the memory is better used by the new revision's).
func (c *responseCache) dropProject(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for e := c.root.next; e != &c.root; {
		next := e.next
		if e.project == name {
			c.remove(e)
		}
		e = next
	}
	c.m.bytes.Set(float64(c.used))
}

func (c *responseCache) remove(e *cacheEntry) {
	c.unlink(e)
	delete(c.entries, e.key)
	c.used -= e.size()
}

func (c *responseCache) unlink(e *cacheEntry) {
	e.prev.next, e.next.prev = e.next, e.prev
	e.prev, e.next = nil, nil
}

func (c *responseCache) pushFront(e *cacheEntry) {
	e.prev, e.next = &c.root, c.root.next
	c.root.next.prev = e
	c.root.next = e
}

// stats are the cache's bytes and entries (tests).
func (c *responseCache) stats() (used int64, entries int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.used, len(c.entries)
}

// routeLabel is the route label of the request and response cache series.
const routeLabel = "route"

// cacheMetrics are the statsig_operator_endpoint_response_cache_* series.
type cacheMetrics struct {
	hits, misses, bypassed *prometheus.CounterVec
	evictions, tooLarge    prometheus.Counter
	bytes                  prometheus.Gauge
}

func newCacheMetrics(reg prometheus.Registerer) *cacheMetrics {
	const p = metricsPrefix + "response_cache_"
	m := &cacheMetrics{
		hits: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: p + "hits_total", Help: "Responses served from the response cache, by route.",
		}, []string{routeLabel}),
		misses: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: p + "misses_total", Help: "Cacheable responses computed and stored, by route.",
		}, []string{routeLabel}),
		bypassed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: p + "bypassed_total",
			Help: "Responses computed and not stored, by route: they depended on the clock or chance, " +
				"an override had yet to expire, or the project changed meanwhile.",
		}, []string{routeLabel}),
		evictions: prometheus.NewCounter(prometheus.CounterOpts{
			Name: p + "evictions_total", Help: "Responses evicted to stay within the response cache's bound.",
		}),
		tooLarge: prometheus.NewCounter(prometheus.CounterOpts{
			Name: p + "too_large_total", Help: "Responses not stored for being over a quarter of the bound.",
		}),
		bytes: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: p + "bytes", Help: "Bytes held by the response cache (responses and per-entry overhead).",
		}),
	}
	if reg != nil {
		m.hits = register(reg, m.hits)
		m.misses = register(reg, m.misses)
		m.bypassed = register(reg, m.bypassed)
		m.evictions = register(reg, m.evictions)
		m.tooLarge = register(reg, m.tooLarge)
		m.bytes = register(reg, m.bytes)
	}
	return m
}

// keyHasher builds a cacheKey from length-prefixed fields, so no two field lists collide
// by concatenation.
type keyHasher struct {
	h   hash.Hash
	buf [binary.MaxVarintLen64]byte
}

// newKey starts the key of a response of route for project p at version v.
func newKey(route string, p *serving.Project, v evaluator.ResultsVersion) *keyHasher {
	k := &keyHasher{h: sha256.New()}
	k.str(route)
	k.str(p.Name)
	k.str(p.Revision)
	k.str(p.IDListsRevision)
	k.u64(v.Evaluator)
	k.u64(v.Generation)
	return k
}

func (k *keyHasher) u64(v uint64) {
	n := binary.PutUvarint(k.buf[:], v)
	_, _ = k.h.Write(k.buf[:n])
}

func (k *keyHasher) bytes(b []byte) {
	k.u64(uint64(len(b)))
	_, _ = k.h.Write(b)
}

func (k *keyHasher) str(s string) {
	k.u64(uint64(len(s)))
	_, _ = k.h.Write([]byte(s))
}

func (k *keyHasher) flag(b bool) {
	if b {
		k.u64(1)
	} else {
		k.u64(0)
	}
}

// list hashes an optional list: absent and empty differ (filters).
func (k *keyHasher) list(set bool, l []string) {
	k.flag(set)
	k.u64(uint64(len(l)))
	for _, s := range l {
		k.str(s)
	}
}

func (k *keyHasher) sum() (key cacheKey) {
	var full [sha256.Size]byte
	copy(key[:], k.h.Sum(full[:0]))
	return key
}

// bodyETag is a strong ETag of a response body.
func bodyETag(body []byte) string {
	sum := sha256.Sum256(body)
	return `"` + hex.EncodeToString(sum[:16]) + `"`
}

// cacheable is a response under way on a cached route: what it may be stored under.
type cacheable struct {
	route string
	p     *serving.Project
	v     evaluator.ResultsVersion
	until int64 // the next override expiry (evaluator.CacheableResults)
	key   cacheKey
	ok    bool // the evaluator's state allows caching
}

// lookup starts a cacheable response: when the project's state allows caching, keyed builds
// the key, and a stored response answers the request (true: done).
func (s *Server) lookup(w http.ResponseWriter, r *http.Request, route string, p *serving.Project,
	keyed func(*keyHasher),
) (cacheable, bool) {
	c := cacheable{route: route, p: p}
	if s.cache == nil {
		return c, false
	}
	c.v, c.until, c.ok = p.Evaluator.CacheableResults()
	if !c.ok {
		return c, false
	}
	k := newKey(route, p, c.v)
	keyed(k)
	c.key = k.sum()
	body, etag, hit := s.cache.get(c.key, p.Evaluator.Now())
	if !hit {
		return c, false
	}
	s.cacheMetrics.hits.WithLabelValues(route).Inc()
	writeTagged(w, r, body, etag)
	return c, true
}

// watch prepares the user for a cacheable response (evaluator.User.WatchVolatility).
func (c *cacheable) watch(u *evaluator.User) {
	if c.ok {
		u.WatchVolatility()
	}
}

// store keeps body when nothing it was computed from can change it, and returns its ETag
// ("" when not stored).
func (s *Server) store(c cacheable, u *evaluator.User, body []byte) string {
	if s.cache == nil {
		return ""
	}
	until, ok := u.ResultsValidUntil()
	until = min(until, c.until)
	now := c.p.Evaluator.Now() // after every clock reading of the response
	if !c.ok || !ok || now >= until || !c.p.Evaluator.ResultsUnchanged(c.v) || s.reg.Get(c.p.Name) != c.p {
		s.cacheMetrics.bypassed.WithLabelValues(c.route).Inc()
		return ""
	}
	etag := bodyETag(body)
	s.cache.put(c.key, c.p.Name, body, etag, now, until)
	s.cacheMetrics.misses.WithLabelValues(c.route).Inc()
	return etag
}

// writeTagged writes a JSON body with its ETag, or 304 when the request names it.
func writeTagged(w http.ResponseWriter, r *http.Request, body []byte, etag string) {
	if etag != "" {
		w.Header().Set("ETag", etag)
		if inm := r.Header.Get("If-None-Match"); inm != "" && etagMatches(inm, etag) {
			w.WriteHeader(http.StatusNotModified)
			return
		}
	}
	writeRawJSON(w, http.StatusOK, body)
}
