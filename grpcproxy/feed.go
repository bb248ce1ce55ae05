package grpcproxy

import (
	"sync"
	"time"

	"github.com/statsig-operator/statsig-operator/serving"
	"github.com/statsig-operator/statsig-operator/specstream"
)

// revision is one payload of a project as streams see it. When a newer payload is published
// its changed channel is closed: every stream of the project wakes once, whatever their
// number, and none queues anything (a slow stream simply skips to the newest revision).
type revision struct {
	payload *serving.Payload // nil: the project has no payload yet
	at      time.Time        // when this replica published it (push latency starts here)
	changed chan struct{}

	once sync.Once
	enc  *specstream.Encoded
	err  error
}

// encoded is the payload as a ConfigSpecResponse, decompressed and encoded once, on first
// use: replicas nobody streams from never hold it.
func (r *revision) encoded() (*specstream.Encoded, error) {
	r.once.Do(func() {
		rc, err := r.payload.Open()
		if err != nil {
			r.err = err
			return
		}
		defer func() { _ = rc.Close() }()
		r.enc, r.err = specstream.EncodeResponse(rc, r.payload.Size, uint64(max(r.payload.Time, 0)))
	})
	return r.enc, r.err
}

// feeds holds the current revision of every project, fed by the registry.
type feeds struct {
	reg *serving.Registry
	now func() time.Time

	mu     sync.Mutex
	byName map[string]*revision
}

func newFeeds(reg *serving.Registry, now func() time.Time) *feeds {
	f := &feeds{reg: reg, now: now, byName: map[string]*revision{}}
	reg.Subscribe(func(name, _ string) { f.publish(name) })
	return f
}

// publish makes the registry's payload of name current; runs on the registry writer's
// goroutine, so it only swaps a pointer and closes a channel. A notification without a new
// payload (an overrides change) does nothing: the forward proxy serves payloads, not results.
func (f *feeds) publish(name string) {
	p := f.reg.Get(name)
	var pl *serving.Payload
	if p != nil {
		pl = p.Payload
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	old := f.byName[name]
	if old != nil && old.payload == pl {
		return
	}
	f.byName[name] = &revision{payload: pl, at: f.now(), changed: make(chan struct{})}
	if old != nil {
		close(old.changed)
	}
}

// current returns the project's current revision, creating the entry on first use.
func (f *feeds) current(name string) *revision {
	f.mu.Lock()
	r := f.byName[name]
	f.mu.Unlock()
	if r != nil {
		return r
	}
	f.publish(name)
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.byName[name]
}
