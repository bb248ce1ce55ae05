package statsig

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"hash"
	"io"
	"os"
	"sync"
)

// spool holds a decoded body: in memory up to memLimit, then in an anonymous temp file.
type spool struct {
	memLimit int64
	max      int64
	dir      string
	noDisk   bool

	mem  []byte
	f    *os.File
	size int64
	h    hash.Hash

	mu     sync.Mutex
	closed bool
}

func newSpool(memLimit, max int64, dir string, noDisk bool) *spool {
	return &spool{memLimit: memLimit, max: max, dir: dir, noDisk: noDisk, h: sha256.New()}
}

// Write appends p, spilling to disk past memLimit and failing past max.
func (s *spool) Write(p []byte) (int, error) {
	if s.size+int64(len(p)) > s.max {
		return 0, fmt.Errorf("%w: more than %d bytes", ErrBodyTooLarge, s.max)
	}
	s.h.Write(p)
	if s.f == nil && (s.noDisk || s.size+int64(len(p)) <= s.memLimit || !s.spill()) {
		if need := len(s.mem) + len(p); need > cap(s.mem) {
			// Double (append grows large slices by 1.25×, which allocated ~10 MB to reach
			// the 2 MiB limit), up to the limit while under it.
			c := max(2*cap(s.mem), need, 64<<10)
			if int64(need) <= s.memLimit {
				c = min(c, int(s.memLimit))
			}
			s.mem = append(make([]byte, 0, c), s.mem...)
		}
		s.mem = append(s.mem, p...)
		s.size += int64(len(p))
		return len(p), nil
	}
	n, err := s.f.Write(p)
	s.size += int64(n)
	if err != nil {
		return n, fmt.Errorf("spool to disk: %w", err)
	}
	return n, nil
}

// spill moves the in-memory part to a temp file that is unlinked at once, so nothing is
// left behind even if the process dies. It reports false (stay in memory) when no temp
// file can be created, as Server Core does.
func (s *spool) spill() bool {
	f, err := os.CreateTemp(s.dir, "statsig-body-*")
	if err != nil {
		return false
	}
	_ = os.Remove(f.Name())
	if _, err := f.Write(s.mem); err != nil {
		_ = f.Close()
		return false
	}
	s.f, s.mem = f, nil
	return true
}

// fill copies r into the spool with a fixed buffer.
func (s *spool) fill(r io.Reader) error {
	buf := make([]byte, 32<<10)
	_, err := io.CopyBuffer(s, r, buf)
	return err
}

func (s *spool) open() (io.ReadCloser, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, ErrClosed
	}
	if s.f != nil {
		return io.NopCloser(io.NewSectionReader(s.f, 0, s.size)), nil
	}
	return io.NopCloser(bytes.NewReader(s.mem)), nil
}

func (s *spool) close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed, s.mem = true, nil
	if s.f != nil {
		return s.f.Close()
	}
	return nil
}

// Response is a downloaded, decoded config-spec body held in a spool.
type Response struct {
	// StatusCode is the HTTP status of the successful answer.
	StatusCode int
	// NoUpdates is true for a (small) {"has_updates":false} answer.
	NoUpdates bool
	// ContentEncoding is the encoding the body arrived in ("" for none).
	ContentEncoding string
	// WireBytes counts the body bytes received before decoding.
	WireBytes int64
	// Attempts is the number of requests made, fallback included.
	Attempts int
	// FromFallback is true when the body came from the Statsig default URL after the
	// custom URL failed.
	FromFallback bool
	// ConsumeErr is what the consumer of DownloadConfigSpecsStreaming returned.
	ConsumeErr error

	sp  *spool
	sum [32]byte
}

// Open returns a fresh reader over the decoded body; readers may be used concurrently.
func (r *Response) Open() (io.ReadCloser, error) { return r.sp.open() }

// Size is the decoded body size in bytes.
func (r *Response) Size() int64 { return r.sp.size }

// SHA256 is the digest of the decoded body.
func (r *Response) SHA256() [32]byte { return r.sum }

// OnDisk reports whether the body spilled to a temp file.
func (r *Response) OnDisk() bool { return r.sp.f != nil }

// Close releases the spool (memory or temp file); Open fails afterwards.
func (r *Response) Close() error {
	if r == nil || r.sp == nil {
		return nil
	}
	return r.sp.close()
}
