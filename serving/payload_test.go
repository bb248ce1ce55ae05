package serving

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"testing"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/zstd"
)

func TestPayloadEncodingsKeepNoSpareBuffer(t *testing.T) {
	var raw bytes.Buffer
	for i := range 60000 {
		fmt.Fprintf(&raw, `{"name":"gate_%d","salt":"%x","rules":[{"pass":%d}]},`, i, i*7919, i%100)
	}
	enc, _ := zstd.NewWriter(nil)
	p := NewPayload("v2", 1, int64(raw.Len()), "sha", enc.EncodeAll(raw.Bytes(), nil))
	gz, err := p.Gzip()
	if err != nil {
		t.Fatal(err)
	}
	br, err := p.Brotli()
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		t.Fatal(err)
	}
	for name, r := range map[string]io.Reader{"gzip": zr, "brotli": brotli.NewReader(bytes.NewReader(br))} {
		got, err := io.ReadAll(r)
		if err != nil || !bytes.Equal(got, raw.Bytes()) {
			t.Errorf("%s does not decode to the payload (err %v)", name, err)
		}
	}
	for name, b := range map[string][]byte{"gzip": gz, "brotli": br} {
		if spare := cap(b) - len(b); spare > 64<<10 && spare > len(b)/8 {
			t.Errorf("%s keeps %d spare bytes beside its %d", name, spare, len(b))
		}
	}
}
