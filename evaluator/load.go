package evaluator

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/statsig-operator/statsig-operator/evaluator/internal/arena"
	"github.com/statsig-operator/statsig-operator/evaluator/internal/jsonscan"
	"github.com/statsig-operator/statsig-operator/evaluator/internal/sets"
)

// ErrNoUpdates is returned by Load for {"has_updates": false}: keep the current snapshot.
var ErrNoUpdates = errors.New("evaluator: payload has no updates")

// LoadOptions tune Load.
type LoadOptions struct {
	// Previous, when set, lets the new snapshot share compiled conditions and return values
	// that did not change, so a resync of a mostly unchanged payload costs little memory.
	Previous *Specs
	// Source labels the snapshot in evaluation reasons ("Network" when empty).
	Source string
	// Now overrides the load time (Unix ms) recorded as receivedAt.
	Now int64
}

// loader holds the state of one Load.
type loader struct {
	mu   sync.Mutex // guards out.shared, strs and skipped while specs build in parallel
	sc   *jsonscan.Scanner
	out  *Specs
	prev *sharedTables
	// prevSpecs is the previous snapshot, whose maps a section without changes shares
	prevSpecs      *Specs
	sharedSections int
	strs           map[string]string
	// specs by kind and name, built by the workers while the payload streams (their v2
	// condition ids are resolved once the condition map is complete)
	gates, configs, layers map[string]*specJob
	// v2 condition_map entries, in payload order, compiled by workers while the rest of the
	// payload is still being read (a new entry's JSON lives only until it is compiled)
	condJobs []condEntry
	// same counts the leading condition-map entries equal (id and JSON) to the previous
	// snapshot's, in order: not stored in condJobs until the payload diverges from it
	same        int
	diverged    bool
	work        chan *condJob
	workers     sync.WaitGroup
	raws        arena.Ring   // specs' and conditions' JSON, reused once built or compiled
	jobs        []condJob    // the reader's block of jobs to hand out
	keys        condSlab     // kept keys (condition ids, spec names), the reading goroutine's
	kept        condSlab     // interned strings and return values, under mu
	reused      atomic.Int64 // conditions taken from the previous snapshot
	reusedSpecs atomic.Int64 // specs taken from the previous snapshot
	format      string
	hasUpd      *bool
	skipped     []string
	// cmab_configs, overrides and override_rules, read once the condition map is known
	rawCMAB, rawOverrides, rawOverrideRules []byte
}

// Load decodes a download_config_specs payload (v2 "dcs-v2" maps or v1 arrays) from r as a
// stream and returns an immutable, precompiled snapshot. A payload that says
// {"has_updates": false} returns ErrNoUpdates. A spec that fails to decode is skipped (as
// Server Core skips it); a condition that fails to compile fails the whole payload.
func Load(r io.Reader, opts LoadOptions) (*Specs, error) {
	l := &loader{
		sc: jsonscan.NewScanner(r),
		out: &Specs{source: opts.Source, receivedAt: opts.Now, shared: &sharedTables{
			conditions: map[rawKey]*condition{}, values: map[rawKey]*retVal{},
		}},
		strs:  map[string]string{},
		gates: map[string]*specJob{}, configs: map[string]*specJob{}, layers: map[string]*specJob{},
	}
	if l.out.source == "" {
		l.out.source = "Network"
	}
	if l.out.receivedAt == 0 {
		l.out.receivedAt = time.Now().UnixMilli()
	}
	if opts.Previous != nil && !opts.Previous.shared.needsCompaction() {
		l.prev, l.prevSpecs = opts.Previous.shared, opts.Previous
		// sized like the previous payload's: no growth (garbage) while reading a similar one
		l.gates = make(map[string]*specJob, len(l.prevSpecs.gates))
		l.configs = make(map[string]*specJob, len(l.prevSpecs.configs))
		l.layers = make(map[string]*specJob, len(l.prevSpecs.layers))
	}
	l.diverged = l.prev == nil
	err := l.top()
	l.stopWorkers()
	if err != nil {
		return nil, err
	}
	if l.hasUpd != nil && !*l.hasUpd {
		return nil, ErrNoUpdates
	}
	if l.format == "" {
		if l.hasUpd == nil {
			return nil, errors.New("evaluator: not a config-specs payload: no has_updates and no feature_gates")
		}
		l.format = "v2"
	}
	if err := l.finish(); err != nil {
		return nil, err
	}
	l.out.format = l.format
	slices.Sort(l.skipped)
	l.out.skipped = l.skipped
	if l.sharedSections == 3 { // no spec changed: the names and counts neither
		l.out.names = l.prevSpecs.names
		l.out.counts = l.prevSpecs.counts
		l.out.counts.Conditions = l.out.shared.conds.Len()
	} else {
		l.out.index()
	}
	l.out.reasonRecognized = l.out.source + ":Recognized"
	l.out.reasonUnrecognized = l.out.source + ":Unrecognized"
	l.out.reasonUnsupported = l.out.source + ":Unsupported"
	l.out.link()
	l.out.shared.account(l.prev, int(l.reused.Load()+l.reusedSpecs.Load()))
	return l.out, nil
}

func (l *loader) finish() error {
	// Index the compiled condition map in payload order (a repeated id: the last one wins).
	var conds *condIndex
	if !l.diverged && l.same == l.prev.conds.Len() {
		conds = l.prev.conds // the same entries in the same order: share the index
	} else {
		l.diverge()
		refs := make([]condRef, len(l.condJobs))
		for i, e := range l.condJobs {
			if j := e.job; j != nil {
				if j.err != nil {
					return fmt.Errorf("evaluator: condition %q: %w", e.id, j.err)
				}
				e.c = j.c
			}
			refs[i] = e.condRef
		}
		l.condJobs = nil
		conds = sets.NewIndex(refs)
	}
	l.condJobs = nil
	l.out.shared.conds = conds
	l.out.counts.Conditions = conds.Len()
	var err error
	if l.out.gates, err = l.finishAll(0, l.gates); err != nil {
		return err
	}
	if l.out.configs, err = l.finishAll(1, l.configs); err != nil {
		return err
	}
	if l.out.layers, err = l.finishAll(2, l.layers); err != nil {
		return err
	}
	l.out.shared.specCount = len(l.out.gates) + len(l.out.configs) + len(l.out.layers)
	if l.rawCMAB != nil {
		l.out.cmab = l.loadCMAB(l.rawCMAB)
		for name := range l.out.cmab {
			l.out.cmabNames = append(l.out.cmabNames, name)
		}
		slices.Sort(l.out.cmabNames)
	}
	l.out.mappings = l.loadMappings(l.rawOverrides, l.rawOverrideRules)
	l.rawCMAB, l.rawOverrides, l.rawOverrideRules = nil, nil, nil
	return nil
}

var errBadCondition = errors.New("bad condition")

// skip records a spec left out because it failed to decode.
func (l *loader) skip(name string) {
	l.mu.Lock()
	l.skipped = append(l.skipped, name)
	l.mu.Unlock()
}
