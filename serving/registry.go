// Package serving holds what every replica serves for each StatsigSpec: the evaluator loaded
// with the current revision, the stored payload for the forward proxy and the project's event
// sink. The snapshot consumer (or standalone mode) fills the Registry; the endpoint and the
// admission webhook read it.
package serving

import (
	"cmp"
	"crypto/sha256"
	"crypto/subtle"
	"slices"
	"sync"
	"sync/atomic"
)

// Registry maps StatsigSpec names and API keys to the Project being served. Reads are
// lock-free (one atomic load of an immutable index); writes rebuild the index.
type Registry struct {
	mu        sync.Mutex // serialises writers
	index     atomic.Pointer[index]
	listeners []func(name, revision string)
}

type index struct {
	byName map[string]*Project
	byKey  map[[32]byte]*Project
	// byToken indexes the keys' event-stream tokens (streamtoken.go).
	byToken map[[32]byte]*Project
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	r := &Registry{}
	r.index.Store(newIndex(0))
	return r
}

// Set publishes p (replacing the project of the same name) and notifies subscribers when its
// revision changed.
func (r *Registry) Set(p *Project) {
	r.mu.Lock()
	old := r.index.Load()
	prev := old.byName[p.Name]
	next := newIndex(len(old.byName) + 1)
	for name, q := range old.byName {
		if name != p.Name {
			next.byName[name] = q
		}
	}
	next.byName[p.Name] = p
	next.rebuildKeys()
	r.index.Store(next)
	listeners := r.listeners
	r.mu.Unlock()
	if prev == nil || prev.Revision != p.Revision {
		for _, fn := range listeners {
			fn(p.Name, p.Revision)
		}
	}
}

// Delete stops serving the named project and notifies subscribers (with revision "").
func (r *Registry) Delete(name string) {
	r.mu.Lock()
	old := r.index.Load()
	if _, ok := old.byName[name]; !ok {
		r.mu.Unlock()
		return
	}
	next := newIndex(len(old.byName))
	for n, q := range old.byName {
		if n != name {
			next.byName[n] = q
		}
	}
	next.rebuildKeys()
	r.index.Store(next)
	listeners := r.listeners
	r.mu.Unlock()
	for _, fn := range listeners {
		fn(name, "")
	}
}

func newIndex(projects int) *index {
	return &index{
		byName: make(map[string]*Project, projects), byKey: map[[32]byte]*Project{}, byToken: map[[32]byte]*Project{},
	}
}

func (ix *index) rebuildKeys() {
	for _, p := range ix.byName {
		for _, h := range p.keys {
			ix.byKey[h.sum] = p
			ix.byToken[streamToken(h.sum)] = p
		}
	}
}

// Get returns the named project, or nil.
func (r *Registry) Get(name string) *Project { return r.index.Load().byName[name] }

// ByKey returns the project that accepts the presented API key in any scope, or nil.
func (r *Registry) ByKey(key string) *Project {
	p, _ := r.Authorize(key)
	return p
}

// Authorize returns the project that accepts the presented API key and the key's scope
// (nil, ScopeNone when no project does). Keys are compared by SHA-256 so they are never held
// in the index; the final comparison is constant-time.
func (r *Registry) Authorize(key string) (*Project, Scope) {
	if key == "" {
		return nil, ScopeNone
	}
	h := sha256.Sum256([]byte(key))
	p := r.index.Load().byKey[h]
	if p == nil {
		return nil, ScopeNone
	}
	for _, k := range p.keys {
		if subtle.ConstantTimeCompare(k.sum[:], h[:]) == 1 {
			return p, k.scope
		}
	}
	return nil, ScopeNone
}

// Only returns the single project when exactly one is served (so callers may omit the
// StatsigSpec name when the choice is unambiguous), else nil.
func (r *Registry) Only() *Project {
	ix := r.index.Load()
	if len(ix.byName) != 1 {
		return nil
	}
	for _, p := range ix.byName {
		return p
	}
	return nil
}

// List returns the served projects sorted by name.
func (r *Registry) List() []*Project {
	ix := r.index.Load()
	out := make([]*Project, 0, len(ix.byName))
	for _, p := range ix.byName {
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b *Project) int { return cmp.Compare(a.Name, b.Name) })
	return out
}

// Len is the number of served projects.
func (r *Registry) Len() int { return len(r.index.Load().byName) }

// Notify calls the subscribers for the named project without a new revision: its results
// changed another way (its overrides).
func (r *Registry) Notify(name string) {
	r.mu.Lock()
	p := r.index.Load().byName[name]
	listeners := r.listeners
	r.mu.Unlock()
	if p == nil {
		return
	}
	for _, fn := range listeners {
		fn(p.Name, p.Revision)
	}
}

// Subscribe calls fn (synchronously, from the writer's goroutine: keep it short) whenever a
// project is published with a new revision, notified (Notify) or deleted (revision "").
func (r *Registry) Subscribe(fn func(name, revision string)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.listeners = append(r.listeners, fn)
}
