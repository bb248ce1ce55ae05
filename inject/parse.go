package inject

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"
)

// maxNames bounds each entity list so a pod cannot make admission slow.
const maxNames = 64

// UnitKind says which identity becomes the Statsig unit ID.
type UnitKind string

const (
	UnitPod       UnitKind = "pod"
	UnitWorkload  UnitKind = "workload"
	UnitNamespace UnitKind = "namespace"
	UnitLiteral   UnitKind = "literal"
)

// Unit is a parsed unit annotation ("pod", "workload", "namespace" or "literal:<id>").
type Unit struct {
	Kind    UnitKind
	Literal string
}

func (u Unit) String() string {
	if u.Kind == UnitLiteral {
		return "literal:" + u.Literal
	}
	return string(u.Kind)
}

// Rollout is a gated variant: when Gate passes for the rollout unit, Images replace the
// named containers' images and Env is added to them.
type Rollout struct {
	Gate   string
	Unit   Unit
	Images map[string]string            // container → image
	Env    map[string]map[string]string // container → name → value
}

// Request is everything the annotations ask for.
type Request struct {
	Spec                        string
	Gates, Configs, Experiments []string
	Layers                      []string
	ParamStores                 []string
	Unit                        Unit
	IDType                      string
	UserCustom                  map[string]any
	Environment                 string
	OFREP                       bool
	// OFREPKey is the Secret key injected as the OFREP bearer token (nil: none).
	OFREPKey *SecretKeyRef
	Strict   bool
	// ExposureLoggingDisabled: evaluate without logging exposures.
	ExposureLoggingDisabled bool
	Rollout                 *Rollout
	Paused, DryRun          bool
}

// Parse reads the annotations. It returns every problem found (each a complete sentence
// naming the annotation), so one warning can list them all.
func Parse(ann map[string]string, defaultUnit Unit) (Request, []string) {
	var problems []string
	bad := func(key, format string, args ...any) {
		problems = append(problems, fmt.Sprintf("annotation %s: %s", key, fmt.Sprintf(format, args...)))
	}
	req := Request{Spec: strings.TrimSpace(ann[AnnSpec]), Unit: defaultUnit, IDType: "userID"}
	for _, l := range []struct {
		key string
		dst *[]string
	}{
		{AnnGates, &req.Gates}, {AnnConfigs, &req.Configs}, {AnnExperiments, &req.Experiments},
		{AnnLayers, &req.Layers}, {AnnParamStores, &req.ParamStores},
	} {
		v, ok := ann[l.key]
		if !ok {
			continue
		}
		names, err := parseList(v)
		if err != "" {
			bad(l.key, "%s", err)
		}
		*l.dst = names
	}
	if v, ok := ann[AnnUnit]; ok {
		u, err := parseUnit(v)
		if err != "" {
			bad(AnnUnit, "%s", err)
		} else {
			req.Unit = u
		}
	}
	if v, ok := ann[AnnIDType]; ok {
		v = strings.TrimSpace(v)
		if v == "" || len(v) > 128 || strings.ContainsAny(v, " ,\t\n") {
			bad(AnnIDType, "%q is not an ID type: use userID or a custom ID name such as stableID", v)
		} else {
			req.IDType = v
		}
	}
	if v, ok := ann[AnnUserCustom]; ok {
		if err := json.Unmarshal([]byte(v), &req.UserCustom); err != nil || req.UserCustom == nil {
			bad(AnnUserCustom, "must be a JSON object such as {\"team\":\"payments\"}")
			req.UserCustom = nil
		}
	}
	req.Environment = strings.TrimSpace(ann[AnnEnvironment])
	var ok bool
	if req.OFREP, ok = parseBool(ann, AnnOFREP); !ok {
		bad(AnnOFREP, "must be \"true\" or \"false\", not %q", ann[AnnOFREP])
	}
	if v, set := ann[AnnOFREPKeySecret]; set {
		ref, err := parseSecretKey(v)
		switch {
		case err != "":
			bad(AnnOFREPKeySecret, "%s", err)
		case !req.OFREP:
			bad(AnnOFREPKeySecret, "needs %s: \"true\" (the key is only sent with OFREP_HEADERS)", AnnOFREP)
		default:
			req.OFREPKey = &ref
		}
	}
	if req.Strict, ok = parseBool(ann, AnnStrict); !ok {
		bad(AnnStrict, "must be \"true\" or \"false\", not %q", ann[AnnStrict])
	}
	if req.ExposureLoggingDisabled, ok = parseBool(ann, AnnExposureLoggingDisabled); !ok {
		bad(AnnExposureLoggingDisabled, "must be \"true\" or \"false\", not %q", ann[AnnExposureLoggingDisabled])
	}
	if req.Paused, ok = parseBool(ann, AnnPaused); !ok {
		bad(AnnPaused, "must be \"true\" or \"false\", not %q", ann[AnnPaused])
	}
	if req.DryRun, ok = parseBool(ann, AnnDryRun); !ok {
		bad(AnnDryRun, "must be \"true\" or \"false\", not %q", ann[AnnDryRun])
	}
	req.Rollout, problems = parseRollout(ann, problems)
	return req, problems
}

func parseRollout(ann map[string]string, problems []string) (*Rollout, []string) {
	bad := func(key, format string, args ...any) {
		problems = append(problems, fmt.Sprintf("annotation %s: %s", key, fmt.Sprintf(format, args...)))
	}
	gate, hasGate := ann[AnnRolloutGate]
	r := &Rollout{
		Gate:   strings.TrimSpace(gate),
		Unit:   Unit{Kind: UnitPod},
		Images: map[string]string{},
		Env:    map[string]map[string]string{},
	}
	if hasGate && !validName(r.Gate) {
		bad(AnnRolloutGate, "%q is not a gate name", gate)
	}
	if v, ok := ann[AnnRolloutUnit]; ok {
		u, err := parseUnit(v)
		if err != "" {
			bad(AnnRolloutUnit, "%s", err)
		} else {
			r.Unit = u
		}
	}
	keys := make([]string, 0, len(ann))
	for k := range ann {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	variants := 0
	for _, k := range keys {
		switch {
		case strings.HasPrefix(k, AnnRolloutImagePrefix):
			c := strings.TrimPrefix(k, AnnRolloutImagePrefix)
			img := strings.TrimSpace(ann[k])
			if c == "" || img == "" || strings.ContainsAny(img, " \t\n") {
				bad(k, "needs a container name after the dot and an image reference as the value")
				continue
			}
			r.Images[c] = img
			variants++
		case strings.HasPrefix(k, AnnRolloutEnvPrefix):
			c := strings.TrimPrefix(k, AnnRolloutEnvPrefix)
			var env map[string]string
			if c == "" || json.Unmarshal([]byte(ann[k]), &env) != nil || env == nil {
				bad(k, "needs a container name after the dot and a JSON object of string values such as {\"MODE\":\"v2\"}")
				continue
			}
			r.Env[c] = env
			variants++
		}
	}
	switch {
	case !hasGate && variants > 0:
		bad(AnnRolloutGate, "is missing: rollout-image and rollout-env need a rollout-gate")
		return nil, problems
	case !hasGate:
		return nil, problems
	case variants == 0:
		bad(AnnRolloutGate, "has no variant: add rollout-image.<container> or rollout-env.<container>")
	}
	return r, problems
}

// parseList splits "a, b,c" into sorted, de-duplicated names.
func parseList(v string) ([]string, string) {
	seen := map[string]bool{}
	var out []string
	for part := range strings.SplitSeq(v, ",") {
		n := strings.TrimSpace(part)
		if n == "" {
			continue
		}
		if !validName(n) {
			return nil, fmt.Sprintf("%q is not an entity name", n)
		}
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	if len(out) == 0 {
		return nil, "lists no names: use a comma-separated list such as \"new_checkout, dark_mode\""
	}
	if len(out) > maxNames {
		return nil, fmt.Sprintf("lists %d names, more than the %d allowed", len(out), maxNames)
	}
	slices.Sort(out)
	return out, ""
}

// validName accepts what Statsig allows in entity names (letters, digits, '_', '-', ' ', '.').
func validName(n string) bool {
	if n == "" || len(n) > 256 {
		return false
	}
	for _, r := range n {
		if r < 0x20 || r == 0x7f || r == ',' || r == '"' {
			return false
		}
	}
	return true
}

func parseUnit(v string) (Unit, string) {
	v = strings.TrimSpace(v)
	switch UnitKind(v) {
	case UnitPod, UnitWorkload, UnitNamespace:
		return Unit{Kind: UnitKind(v)}, ""
	}
	if id, ok := strings.CutPrefix(v, "literal:"); ok && strings.TrimSpace(id) != "" {
		return Unit{Kind: UnitLiteral, Literal: strings.TrimSpace(id)}, ""
	}
	return Unit{}, fmt.Sprintf("%q is not a unit: use pod, workload, namespace or literal:<id>", v)
}

// parseBool reads an optional "true"/"false" annotation; ok is false for other values.
func parseBool(ann map[string]string, key string) (value, ok bool) {
	v, set := ann[key]
	if !set {
		return false, true
	}
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true":
		return true, true
	case "false", "":
		return false, true
	}
	return false, false
}

// DefaultOFREPSecretKey is the Secret key read when ofrep-key-secret names no key.
const DefaultOFREPSecretKey = "key"

// parseSecretKey reads "name" or "name/key": a Secret name (DNS subdomain) and a Secret
// data key, as the API server would validate them in secretKeyRef.
func parseSecretKey(v string) (SecretKeyRef, string) {
	name, key, hasKey := strings.Cut(strings.TrimSpace(v), "/")
	if !hasKey {
		key = DefaultOFREPSecretKey
	}
	if errs := validation.IsDNS1123Subdomain(name); name == "" || len(errs) > 0 {
		return SecretKeyRef{}, fmt.Sprintf("%q is not a Secret name: use <secret> or <secret>/<key>", name)
	}
	if errs := validation.IsConfigMapKey(key); len(errs) > 0 {
		return SecretKeyRef{}, fmt.Sprintf("%q is not a Secret key: %s", key, strings.Join(errs, "; "))
	}
	return SecretKeyRef{Name: name, Key: key}, ""
}
