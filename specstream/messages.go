package specstream

import (
	"errors"
	"fmt"
	"unicode/utf8"

	"google.golang.org/protobuf/encoding/protowire"
)

// API versions of ConfigSpecRequest.version: which download_config_specs format is asked for.
// statsig-forward-proxy reads an absent or zero version as v1; Server Core sends v2.
const (
	VersionNone int32 = 0
	VersionV1   int32 = 1
	VersionV2   int32 = 2
)

// NoUpdates is the spec of a response that carries no new payload: the answer to a sinceTime
// at or past the served one, and the stream's heartbeat.
const NoUpdates = `{"has_updates":false}`

// ConfigSpecRequest asks for the config specs of the project an SDK key belongs to.
type ConfigSpecRequest struct {
	SDKKey string
	// SinceTime is the lcut the caller holds (nil: none).
	SinceTime *uint64
	// Version is the requested format (nil: not sent).
	Version *int32
	// ZstdDictID names a compression dictionary; this implementation never uses one.
	ZstdDictID *string
}

// Field numbers of statsig_forward_proxy.proto.
const (
	reqSDKKey     protowire.Number = 1
	reqVersion    protowire.Number = 3
	reqZstdDictID protowire.Number = 4
	reqSinceTime  protowire.Number = 12

	respSpec        protowire.Number = 1
	respLastUpdated protowire.Number = 2
	respZstdDictID  protowire.Number = 3
)

// ConfigSpecResponse carries a whole download_config_specs payload (JSON text) and its lcut.
type ConfigSpecResponse struct {
	Spec        string
	LastUpdated uint64
	ZstdDictID  *string
}

// Marshal encodes r as proto3 (absent optionals omitted, implicit zero values omitted).
func (r *ConfigSpecRequest) Marshal() []byte {
	var b []byte
	if r.SDKKey != "" {
		b = protowire.AppendTag(b, reqSDKKey, protowire.BytesType)
		b = protowire.AppendString(b, r.SDKKey)
	}
	if r.Version != nil {
		b = protowire.AppendTag(b, reqVersion, protowire.VarintType)
		b = protowire.AppendVarint(b, uint64(int64(*r.Version)))
	}
	if r.ZstdDictID != nil {
		b = protowire.AppendTag(b, reqZstdDictID, protowire.BytesType)
		b = protowire.AppendString(b, *r.ZstdDictID)
	}
	if r.SinceTime != nil {
		b = protowire.AppendTag(b, reqSinceTime, protowire.VarintType)
		b = protowire.AppendVarint(b, *r.SinceTime)
	}
	return b
}

// Unmarshal decodes b as protobuf does: later values of a field win, unknown fields and
// fields of an unexpected wire type are skipped, strings must be UTF-8.
func (r *ConfigSpecRequest) Unmarshal(b []byte) error {
	*r = ConfigSpecRequest{}
	return walk(b, func(num protowire.Number, typ protowire.Type, v []byte, n uint64) error {
		switch {
		case num == reqSDKKey && typ == protowire.BytesType:
			s, err := utf8String(v, "sdkKey")
			r.SDKKey = s
			return err
		case num == reqVersion && typ == protowire.VarintType:
			ver := int32(n) // enums are int32; larger varints truncate as in protobuf
			r.Version = &ver
		case num == reqZstdDictID && typ == protowire.BytesType:
			s, err := utf8String(v, "zstdDictId")
			r.ZstdDictID = &s
			return err
		case num == reqSinceTime && typ == protowire.VarintType:
			since := n
			r.SinceTime = &since
		}
		return nil
	})
}

// Marshal encodes r; see EncodeResponse for a response built once and sent many times.
func (r *ConfigSpecResponse) Marshal() []byte {
	b := make([]byte, 0, responseOverhead+len(r.Spec))
	return r.append(b)
}

// responseOverhead bounds the bytes around the spec: two one-byte tags, two varints.
const responseOverhead = 1 + 10 + 1 + 10

func (r *ConfigSpecResponse) append(b []byte) []byte {
	if r.Spec != "" {
		b = protowire.AppendTag(b, respSpec, protowire.BytesType)
		b = protowire.AppendString(b, r.Spec)
	}
	if r.LastUpdated != 0 {
		b = protowire.AppendTag(b, respLastUpdated, protowire.VarintType)
		b = protowire.AppendVarint(b, r.LastUpdated)
	}
	if r.ZstdDictID != nil {
		b = protowire.AppendTag(b, respZstdDictID, protowire.BytesType)
		b = protowire.AppendString(b, *r.ZstdDictID)
	}
	return b
}

// Unmarshal decodes b; Spec is copied out of b.
func (r *ConfigSpecResponse) Unmarshal(b []byte) error {
	*r = ConfigSpecResponse{}
	return walk(b, func(num protowire.Number, typ protowire.Type, v []byte, n uint64) error {
		switch {
		case num == respSpec && typ == protowire.BytesType:
			s, err := utf8String(v, "spec")
			r.Spec = s
			return err
		case num == respLastUpdated && typ == protowire.VarintType:
			r.LastUpdated = n
		case num == respZstdDictID && typ == protowire.BytesType:
			s, err := utf8String(v, "zstdDictId")
			r.ZstdDictID = &s
			return err
		}
		return nil
	})
}

// walk calls fn for every field of b with its bytes (length-delimited) or value (varint).
func walk(b []byte, fn func(num protowire.Number, typ protowire.Type, v []byte, n uint64) error) error {
	for len(b) > 0 {
		num, typ, tl := protowire.ConsumeTag(b)
		if tl < 0 {
			return fmt.Errorf("specstream: bad field tag: %w", protowire.ParseError(tl))
		}
		if !num.IsValid() {
			return fmt.Errorf("specstream: invalid field number %d", num)
		}
		b = b[tl:]
		var (
			v []byte
			n uint64
			l int
		)
		switch typ {
		case protowire.BytesType:
			v, l = protowire.ConsumeBytes(b)
		case protowire.VarintType:
			n, l = protowire.ConsumeVarint(b)
		default:
			l = protowire.ConsumeFieldValue(num, typ, b)
		}
		if l < 0 {
			return fmt.Errorf("specstream: field %d: %w", num, protowire.ParseError(l))
		}
		b = b[l:]
		if err := fn(num, typ, v, n); err != nil {
			return err
		}
	}
	return nil
}

var errUTF8 = errors.New("string field is not valid UTF-8")

func utf8String(v []byte, field string) (string, error) {
	if !utf8.Valid(v) {
		return "", fmt.Errorf("specstream: %s: %w", field, errUTF8)
	}
	return string(v), nil
}
