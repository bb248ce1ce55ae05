package controllers

import (
	"bytes"
	"testing"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

func TestDecompressPayload(t *testing.T) {
	raw := []byte(`{"has_updates":true,"time":1}`)
	var gz bytes.Buffer
	w := gzip.NewWriter(&gz)
	_, _ = w.Write(raw)
	_ = w.Close()
	enc, _ := zstd.NewWriter(nil)
	tests := []struct {
		name string
		in   []byte
	}{
		{"plain", raw},
		{"gzip", gz.Bytes()},
		{"zstd", enc.EncodeAll(raw, nil)},
	}
	for _, tt := range tests {
		got, err := decompressPayload(tt.in)
		if err != nil || !bytes.Equal(got, raw) {
			t.Errorf("%s: got %q, %v", tt.name, got, err)
		}
	}
	if _, err := decompressPayload([]byte{0x1f, 0x8b, 0, 0}); err == nil {
		t.Error("a broken gzip stream must fail")
	}
}
