package evaluator

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strconv"
	"strings"
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

// rawSpec is one spec as it appears in the payload (v1 carries its name inside).
type rawSpec struct {
	Name                string          `json:"name"`
	Type                string          `json:"type"`
	Entity              string          `json:"entity"`
	Salt                string          `json:"salt"`
	Enabled             bool            `json:"enabled"`
	DefaultValue        json.RawMessage `json:"defaultValue"`
	Rules               []rawRule       `json:"rules"`
	IDType              string          `json:"idType"`
	Version             *int            `json:"version"`
	IsActive            *bool           `json:"isActive"`
	HasSharedParams     *bool           `json:"hasSharedParams"`
	ExplicitParameters  []string        `json:"explicitParameters"`
	TargetAppIDs        []string        `json:"targetAppIDs"`
	ForwardAllExposures bool            `json:"forwardAllExposures"`
	UseNewLayerEval     bool            `json:"useNewLayerEval"`
}

type rawRule struct {
	ID                string            `json:"id"`
	PassPercentage    float64           `json:"passPercentage"`
	Conditions        []json.RawMessage `json:"conditions"`
	ReturnValue       json.RawMessage   `json:"returnValue"`
	Salt              *string           `json:"salt"`
	IDType            string            `json:"idType"`
	GroupName         *string           `json:"groupName"`
	ConfigDelegate    *string           `json:"configDelegate"`
	IsExperimentGroup *bool             `json:"isExperimentGroup"`
	SamplingRate      *int              `json:"samplingRate"`
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
	sectionLen     int // specs in the section being finished
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
		l.gates = make(map[string]*specJob, len(l.prev.specs[0]))
		l.configs = make(map[string]*specJob, len(l.prev.specs[1]))
		l.layers = make(map[string]*specJob, len(l.prev.specs[2]))
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

// top reads the payload's top-level object as a stream: spec sections and the condition map
// are split into one raw JSON value per entry (handed to the workers as they arrive); nothing
// else of the payload is kept.
func (l *loader) top() error {
	if c := l.sc.Peek(); c != '{' {
		if c == 0 && l.sc.Err() != nil && l.sc.Err() != io.EOF {
			return fmt.Errorf("evaluator: payload: %w", l.sc.Err())
		}
		return errors.New("evaluator: payload must be a JSON object")
	}
	var fieldErr error
	err := l.sc.Object(func(key string) error {
		if err := l.field(key); err != nil {
			fieldErr = err
			return err
		}
		return nil
	})
	if fieldErr != nil {
		return fieldErr
	}
	if err != nil {
		return fmt.Errorf("evaluator: payload: %w", err)
	}
	return nil
}

func (l *loader) field(key string) error {
	sc := l.sc
	var err error
	switch key {
	case "feature_gates":
		err = l.specs(key, KindGate, l.gates)
	case "dynamic_configs":
		err = l.specs(key, KindDynamicConfig, l.configs)
	case "layer_configs":
		err = l.specs(key, KindLayer, l.layers)
	case "condition_map":
		switch sc.Peek() {
		case '{':
			l.condJobs, l.same, l.diverged = l.condJobs[:0], 0, l.prev == nil
			buf := make([]byte, 0, 4096)
			err = sc.ObjectBytes(func(id []byte) error {
				var cerr error
				if buf, cerr = sc.Capture(buf[:0]); cerr != nil {
					return cerr
				}
				l.addCondition(id, buf)
				return nil
			})
		case 'n':
			err = sc.Skip()
		default:
			if err = sc.Skip(); err == nil {
				err = errors.New("condition_map must be an object")
			}
		}
	case "has_updates":
		var raw []byte
		if raw, err = sc.Capture(nil); err != nil {
			break
		}
		switch string(raw) {
		case "true", "false":
			b := string(raw) == "true"
			l.hasUpd = &b
		default:
			err = errors.New("has_updates must be a boolean")
		}
	case "time":
		var raw []byte
		if raw, err = sc.Capture(nil); err == nil && len(raw) > 0 && (raw[0] == '-' || raw[0] >= '0' && raw[0] <= '9') {
			if f, perr := strconv.ParseFloat(string(raw), 64); perr == nil || isRangeErr(perr) {
				l.out.time = int64(f)
			}
		}
	case "checksum":
		err = l.lenient(&l.out.checksum)
	case "company_id":
		err = l.lenient(&l.out.companyID)
	case "app_id":
		err = l.lenient(&l.out.appID)
	case "default_environment":
		err = l.lenient(&l.out.defaultEnvironment)
	case "sdk_keys_to_app_ids":
		err = l.lenient(&l.out.sdkKeysToAppIDs)
	case "hashed_sdk_keys_to_app_ids":
		err = l.lenient(&l.out.hashedSDKKeysToAppIDs)
	case "experiment_to_layer":
		err = l.lenient(&l.out.experimentToLayer)
	case "param_stores":
		l.out.paramStores, err = sc.Capture(nil)
	default:
		err = sc.Skip()
	}
	if err != nil {
		return fmt.Errorf("evaluator: payload field %q: %w", key, err)
	}
	return nil
}

// lenient decodes the next value into dst, leaving it unset for null or a value of another type.
func (l *loader) lenient(dst any) error {
	raw, err := l.sc.Capture(nil)
	if err == nil {
		_ = json.Unmarshal(raw, dst)
	}
	return err
}

// specs reads one spec section: an object name→spec (v2) or an array of specs (v1). Each spec
// is handed on as its own raw JSON and decoded independently.
func (l *loader) specs(section string, kind Kind, into map[string]*specJob) error {
	sc := l.sc
	buf := make([]byte, 0, 4096)
	switch sc.Peek() {
	case '{':
		l.setFormat("v2")
		return sc.ObjectBytes(func(nameB []byte) error {
			name := l.specName(kind, nameB)
			var err error
			if buf, err = sc.Capture(buf[:0]); err != nil {
				return err
			}
			into[name] = l.addSpec(kind, name, buf)
			return nil
		})
	case '[':
		l.setFormat("v1")
		i := 0
		return sc.Array(func() error {
			var err error
			if buf, err = sc.Capture(buf[:0]); err != nil {
				return err
			}
			if name, err := v1Name(buf); err != nil || name == "" {
				l.skip(fmt.Sprintf("%s[%d]", section, i))
			} else {
				into[name] = l.addSpec(kind, name, buf)
			}
			i++
			return nil
		})
	case 'n':
		return sc.Skip()
	}
	if err := sc.Skip(); err != nil {
		return err
	}
	return fmt.Errorf("%s must be an object or an array", section)
}

func (l *loader) setFormat(f string) {
	if l.format == "" {
		l.format = f
	}
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
	return nil
}

// finishAll finishes one section's specs. A section whose specs are all the previous
// snapshot's, with the same conditions, shares its maps (a resync of an unchanged section
// allocates nothing for it).
func (l *loader) finishAll(sec int, jobs map[string]*specJob) (map[string]*spec, error) {
	type named struct {
		name string
		j    *specJob
	}
	list := make([]named, 0, len(jobs))
	for name, j := range jobs {
		list = append(list, named{name, j})
	}
	built := make([]*spec, len(list))
	errs := make([]error, len(list))
	same := make([]bool, len(list))
	var nSame atomic.Int64
	l.sectionLen = len(list)
	parallel(len(list), func(i int) {
		built[i], same[i], errs[i] = l.finishSpec(sec, list[i].name, list[i].j)
		if same[i] {
			nSame.Add(1)
		}
	})
	if p := l.prevSpecs; p != nil && int(nSame.Load()) == len(list) && len(l.prev.specs[sec]) == len(list) {
		if m := p.section(sec); len(m) == len(list) {
			l.out.shared.specs[sec] = l.prev.specs[sec]
			l.sharedSections++
			return m, nil
		}
	}
	entries := l.out.shared.specs[sec]
	if entries == nil {
		entries = make(map[string]specEntry, len(list))
		l.out.shared.specs[sec] = entries
	}
	out := make(map[string]*spec, len(list))
	for i, n := range list {
		if err := errs[i]; err != nil {
			if errors.Is(err, errBadCondition) {
				return nil, fmt.Errorf("evaluator: spec %q: %w", n.name, err)
			}
			l.skip(n.name)
			continue
		}
		if same[i] {
			entries[n.name] = l.prev.specs[sec][n.name]
		}
		out[n.name] = built[i]
	}
	return out, nil
}

// condRef is a compiled condition_map entry: its id, the hash of its JSON and the condition.
type condRef struct {
	id  string
	key rawKey
	c   *condition
}

// IndexKey is the entry's key in the condition map's index.
func (r condRef) IndexKey() string { return r.id }

// condIndex is the condition map by id.
type condIndex = sets.Index[condRef]

// condEntry is one condition_map entry, in payload order: reused from the previous snapshot
// when its JSON is unchanged (c set), else compiled by a worker (job).
type condEntry struct {
	condRef
	job *condJob
}

// condJob is a worker's job: compile one condition, or build one spec.
type condJob struct {
	raw   []byte
	chunk *arena.Chunk // raw's chunk, released once compiled
	c     *condition
	err   error
	spec  *specJob // set: this job builds a spec instead
}

// unchangedSpec stands for every spec whose JSON is the previous snapshot's.
var unchangedSpec = &specJob{}

// specJob is one spec built by a worker from its JSON (unchangedSpec: taken from the
// previous snapshot once the condition map is known).
type specJob struct {
	kind    Kind
	name    string
	key     rawKey
	raw     []byte
	chunk   *arena.Chunk // raw's chunk, released once built
	sp      *spec
	condIDs []string
	err     error
}

// specName returns a v2 spec's name (a key of its section): the previous snapshot's copy when
// it had the spec, else a copy kept with the load's other keys.
func (l *loader) specName(kind Kind, b []byte) string {
	if l.prev != nil {
		if e, ok := l.prev.specs[section(kind)][string(b)]; ok {
			return e.sp.name
		}
	}
	return l.keys.arena().Str(b)
}

// addSpec takes one spec of a section's kind; raw is the reader's scratch buffer.
func (l *loader) addSpec(kind Kind, name string, raw []byte) *specJob {
	key := keyOf(raw)
	if l.prev != nil {
		if e, ok := l.prev.specs[section(kind)][name]; ok && e.reusable && e.key == key {
			// unchanged: neither copied nor kept (a resync of a mostly unchanged payload)
			return unchangedSpec
		}
	}
	j := &specJob{kind: kind, name: name, key: key}
	j.raw, j.chunk = l.raws.Clone(raw)
	l.submit(&condJob{spec: j})
	return j
}

// addCondition takes one condition_map entry; id and raw are the reader's scratch buffers.
func (l *loader) addCondition(id []byte, raw []byte) {
	e := condEntry{condRef: condRef{key: keyOf(raw)}}
	if !l.diverged {
		if p := l.prev.conds; l.same < p.Len() && p.Entries()[l.same].key == e.key && p.Entries()[l.same].id == string(id) {
			l.same++ // (a resync of an unchanged map stores nothing)
			l.reused.Add(1)
			return
		}
		l.diverge()
	}
	if l.prev != nil {
		if ref, ok := l.prev.conds.GetBytes(id); ok {
			e.id = ref.id // the previous snapshot's copy
			if ref.key == e.key {
				e.c = ref.c // unchanged: neither copied nor compiled again
				l.condJobs = append(l.condJobs, e)
				l.reused.Add(1)
				return
			}
		}
	}
	if e.id == "" {
		e.id = l.keys.arena().Str(id)
	}
	if len(l.jobs) == 0 {
		l.jobs = make([]condJob, 1024)
	}
	e.job, l.jobs = &l.jobs[0], l.jobs[1:]
	e.job.raw, e.job.chunk = l.raws.Clone(raw)
	l.condJobs = append(l.condJobs, e)
	l.submit(e.job)
}

// diverge stores the condition-map entries taken so far from the previous snapshot.
func (l *loader) diverge() {
	if l.diverged {
		return
	}
	l.diverged = true
	l.condJobs = make([]condEntry, 0, l.prev.conds.Len())
	for _, r := range l.prev.conds.Entries()[:l.same] {
		l.condJobs = append(l.condJobs, condEntry{condRef: r})
	}
}

// submit queues a job for the workers, starting them on first use: conditions are compiled
// and specs built while the reader goroutine is still reading the payload.
func (l *loader) submit(j *condJob) {
	if l.work == nil {
		l.work = make(chan *condJob, 256)
		for range runtime.GOMAXPROCS(0) {
			l.workers.Add(1)
			go func() {
				defer l.workers.Done()
				var slab condSlab
				for j := range l.work {
					if s := j.spec; s != nil {
						s.sp, s.condIDs, s.err = l.build(s.name, s.raw, s.kind, &slab)
						l.raws.Release(s.chunk)
						s.raw, s.chunk = nil, nil
						continue
					}
					j.c, j.err = compileInto(j.raw, &slab)
					l.raws.Release(j.chunk)
					j.raw, j.chunk = nil, nil
				}
			}()
		}
	}
	l.work <- j
}

// stopWorkers waits for every queued condition to be compiled.
func (l *loader) stopWorkers() {
	if l.work != nil {
		close(l.work)
		l.workers.Wait()
		l.work = nil
	}
}

// parallel runs fn(0..n-1) on every core, in contiguous blocks.
func parallel(n int, fn func(i int)) {
	workers := runtime.GOMAXPROCS(0)
	if workers > n/64 {
		workers = n/64 + 1
	}
	if workers <= 1 {
		for i := 0; i < n; i++ {
			fn(i)
		}
		return
	}
	var wg sync.WaitGroup
	per := (n + workers - 1) / workers
	for w := 0; w < workers; w++ {
		lo, hi := w*per, min((w+1)*per, n)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := lo; i < hi; i++ {
				fn(i)
			}
		}()
	}
	wg.Wait()
}

var errBadCondition = errors.New("bad condition")

// finishSpec returns the previous snapshot's spec when its JSON and every condition it
// references are unchanged (a resync then allocates almost nothing), else the spec the
// workers built, its condition ids resolved against this payload's condition map.
//
// same: the previous snapshot's entry is kept as it is (finishAll records it).
func (l *loader) finishSpec(sec int, id string, j *specJob) (sp *spec, same bool, err error) {
	if j == unchangedSpec {
		e := l.prev.specs[sec][id]
		if l.sameConditions(e.condIDs) {
			l.reusedSpecs.Add(1)
			return e.sp, true, nil
		}
		e.sp = l.remap(e)
		l.putEntry(sec, id, e)
		return e.sp, false, nil
	}
	if j.err != nil {
		return nil, false, j.err
	}
	if l.prev != nil {
		if e, ok := l.prev.specs[sec][id]; ok && e.key == j.key && l.sameConditions(e.condIDs) {
			l.reusedSpecs.Add(1)
			return e.sp, true, nil
		}
	}
	sp = j.sp
	total := l.resolve(sp, j.condIDs)
	l.putEntry(sec, id, specEntry{key: j.key, condIDs: j.condIDs, sp: sp, reusable: len(j.condIDs) == 0 || len(j.condIDs) == total})
	return sp, false, nil
}

func (l *loader) putEntry(sec int, id string, e specEntry) {
	l.mu.Lock()
	defer l.mu.Unlock()
	m := l.out.shared.specs[sec]
	if m == nil {
		m = make(map[string]specEntry, l.sectionLen)
		l.out.shared.specs[sec] = m
	}
	m[id] = e
}

// resolve points the rules' condition-id placeholders (nil) at this payload's compiled
// conditions (a missing id is an unsupported condition, §2.6), keeps the condition map's copy
// of each id, and returns the number of conditions.
func (l *loader) resolve(sp *spec, ids []string) int {
	k, total := 0, 0
	for i := range sp.rules {
		r := &sp.rules[i]
		for j, c := range r.conds {
			if c == nil {
				if ref, ok := l.out.shared.conds.Get(ids[k]); ok {
					r.conds[j], ids[k] = ref.c, ref.id
				} else {
					r.conds[j], ids[k] = &condition{typ: condUnknown}, strings.Clone(ids[k])
				}
				k++
			}
		}
		r.pureFrom = pureFrom(r.conds)
		total += len(r.conds)
	}
	return total
}

// remap copies a previous spec whose JSON is unchanged but some of whose conditions changed,
// pointing its rules at this load's conditions (by id, in rule order).
func (l *loader) remap(e specEntry) *spec {
	sp := *e.sp
	sp.rules = slices.Clone(e.sp.rules)
	k := 0
	arena := make([]*condition, len(e.condIDs))
	for i := range sp.rules {
		n := len(sp.rules[i].conds)
		conds := arena[:n:n]
		arena = arena[n:]
		if n <= inlineConds {
			conds = sp.rules[i].inl[:n:n] // the clone's own inline array
		}
		for j := range conds {
			if ref, ok := l.out.shared.conds.Get(e.condIDs[k]); ok {
				conds[j] = ref.c
			} else {
				conds[j] = &condition{typ: condUnknown}
			}
			k++
		}
		sp.rules[i].conds = conds
		sp.rules[i].pureFrom = pureFrom(conds)
	}
	return &sp
}

func (l *loader) sameConditions(ids []string) bool {
	if l.out.shared.conds == l.prev.conds {
		return true // the condition map did not change
	}
	for _, id := range ids {
		now, _ := l.out.shared.conds.Get(id)
		before, _ := l.prev.conds.Get(id)
		if now.key != before.key {
			return false
		}
	}
	return true
}

// build decodes one spec. Inline (v1) conditions are compiled here; v2 condition ids are left
// as nil placeholders for resolve, since the condition map comes later in the payload.
func (l *loader) build(name string, raw json.RawMessage, defKind Kind, slab *condSlab) (*spec, []string, error) {
	var rs rawSpec
	if err := decodeSpec(raw, &rs); err != nil {
		return nil, nil, err
	}
	var condIDs []string
	sp := slab.spec()
	*sp = spec{
		name: name, entity: Kind(l.intern(rs.Entity)), salt: slab.concat(rs.Salt), idType: l.intern(rs.IDType),
		enabled: rs.Enabled, def: l.value(rs.DefaultValue),
		isActive: triOf(rs.IsActive), hasSharedParams: triOf(rs.HasSharedParams),
		forwardAll: rs.ForwardAllExposures, newLayerEval: rs.UseNewLayerEval,
	}
	if sp.entity == "" {
		sp.entity = defKind
	}
	if rs.Version != nil {
		sp.version, sp.hasVersion = *rs.Version, true
	}
	if rs.ExplicitParameters != nil {
		sp.explicit, sp.hasExplicit = slab.strings(l.internAll(rs.ExplicitParameters)), true
	}
	if rs.TargetAppIDs != nil {
		sp.targetAppIDs, sp.hasTargetApps = slab.strings(l.internAll(rs.TargetAppIDs)), true
	}
	sp.rules = slab.ruleSlice(len(rs.Rules))
	// rules with few conditions keep them inline; one backing array holds the longer lists
	nconds := 0
	for _, rr := range rs.Rules {
		if len(rr.Conditions) > inlineConds {
			nconds += len(rr.Conditions)
		}
	}
	condArena := slab.condPtrs(nconds)[:0]
	for i, rr := range rs.Rules {
		r := &sp.rules[i]
		r.passPct, r.idType = rr.PassPercentage, l.intern(rr.IDType)
		r.idTypeIsUser = strings.EqualFold(rr.IDType, "userid")
		r.ret = l.value(rr.ReturnValue)
		ruleSalt := rr.ID
		if rr.Salt != nil {
			ruleSalt = *rr.Salt
		}
		r.salt = slab.concat(ruleSalt) // rule ids and salts are unique: not interned
		if r.id = r.salt; ruleSalt != rr.ID {
			r.id = slab.concat(rr.ID)
		}
		if rr.GroupName != nil {
			r.groupName = l.intern(*rr.GroupName)
		}
		if rr.ConfigDelegate != nil && *rr.ConfigDelegate != "" {
			r.delegate = slab.delegate()
			r.delegate.name = l.intern(*rr.ConfigDelegate)
		}
		r.isExpGroup = triOf(rr.IsExperimentGroup)
		if rr.SamplingRate != nil {
			r.samplingRate, r.hasSampling = *rr.SamplingRate, true
		}
		conds := condArena[len(condArena):len(condArena)]
		if len(rr.Conditions) <= inlineConds {
			conds = r.inl[:0:len(rr.Conditions)]
		}
		for _, cr := range rr.Conditions {
			c, id, err := l.ruleCondition(cr, slab)
			if err != nil {
				return nil, nil, fmt.Errorf("%w: %v", errBadCondition, err)
			}
			if c == nil {
				condIDs = append(condIDs, id)
			}
			conds = append(conds, c)
		}
		if len(rr.Conditions) > inlineConds {
			condArena = condArena[:len(condArena)+len(conds)]
		}
		r.conds = conds[:len(conds):len(conds)]
	}
	return sp, slab.strings(condIDs), nil
}

// ruleCondition reads a rule's condition: a condition_map id (v2; returned with a nil
// condition for resolve) or an inline object (v1, compiled now).
func (l *loader) ruleCondition(raw json.RawMessage, slab *condSlab) (*condition, string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && raw[0] == '"' {
		// the usual id needs no unescaping
		if n := len(raw); n >= 2 && raw[n-1] == '"' && bytes.IndexByte(raw[1:n-1], '\\') < 0 {
			// a temporary copy (raw's chunk is reused once the spec is built): resolve swaps
			// the id for the condition map's copy
			return nil, slab.tmp.Str(raw[1 : n-1]), nil
		}
		var id string
		if err := json.Unmarshal(raw, &id); err != nil {
			return nil, "", err
		}
		return nil, id, nil
	}
	c, err := l.condition(raw, slab)
	return c, "", err
}

// condition compiles a condition, sharing identical ones within and across snapshots. The
// compile itself runs outside the lock so parallel spec builds do not serialise on it.
func (l *loader) condition(raw json.RawMessage, slab *condSlab) (*condition, error) {
	key := keyOf(raw)
	l.mu.Lock()
	c, ok := l.out.shared.conditions[key]
	if !ok && l.prev != nil {
		if c, ok = l.prev.conditions[key]; ok {
			l.out.shared.conditions[key] = c
			l.reused.Add(1)
		}
	}
	l.mu.Unlock()
	if ok {
		return c, nil
	}
	c, err := compileInto(raw, slab)
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if existing, ok := l.out.shared.conditions[key]; ok {
		return existing, nil
	}
	l.out.shared.conditions[key] = c
	return c, nil
}

// value interns a return value by its raw JSON.
func (l *loader) value(raw json.RawMessage) *retVal {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		raw = json.RawMessage("null")
	}
	key := keyOf(raw)
	l.mu.Lock()
	defer l.mu.Unlock()
	if v, ok := l.out.shared.values[key]; ok {
		return v
	}
	if l.prev != nil {
		if v, ok := l.prev.values[key]; ok {
			l.out.shared.values[key] = v
			return v
		}
	}
	v := l.kept.value()
	v.raw = json.RawMessage(l.kept.clone(raw))
	v.isFalse, v.isTrue = string(raw) == "false", string(raw) == "true"
	l.out.shared.values[key] = v
	return v
}

func (l *loader) intern(s string) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if v, ok := l.strs[s]; ok {
		return v
	}
	s = l.kept.concat(s)
	l.strs[s] = s
	return s
}

func (l *loader) internAll(ss []string) []string {
	for i, s := range ss {
		ss[i] = l.intern(s)
	}
	return ss
}

// skip records a spec left out because it failed to decode.
func (l *loader) skip(name string) {
	l.mu.Lock()
	l.skipped = append(l.skipped, name)
	l.mu.Unlock()
}

// v1Name reads a v1 spec's "name" the way encoding/json fills a string field (the key
// matched case-insensitively, the last one wins, null leaves it empty, another type is an
// error), without decoding the rest of the spec.
func v1Name(raw []byte) (string, error) {
	c := jsonscan.New(raw)
	var name []byte
	err := c.Object(func(key []byte) error {
		if fieldKey(key) != "name" {
			return c.Skip()
		}
		var err error
		name, _, err = readStr(&c, "name", name)
		return err
	})
	if err == nil && c.Next() != 0 {
		err = c.Fail("data after the spec")
	}
	return string(name), err
}
