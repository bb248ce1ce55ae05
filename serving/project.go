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

	keys     []keyHash
	entities atomic.Pointer[Entities] // built on first use
}

// Scope is what a key may do with its project.
type Scope uint8

const (
	// ScopeNone: the key is not accepted.
	ScopeNone Scope = iota
	// ScopeClient keys (a project's client SDK keys) evaluate, fetch client initialize
	// responses and log events; they never read the config specs or ID lists, which hold
	// every rule, salt and allow-list.
	ScopeClient
	// ScopeServer keys (the server secret key) may do everything, the forward proxy included.
	ScopeServer
)

// Key is an API key a project accepts, with its scope.
type Key struct {
	Value string
	Scope Scope
}

// ServerKey and ClientKey build Keys.
func ServerKey(v string) Key { return Key{v, ScopeServer} }

// ClientKey is a key with ScopeClient.
func ClientKey(v string) Key { return Key{v, ScopeClient} }

type keyHash struct {
	sum   [32]byte
	scope Scope
}

// SetKeys records the API keys this project accepts; empty values are skipped. Only their
// SHA-256 digests are kept.
func (p *Project) SetKeys(keys ...Key) {
	p.keys = p.keys[:0]
	for _, k := range keys {
		if k.Value != "" && k.Scope != ScopeNone {
			p.keys = append(p.keys, keyHash{sha256.Sum256([]byte(k.Value)), k.Scope})
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
