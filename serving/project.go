package serving

import (
	"crypto/sha256"
	"io"
	"sync/atomic"

	"github.com/statsig-operator/statsig-operator/evaluator"
	"github.com/statsig-operator/statsig-operator/statsig"
)

// Project is one StatsigSpec as served by this replica: immutable once published (a new
// revision is a new Project).
type Project struct {
	// Name of the StatsigSpec.
	Name string
	// Revision is the content address of the snapshot loaded into Evaluator.
	Revision string
	// IDListsRevision is the content address of the loaded ID lists ("" without ID lists).
	IDListsRevision string
	// Evaluator evaluates against this revision.
	Evaluator *evaluator.Evaluator
	// Payload is the stored config-spec payload, for the forward proxy.
	Payload *Payload
	// IDLists are the synced ID lists, re-served by the forward proxy (nil without ID lists).
	IDLists IDListFiles
	// Events receives exposures and custom events; nil when logging is disabled.
	Events EventSink
	// DisableAllLogging mirrors the StatsigSpec option.
	DisableAllLogging bool

	keyHashes [][32]byte
	entities  atomic.Pointer[Entities] // built on first use
}

// SetKeys records the API keys this project accepts (its server secret key and additional
// client keys). Only their SHA-256 digests are kept.
func (p *Project) SetKeys(keys ...string) {
	p.keyHashes = p.keyHashes[:0]
	for _, k := range keys {
		if k != "" {
			p.keyHashes = append(p.keyHashes, sha256.Sum256([]byte(k)))
		}
	}
}

// IDListFiles are synced ID lists that can be written out as ID-list files.
type IDListFiles interface {
	Names() []string
	Info(name string) (statsig.IDListInfo, bool)
	WriteList(name string, w io.Writer) (int64, error)
}

// EventSink is what the event logger offers to evaluation callers.
type EventSink interface {
	// LogExposure queues one exposure for the user (raw logged-user JSON) unless it was
	// logged recently (dedupeKey); it never blocks on the network.
	LogExposure(user []byte, exp evaluator.Exposure, dedupeKey string)
	// LogCustom queues a custom event; it never blocks on the network.
	LogCustom(event []byte) error
}
