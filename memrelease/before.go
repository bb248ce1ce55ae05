package memrelease

import (
	"io"
	"runtime/debug"
	"sync"
)

// TightGCPercent is the GC percentage while a revision is replaced (Tighten).
const TightGCPercent = 5

var tight struct {
	sync.Mutex
	n    int
	prev int
}

// Tighten lowers the garbage collector's percentage (GOGC) to TightGCPercent until the
// returned function is called (once; nested calls count), and so starts a collection once
// the heap is 5% over what was live. Call it while a new revision is downloaded,
// validated, stored and swapped in beside the one being served: between loads the heap
// holds up to GOGC% of garbage (the default 100% doubles it), and without it the load's
// allocations come on top of that garbage and of the old revision; with it the garbage is
// collected as the load goes and its space reused, so the peak RSS stays near the two
// revisions' live data (docs/performance.md). It costs a few GC cycles per revision, not
// the first load's (callers tighten only when a revision is replaced). A GOGC=off process is
// left alone.
func Tighten() (restore func()) {
	tight.Lock()
	defer tight.Unlock()
	if tight.n == 0 {
		prev := debug.SetGCPercent(TightGCPercent)
		if prev < 0 || prev <= TightGCPercent {
			debug.SetGCPercent(prev)
		}
		tight.prev = prev
	}
	tight.n++
	var once sync.Once
	return func() {
		once.Do(func() {
			tight.Lock()
			defer tight.Unlock()
			if tight.n--; tight.n == 0 {
				debug.SetGCPercent(tight.prev)
			}
		})
	}
}

// OnLargeRead returns r, calling fn once min bytes have been read from it: for work that is
// only a large load when the body is large (a {"has_updates":false} poll is a few bytes).
func OnLargeRead(r io.Reader, min int64, fn func()) io.Reader {
	return &largeReader{r: r, left: min, fn: fn}
}

type largeReader struct {
	r    io.Reader
	left int64
	fn   func()
}

func (l *largeReader) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	if l.fn != nil {
		if l.left -= int64(n); l.left <= 0 {
			fn := l.fn
			l.fn = nil
			fn()
		}
	}
	return n, err
}
