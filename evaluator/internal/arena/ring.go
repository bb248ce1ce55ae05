package arena

import (
	"bytes"
	"sync"
	"sync/atomic"
)

// Ring carries JSON from a reader to workers in chunks that are reused once every value in
// them is consumed: the condition map is most of a large payload, and without reuse each
// load allocated (and faulted in) that much fresh memory again. Clone is the reader's (one
// goroutine); Release may be called from any goroutine.
type Ring struct {
	cur  *Chunk // the reader's (it holds one reference)
	mu   sync.Mutex
	free []*Chunk
}

// Chunk is one of a Ring's buffers, reference-counted.
type Chunk struct {
	buf  []byte
	refs atomic.Int32
}

// ChunkSize is the size of a Ring's chunks.
const ChunkSize = 256 << 10

// Clone copies b into the current chunk; Release the returned chunk once b is no longer
// used (nil: b has an allocation of its own).
func (r *Ring) Clone(b []byte) ([]byte, *Chunk) {
	if len(b) > ChunkSize/4 {
		return bytes.Clone(b), nil
	}
	if r.cur == nil || len(b) > cap(r.cur.buf)-len(r.cur.buf) {
		old := r.cur
		r.cur = r.get()
		r.Release(old)
	}
	c := r.cur
	start := len(c.buf)
	c.buf = append(c.buf, b...)
	c.refs.Add(1)
	return c.buf[start:len(c.buf):len(c.buf)], c
}

func (r *Ring) get() *Chunk {
	r.mu.Lock()
	var c *Chunk
	if n := len(r.free); n > 0 {
		c, r.free = r.free[n-1], r.free[:n-1]
	}
	r.mu.Unlock()
	if c == nil {
		c = &Chunk{buf: make([]byte, 0, ChunkSize)}
	}
	c.buf = c.buf[:0]
	c.refs.Store(1)
	return c
}

// Release drops one reference to c (nil: nothing); the last one returns it to the ring.
func (r *Ring) Release(c *Chunk) {
	if c != nil && c.refs.Add(-1) == 0 {
		r.mu.Lock()
		r.free = append(r.free, c)
		r.mu.Unlock()
	}
}
