package specstream

import (
	"fmt"
	"io"
	"unicode/utf8"

	"google.golang.org/grpc/encoding"
	_ "google.golang.org/grpc/encoding/proto" // the fallback codec (gRPC health) must be registered
	"google.golang.org/grpc/mem"
	"google.golang.org/protobuf/encoding/protowire"
)

// Encoded is a ConfigSpecResponse already in wire format. The codec sends its bytes as they
// are, so one encoding per revision serves every stream: a push to 1,000 streams of a 62 MB
// payload references one buffer instead of making 1,000 copies. The bytes must not change.
type Encoded struct {
	Bytes []byte
	// LastUpdated is the encoded lcut, kept for logging and heartbeats.
	LastUpdated uint64
}

// EncodeResponse encodes a response whose spec is the size bytes read from r, reading them
// straight into the message buffer (no intermediate copy of a payload that may be 62 MB).
func EncodeResponse(r io.Reader, size int64, lastUpdated uint64) (*Encoded, error) {
	if size < 0 {
		return nil, fmt.Errorf("specstream: negative payload size %d", size)
	}
	b := make([]byte, 0, responseOverhead+int(size))
	if size > 0 {
		b = protowire.AppendTag(b, respSpec, protowire.BytesType)
		b = protowire.AppendVarint(b, uint64(size))
		start := len(b)
		b = b[:start+int(size)]
		if _, err := io.ReadFull(r, b[start:]); err != nil {
			return nil, fmt.Errorf("specstream: reading the payload: %w", err)
		}
		if !utf8.Valid(b[start:]) {
			return nil, fmt.Errorf("specstream: spec: %w", errUTF8)
		}
	}
	if lastUpdated != 0 {
		b = protowire.AppendTag(b, respLastUpdated, protowire.VarintType)
		b = protowire.AppendVarint(b, lastUpdated)
	}
	return &Encoded{Bytes: b, LastUpdated: lastUpdated}, nil
}

// Codec is the gRPC codec of the StatsigForwardProxy service: the two messages by hand,
// Encoded as is, anything else (the gRPC health service's protobuf messages) by the proto codec.
type Codec struct{ fallback encoding.CodecV2 }

// NewCodec returns the codec; pass it with grpc.ForceServerCodecV2 or grpc.ForceCodecV2.
func NewCodec() *Codec { return &Codec{fallback: encoding.GetCodecV2("proto")} }

// Name is the content subtype: clients send application/grpc (meaning proto) or +proto.
func (*Codec) Name() string { return "proto" }

// Marshal implements encoding.CodecV2.
func (c *Codec) Marshal(v any) (mem.BufferSlice, error) {
	switch m := v.(type) {
	case *Encoded:
		return mem.BufferSlice{mem.SliceBuffer(m.Bytes)}, nil
	case *ConfigSpecResponse:
		return mem.BufferSlice{mem.SliceBuffer(m.Marshal())}, nil
	case *ConfigSpecRequest:
		return mem.BufferSlice{mem.SliceBuffer(m.Marshal())}, nil
	}
	return c.fallback.Marshal(v)
}

// Unmarshal implements encoding.CodecV2.
func (c *Codec) Unmarshal(data mem.BufferSlice, v any) error {
	switch m := v.(type) {
	case *ConfigSpecRequest:
		return m.Unmarshal(data.Materialize())
	case *ConfigSpecResponse:
		buf := data.MaterializeToBuffer(mem.DefaultBufferPool())
		defer buf.Free()
		return m.Unmarshal(buf.ReadOnlyData())
	}
	return c.fallback.Unmarshal(data, v)
}
