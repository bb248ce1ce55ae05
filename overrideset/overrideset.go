// Package overrideset turns StatsigOverride objects into the evaluator's overrides: which ones
// apply to a StatsigSpec, in which precedence, and when the set next changes by itself (an
// expiry). It is shared by every shell that evaluates (the serving consumer, `serve`).
package overrideset

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	flagsv1alpha1 "github.com/statsig-operator/statsig-operator/api/v1alpha1"
	"github.com/statsig-operator/statsig-operator/evaluator"
)

// SpecIndex indexes StatsigOverrides by the StatsigSpec they name (client.MatchingFields).
const SpecIndex = "statsig-operator.io/override-spec"

// Index registers SpecIndex with the manager's cache, once per manager.
func Index(ctx context.Context, idx client.FieldIndexer) error {
	return idx.IndexField(ctx, &flagsv1alpha1.StatsigOverride{}, SpecIndex, func(o client.Object) []string {
		return []string{o.(*flagsv1alpha1.StatsigOverride).Spec.StatsigSpecName}
	})
}

// Convert is the evaluator's form of one override.
func Convert(o *flagsv1alpha1.StatsigOverride) (evaluator.Override, error) {
	s := &o.Spec
	ov := evaluator.Override{IDs: s.IDs, Source: o.Namespace + "/" + o.Name}
	if s.ExpiresAt != nil {
		ov.ExpiresAt = s.ExpiresAt.Time
	}
	switch {
	case s.Gate != nil:
		ov.Kind, ov.Name, ov.Gate = evaluator.KindGate, s.Gate.Name, s.Gate.Value
	case s.DynamicConfig != nil:
		ov.Kind, ov.Name, ov.Value = evaluator.KindDynamicConfig, s.DynamicConfig.Name, s.DynamicConfig.Value.Raw
	case s.Experiment != nil:
		ov.Kind, ov.Name, ov.GroupName = evaluator.KindExperiment, s.Experiment.Name, s.Experiment.GroupName
		if s.Experiment.Value != nil {
			ov.Value = s.Experiment.Value.Raw
		}
	case s.Layer != nil:
		ov.Kind, ov.Name, ov.Value = evaluator.KindLayer, s.Layer.Name, s.Layer.Value.Raw
	case s.ParameterStore != nil:
		ov.Kind, ov.Name, ov.Value = evaluator.KindParameterStore, s.ParameterStore.Name, s.ParameterStore.Value.Raw
	default:
		return ov, fmt.Errorf("sets none of gate, dynamicConfig, experiment, layer and parameterStore")
	}
	if _, err := evaluator.NewOverrides([]evaluator.Override{ov}); err != nil {
		return ov, err
	}
	return ov, nil
}

// Describe names what an override overrides: its kind (as the CRD spells the field) and
// entity name.
func Describe(o *flagsv1alpha1.StatsigOverride) (kind, entity string) {
	s := &o.Spec
	switch {
	case s.Gate != nil:
		return "gate", s.Gate.Name
	case s.DynamicConfig != nil:
		return "dynamicConfig", s.DynamicConfig.Name
	case s.Experiment != nil:
		return "experiment", s.Experiment.Name
	case s.Layer != nil:
		return "layer", s.Layer.Name
	case s.ParameterStore != nil:
		return "parameterStore", s.ParameterStore.Name
	}
	return "", ""
}

// Expired reports whether the override has expired at now.
func Expired(o *flagsv1alpha1.StatsigOverride, now time.Time) bool {
	return o.Spec.ExpiresAt != nil && !now.Before(o.Spec.ExpiresAt.Time)
}

// Set is the overrides of one StatsigSpec.
type Set struct {
	// Overrides for the evaluator (nil when none is active).
	Overrides *evaluator.Overrides
	// Active are the objects applied ("namespace/name"), in precedence order.
	Active []string
	// NextExpiry is the earliest expiresAt still ahead (zero: none).
	NextExpiry time.Time
	// Fingerprint identifies the set (objects and their versions) to detect changes.
	Fingerprint string
}

// Build is the set of spec's overrides among list at now: those naming spec, valid, not
// expired and allowed (denied returns "" for a namespace that may override spec). Newer
// overrides win over older ones for the same entity and ID (an incident switch set now
// beats a pin set last week); ties go by namespace/name.
func Build(list []flagsv1alpha1.StatsigOverride, spec string, now time.Time,
	denied func(namespace string) string,
) Set {
	var picked []*flagsv1alpha1.StatsigOverride
	for i := range list {
		o := &list[i]
		if o.Spec.StatsigSpecName != spec || o.DeletionTimestamp != nil || Expired(o, now) {
			continue
		}
		if denied != nil && denied(o.Namespace) != "" {
			continue
		}
		picked = append(picked, o)
	}
	slices.SortFunc(picked, func(a, b *flagsv1alpha1.StatsigOverride) int {
		if c := b.CreationTimestamp.Compare(a.CreationTimestamp.Time); c != 0 {
			return c
		}
		return strings.Compare(a.Namespace+"/"+a.Name, b.Namespace+"/"+b.Name)
	})
	var set Set
	evs := make([]evaluator.Override, 0, len(picked))
	var fp strings.Builder
	for _, o := range picked {
		ov, err := Convert(o)
		if err != nil {
			continue
		}
		evs = append(evs, ov)
		set.Active = append(set.Active, o.Namespace+"/"+o.Name)
		fmt.Fprintf(&fp, "%s/%s@%s;", o.Namespace, o.Name, o.ResourceVersion)
		if e := o.Spec.ExpiresAt; e != nil && (set.NextExpiry.IsZero() || e.Time.Before(set.NextExpiry)) {
			set.NextExpiry = e.Time
		}
	}
	set.Fingerprint = fp.String()
	if len(evs) > 0 {
		set.Overrides, _ = evaluator.NewOverrides(evs) // each was validated by Convert
	}
	return set
}

// ParseList reads StatsigOverride objects from YAML or JSON: documents separated by "---",
// each one object, an array of objects, or a List.
func ParseList(data []byte) ([]flagsv1alpha1.StatsigOverride, error) {
	var out []flagsv1alpha1.StatsigOverride
	for i, doc := range strings.Split("\n"+string(data), "\n---") {
		if strings.TrimSpace(doc) == "" {
			continue
		}
		js, err := yaml.YAMLToJSON([]byte(doc))
		if err != nil {
			return nil, fmt.Errorf("document %d: %w", i+1, err)
		}
		list, err := parseJSON(js)
		if err != nil {
			return nil, fmt.Errorf("document %d: %w", i+1, err)
		}
		out = append(out, list...)
	}
	return out, nil
}

func parseJSON(data []byte) ([]flagsv1alpha1.StatsigOverride, error) {
	trimmed := strings.TrimSpace(string(data))
	if trimmed == "null" {
		return nil, nil
	}
	if strings.HasPrefix(trimmed, "[") {
		var list []flagsv1alpha1.StatsigOverride
		return list, json.Unmarshal(data, &list)
	}
	var probe struct {
		Items json.RawMessage `json:"items"`
	}
	if json.Unmarshal(data, &probe) == nil && len(probe.Items) > 0 {
		var list flagsv1alpha1.StatsigOverrideList
		return list.Items, json.Unmarshal(data, &list)
	}
	var one flagsv1alpha1.StatsigOverride
	if err := json.Unmarshal(data, &one); err != nil {
		return nil, err
	}
	return []flagsv1alpha1.StatsigOverride{one}, nil
}
