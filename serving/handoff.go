package serving

import (
	"sync"

	"github.com/statsig-operator/statsig-operator/evaluator"
)

// Handoff passes the specs the controller loaded to validate a payload, and the compressed
// bytes it stored, to the consumer of the same process, so the consumer neither decodes the
// same bytes a second time nor reads the chunks back from the apiserver: one copy of the
// specs and one of the compressed payload are in memory, not two. main creates one per
// process and gives it to both; a nil Handoff offers nothing.
type Handoff struct {
	mu     sync.Mutex
	byName map[string]handoffEntry
}

type handoffEntry struct {
	sha256     string
	specs      *evaluator.Specs
	compressed []byte
}

// NewHandoff returns an empty Handoff.
func NewHandoff() *Handoff { return &Handoff{byName: map[string]handoffEntry{}} }

// Offer makes specs, loaded from the payload with the given sha256, and that payload as
// stored (zstd-compressed; nil when not offered), available for the named StatsigSpec,
// replacing what was offered before for it. Neither is modified afterwards.
func (h *Handoff) Offer(name, sha256 string, specs *evaluator.Specs, compressed []byte) {
	if h == nil {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.byName[name] = handoffEntry{sha256: sha256, specs: specs, compressed: compressed}
}

// Forget drops what was offered for name (the StatsigSpec is gone).
func (h *Handoff) Forget(name string) {
	if h == nil {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.byName, name)
}

// Specs returns the specs offered for name if they were loaded from the payload with the
// given sha256, else nil.
func (h *Handoff) Specs(name, sha256 string) *evaluator.Specs {
	if h == nil {
		return nil
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if e, ok := h.byName[name]; ok && e.sha256 == sha256 {
		return e.specs
	}
	return nil
}

// Compressed returns the stored (zstd-compressed) payload offered for name if it has the
// given sha256, else nil.
func (h *Handoff) Compressed(name, sha256 string) []byte {
	if h == nil {
		return nil
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if e, ok := h.byName[name]; ok && e.sha256 == sha256 {
		return e.compressed
	}
	return nil
}
