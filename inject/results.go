package inject

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
)

// maxResultsBytes keeps the results annotation well inside the 256 KiB limit on all of an
// object's annotations; larger results drop the values (env vars still carry them).
const maxResultsBytes = 32 << 10

// Annotation renders r for the results annotation.
func (r *Results) Annotation() string {
	b, _ := json.Marshal(r)
	if len(b) <= maxResultsBytes {
		return string(b)
	}
	short := *r
	short.Configs = withoutValues(r.Configs)
	short.Experiments = withoutValues(r.Experiments)
	short.Layers = withoutValues(r.Layers)
	if r.ParamStores != nil {
		short.ParamStores = make(map[string]ParamStoreResult, len(r.ParamStores))
		for k, v := range r.ParamStores {
			v.Value = json.RawMessage(`"(omitted: see the env var)"`)
			short.ParamStores[k] = v
		}
	}
	b, _ = json.Marshal(&short)
	return string(b)
}

func withoutValues(m map[string]ConfigResult) map[string]ConfigResult {
	if m == nil {
		return nil
	}
	out := make(map[string]ConfigResult, len(m))
	for k, v := range m {
		v.Value = json.RawMessage(`"(omitted: see the env var)"`)
		out[k] = v
	}
	return out
}

// Hash identifies what the outcome changes in a pod template (env vars, and the rollout
// variant when it applies) but not the revision or rule ids, so a new snapshot that gives
// the same values does not roll a workload.
func (o *Outcome) Hash() string {
	h := sha256.New()
	for _, v := range o.Env {
		if v.SecretKey != nil {
			h.Write([]byte(v.Name + "<" + v.SecretKey.String() + "\n"))
			continue
		}
		h.Write([]byte(v.Name + "=" + v.Value + "\n"))
	}
	if o.Variant != nil {
		b, _ := json.Marshal(struct {
			I map[string]string
			E map[string]map[string]string
		}{o.Variant.Images, o.Variant.Env})
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}
