package snapshot

import (
	"encoding/json"
	"fmt"
)

// Manifest describes one stored snapshot; every chunk carries it in AnnotationManifest.
type Manifest struct {
	// Kind of payload: specs or idlists.
	Kind Kind `json:"kind"`
	// Revision is the first 16 hex digits of SHA256.
	Revision string `json:"revision"`
	// Chunks is the number of chunk Secrets.
	Chunks int `json:"chunks"`
	// SHA256 of the uncompressed payload, hex encoded.
	SHA256 string `json:"sha256"`
	// Size of the uncompressed payload in bytes.
	Size int64 `json:"size"`
	// CompressedSize of the zstd stream in bytes (the sum of the chunks).
	CompressedSize int64 `json:"compressedSize"`
	// Format of a specs payload (v2 or v1).
	Format string `json:"format,omitempty"`
	// Time is the payload's lcut in milliseconds (status keeps only seconds).
	Time int64 `json:"time,omitempty"`
	// Checksum is the payload's own checksum, sent back to Statsig on the next poll.
	Checksum string `json:"checksum,omitempty"`
}

func (m *Manifest) encode() (string, error) {
	b, err := json.Marshal(m)
	return string(b), err
}

func decodeManifest(s string) (*Manifest, error) {
	var m Manifest
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return nil, fmt.Errorf("decode snapshot manifest: %w", err)
	}
	if m.Chunks < 1 || len(m.SHA256) != 64 || m.Revision != RevisionOf(m.SHA256) {
		return nil, fmt.Errorf("invalid snapshot manifest (chunks %d, revision %q)", m.Chunks, m.Revision)
	}
	return &m, nil
}

// RevisionOf returns the revision (content address) of a payload with the given sha256.
func RevisionOf(sha256Hex string) string {
	if len(sha256Hex) < 16 {
		return sha256Hex
	}
	return sha256Hex[:16]
}
