package endpoint

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/klauspost/compress/zstd"

	"github.com/statsig-operator/statsig-operator/evaluator"
	"github.com/statsig-operator/statsig-operator/serving"
)

// payloadHeader is what the forward proxy needs to know about a raw payload.
type payloadHeader struct {
	Time         json.Number     `json:"time"`
	FeatureGates json.RawMessage `json:"feature_gates"`
}

// LoadPayload loads a raw download_config_specs payload (v1 or v2, detected: v2 keeps specs
// in objects keyed by name, v1 in arrays) into an evaluator and a forward-proxy payload.
func LoadPayload(raw []byte, opts evaluator.Options) (*evaluator.Evaluator, *serving.Payload, error) {
	var h payloadHeader
	if err := json.Unmarshal(raw, &h); err != nil {
		return nil, nil, fmt.Errorf("payload is not a download_config_specs JSON object: %w", err)
	}
	fg := bytes.TrimSpace(h.FeatureGates)
	if len(fg) == 0 {
		return nil, nil, errors.New("payload has no feature_gates: not a download_config_specs response")
	}
	format := "v2"
	if fg[0] == '[' {
		format = "v1"
	}
	t, err := h.Time.Int64()
	if err != nil {
		return nil, nil, fmt.Errorf("payload time %q is not an integer", h.Time)
	}
	specs, err := evaluator.Load(bytes.NewReader(raw), evaluator.LoadOptions{})
	if err != nil {
		return nil, nil, fmt.Errorf("load %s payload: %w", format, err)
	}
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedBetterCompression), zstd.WithEncoderConcurrency(1))
	if err != nil {
		return nil, nil, err
	}
	compressed := enc.EncodeAll(raw, nil)
	_ = enc.Close()
	sum := sha256.Sum256(raw)
	ev := evaluator.New(opts)
	ev.SetSpecs(specs)
	return ev, serving.NewPayload(format, t, int64(len(raw)), hex.EncodeToString(sum[:]), compressed), nil
}
