package evaluator

import (
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
)

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
	parallel(len(list), func(i int) {
		built[i], same[i], errs[i] = l.finishSpec(sec, list[i].name, list[i].j)
		if same[i] {
			nSame.Add(1)
		}
	})
	if p := l.prevSpecs; p != nil && int(nSame.Load()) == len(list) {
		if m := p.section(sec); len(m) == len(list) {
			l.sharedSections++
			return m, nil
		}
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
		out[n.name] = built[i]
	}
	return out, nil
}

// specName returns a v2 spec's name (a key of its section): the previous snapshot's copy when
// it had the spec, else a copy kept with the load's other keys.
func (l *loader) specName(kind Kind, b []byte) string {
	if l.prevSpecs != nil {
		if sp, ok := l.prevSpecs.section(section(kind))[string(b)]; ok {
			return sp.name
		}
	}
	return l.keys.arena().Str(b)
}

// addSpec takes one spec of a section's kind; raw is the reader's scratch buffer.
func (l *loader) addSpec(kind Kind, name string, raw []byte) *specJob {
	key := keyOf(raw)
	if l.prevSpecs != nil {
		if sp, ok := l.prevSpecs.section(section(kind))[name]; ok && sp.reusable && sp.key == key {
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

// finishSpec returns the previous snapshot's spec when its JSON and every condition it
// references are unchanged (a resync then allocates almost nothing), else the spec the
// workers built, its condition ids resolved against this payload's condition map.
//
// same: the previous snapshot's entry is kept as it is (finishAll records it).
func (l *loader) finishSpec(sec int, id string, j *specJob) (sp *spec, same bool, err error) {
	if j == unchangedSpec {
		prev := l.prevSpecs.section(sec)[id]
		if l.sameConditions(prev.condIDs) {
			l.reusedSpecs.Add(1)
			return prev, true, nil
		}
		return l.remap(prev), false, nil
	}
	if j.err != nil {
		return nil, false, j.err
	}
	if l.prevSpecs != nil {
		if prev, ok := l.prevSpecs.section(sec)[id]; ok && prev.key == j.key && l.sameConditions(prev.condIDs) {
			l.reusedSpecs.Add(1)
			return prev, true, nil
		}
	}
	sp = j.sp
	total := l.resolve(sp, j.condIDs)
	sp.key, sp.condIDs = j.key, j.condIDs
	sp.reusable = len(j.condIDs) == 0 || len(j.condIDs) == total
	return sp, false, nil
}

// remap copies a previous spec whose JSON is unchanged but some of whose conditions changed,
// pointing its rules at this load's conditions (by id, in rule order).
func (l *loader) remap(prev *spec) *spec {
	sp := *prev
	sp.rules = slices.Clone(prev.rules)
	k := 0
	arena := make([]*condition, len(prev.condIDs))
	for i := range sp.rules {
		n := len(sp.rules[i].conds)
		conds := arena[:n:n]
		arena = arena[n:]
		if n <= inlineConds {
			conds = sp.rules[i].inl[:n:n] // the clone's own inline array
		}
		for j := range conds {
			if ref, ok := l.out.shared.conds.Get(prev.condIDs[k]); ok {
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
