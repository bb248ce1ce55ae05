package snapshot

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"

	"github.com/klauspost/compress/zstd"
)

// compressWindow is the zstd window of stored snapshots.
const compressWindow = 1 << 20

// ErrTooLarge means a compressed payload needs more chunks than the store allows.
var ErrTooLarge = errors.New("snapshot too large")

// Blob is a payload compressed for storage.
type Blob struct {
	// Data is the zstd stream.
	Data []byte
	// SHA256 of the uncompressed payload, hex encoded.
	SHA256 string
	// Size of the uncompressed payload.
	Size int64
}

// Revision is the blob's content address.
func (b *Blob) Revision() string { return RevisionOf(b.SHA256) }

// limitedBuffer fails writes beyond max, so an oversized payload stops compressing early
// instead of growing memory.
type limitedBuffer struct {
	bytes.Buffer
	max int
}

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if l.Len()+len(p) > l.max {
		return 0, ErrTooLarge
	}
	return l.Buffer.Write(p)
}

// Compress reads r to the end, hashing the raw bytes and zstd-compressing them as a stream.
// It fails with ErrTooLarge once the compressed output exceeds maxCompressed bytes.
func Compress(r io.Reader, maxCompressed int) (*Blob, error) {
	return CompressSized(r, maxCompressed, 0)
}

// CompressSized is Compress with the expected compressed size (e.g. the previous revision's;
// 0: unknown). The output buffer starts a little larger than the hint instead of doubling
// its way up (which allocated ~2× the output and could keep up to twice its size), and a
// result much smaller than its buffer is copied out, since the blob is kept (stored chunks,
// the consumer's payload).
func CompressSized(r io.Reader, maxCompressed, hint int) (*Blob, error) {
	buf := &limitedBuffer{max: maxCompressed}
	if hint > 0 {
		buf.Grow(min(hint+hint/16+64<<10, maxCompressed))
	}
	// A 1 MiB window instead of the level's 8 MiB: the encoder's history is 1/8 of the size
	// (7 MB less per compression), and on the generated 62 MB payload the output is even a
	// little smaller (12,410,536 vs 12,446,912 bytes) and faster; decoders need less too.
	enc, err := zstd.NewWriter(buf, zstd.WithEncoderLevel(zstd.SpeedDefault), zstd.WithEncoderConcurrency(1),
		zstd.WithLowerEncoderMem(true), zstd.WithWindowSize(compressWindow))
	if err != nil {
		return nil, err
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(enc, h), r)
	if err != nil {
		_ = enc.Close()
		if errors.Is(err, ErrTooLarge) {
			return nil, fmt.Errorf("%w: compressed payload exceeds %d bytes", ErrTooLarge, maxCompressed)
		}
		return nil, fmt.Errorf("compress payload: %w", err)
	}
	if err := enc.Close(); err != nil {
		if errors.Is(err, ErrTooLarge) {
			return nil, fmt.Errorf("%w: compressed payload exceeds %d bytes", ErrTooLarge, maxCompressed)
		}
		return nil, fmt.Errorf("compress payload: %w", err)
	}
	data := buf.Bytes()
	if cap(data)-len(data) > 64<<10 && cap(data)-len(data) > len(data)/8 {
		data = bytes.Clone(data)
	}
	return &Blob{Data: data, SHA256: hex.EncodeToString(h.Sum(nil)), Size: n}, nil
}

// Decompress returns a reader of the payload in a zstd stream.
func Decompress(data []byte) (io.ReadCloser, error) {
	dec, err := zstd.NewReader(bytes.NewReader(data), zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true))
	if err != nil {
		return nil, err
	}
	return dec.IOReadCloser(), nil
}

// Verify decompresses data as a stream and checks it against the sha256 and size in m.
func Verify(data []byte, m *Manifest) error {
	r, err := Decompress(data)
	if err != nil {
		return err
	}
	defer func() { _ = r.Close() }()
	h := sha256.New()
	n, err := io.Copy(h, r)
	if err != nil {
		return fmt.Errorf("%w: decompress: %v", ErrCorrupt, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != m.SHA256 || n != m.Size {
		return fmt.Errorf("%w: revision %s: sha256/size mismatch", ErrCorrupt, m.Revision)
	}
	return nil
}
