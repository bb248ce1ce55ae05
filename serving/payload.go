package serving

import (
	"bytes"
	"compress/gzip"
	"io"
	"sync"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/zstd"
)

// Payload is a stored config-spec payload held zstd-compressed (as it is stored in the
// cluster), so a replica does not keep the raw JSON in memory. Other encodings are computed
// at most once per revision, on first use.
type Payload struct {
	// Format is "v2" or "v1".
	Format string
	// Time is the payload's lcut.
	Time int64
	// Size is the uncompressed size in bytes.
	Size int64
	// SHA256 of the uncompressed payload, hex encoded.
	SHA256 string

	zstdData []byte
	gzOnce   sync.Once
	gzData   []byte
	gzErr    error
	brOnce   sync.Once
	brData   []byte
	brErr    error
}

// NewPayload wraps zstd-compressed payload bytes.
func NewPayload(format string, time, size int64, sha string, zstdData []byte) *Payload {
	return &Payload{Format: format, Time: time, Size: size, SHA256: sha, zstdData: zstdData}
}

// Zstd returns the zstd-compressed bytes.
func (p *Payload) Zstd() []byte { return p.zstdData }

// Open returns a reader of the uncompressed payload.
func (p *Payload) Open() (io.ReadCloser, error) {
	dec, err := zstd.NewReader(bytes.NewReader(p.zstdData), zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true))
	if err != nil {
		return nil, err
	}
	return dec.IOReadCloser(), nil
}

// Gzip returns the payload gzip-compressed, computing it once per revision.
func (p *Payload) Gzip() ([]byte, error) {
	p.gzOnce.Do(func() {
		r, err := p.Open()
		if err != nil {
			p.gzErr = err
			return
		}
		defer func() { _ = r.Close() }()
		var buf bytes.Buffer
		buf.Grow(len(p.zstdData) * 5 / 4) // gzip at BestSpeed: ~1.25× the zstd bytes
		w, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
		if _, err := io.Copy(w, r); err != nil {
			p.gzErr = err
			return
		}
		if err := w.Close(); err != nil {
			p.gzErr = err
			return
		}
		p.gzData = kept(buf.Bytes())
	})
	return p.gzData, p.gzErr
}

// Brotli returns the payload brotli-compressed, computing it once per revision.
func (p *Payload) Brotli() ([]byte, error) {
	p.brOnce.Do(func() {
		r, err := p.Open()
		if err != nil {
			p.brErr = err
			return
		}
		defer func() { _ = r.Close() }()
		var buf bytes.Buffer
		buf.Grow(len(p.zstdData) * 17 / 16) // brotli level 5: about the zstd size
		w := brotli.NewWriterLevel(&buf, 5)
		if _, err := io.Copy(w, r); err != nil {
			p.brErr = err
			return
		}
		if err := w.Close(); err != nil {
			p.brErr = err
			return
		}
		p.brData = kept(buf.Bytes())
	})
	return p.brData, p.brErr
}

// kept returns b, or a copy of it when its buffer is much larger: an encoding is kept for the
// whole revision, and a buffer grown by doubling can be up to twice what it holds.
func kept(b []byte) []byte {
	if cap(b)-len(b) > 64<<10 && cap(b)-len(b) > len(b)/8 {
		return bytes.Clone(b)
	}
	return b
}
