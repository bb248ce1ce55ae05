package evaluator

import (
	"runtime"
	"sync"

	"github.com/statsig-operator/statsig-operator/evaluator/internal/arena"
	"github.com/statsig-operator/statsig-operator/evaluator/internal/sets"
)

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

// submit queues a job for the workers, starting them on first use: conditions are compiled
// and specs built while the reader goroutine is still reading the payload.
func (l *loader) submit(j *condJob) {
	if l.work == nil {
		l.work = make(chan *condJob, 256)
		for range runtime.GOMAXPROCS(0) {
			l.workers.Go(func() {
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
			})
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
		for i := range n {
			fn(i)
		}
		return
	}
	var wg sync.WaitGroup
	per := (n + workers - 1) / workers
	for w := 0; w < workers; w++ {
		lo, hi := w*per, min((w+1)*per, n)
		wg.Go(func() {
			for i := lo; i < hi; i++ {
				fn(i)
			}
		})
	}
	wg.Wait()
}
