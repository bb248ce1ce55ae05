package controllers

import (
	"fmt"
	"strings"
	"testing"

	flagsv1alpha1 "github.com/statsig-operator/statsig-operator/api/v1alpha1"
	"github.com/statsig-operator/statsig-operator/evaluator"
	"github.com/statsig-operator/statsig-operator/snapshot"
)

// v2Payload has good gates g0..g(good-1) and bad gates b0..b(bad-1) (rules of the wrong type,
// which the evaluator leaves out as Server Core does).
func v2Payload(time int64, good, bad int) string {
	gates := make([]string, 0, good+bad)
	for i := range good {
		gates = append(gates, fmt.Sprintf(`"g%d":{"name":"g%d","type":"feature_gate","salt":"s","enabled":true,`+
			`"defaultValue":false,"idType":"userID","rules":[]}`, i, i))
	}
	for i := range bad {
		gates = append(gates, fmt.Sprintf(`"b%d":{"name":"b%d","rules":"x"}`, i, i))
	}
	return fmt.Sprintf(`{"has_updates":true,"time":%d,"feature_gates":{%s},"dynamic_configs":{},`+
		`"layer_configs":{},"condition_map":{}}`, time, strings.Join(gates, ","))
}

func TestGuard(t *testing.T) {
	pct := func(v int32) *int32 { return &v }
	tests := []struct {
		name       string
		source     flagsv1alpha1.SourceType
		servedTime int64 // 0: nothing served
		servedSpec int32 // specs of the served revision
		payload    string
		maxPct     *int32
		want       string // reason, "" for accepted
	}{
		{"newer payload", flagsv1alpha1.SourceStatsig, 2000, 20, v2Payload(3000, 20, 0), nil, ""},
		{"older payload from Statsig", flagsv1alpha1.SourceStatsig, 2000, 20, v2Payload(1000, 20, 0), nil,
			flagsv1alpha1.ReasonStalePayload},
		{"older payload with other inputs (another key or URL)", flagsv1alpha1.SourceStatsig, 2000, 20,
			v2Payload(1000, 20, 0), nil, ""},
		{"older payload from a ConfigMap (a rollback)", flagsv1alpha1.SourceConfigMap, 2000, 20,
			v2Payload(1000, 20, 0), nil, ""},
		{"1 of 20 specs skipped", flagsv1alpha1.SourceStatsig, 2000, 20, v2Payload(3000, 19, 1), nil, ""},
		{"3 of 20 specs skipped", flagsv1alpha1.SourceStatsig, 2000, 20, v2Payload(3000, 17, 3), nil,
			flagsv1alpha1.ReasonTooManySkippedSpecs},
		{"3 of 20 with the guard off", flagsv1alpha1.SourceStatsig, 2000, 20, v2Payload(3000, 17, 3), pct(100), ""},
		{"any skipped with 0%", flagsv1alpha1.SourceStatsig, 2000, 20, v2Payload(3000, 20, 1), pct(0),
			flagsv1alpha1.ReasonTooManySkippedSpecs},
		{"first revision, half skipped", flagsv1alpha1.SourceStatsig, 0, 0, v2Payload(3000, 1, 1), nil,
			flagsv1alpha1.ReasonTooManySkippedSpecs},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := &flagsv1alpha1.StatsigSpec{}
			spec.Spec.Source.Type = tt.source
			spec.Spec.MaxSkippedSpecsPercent = tt.maxPct
			run := &syncRun{spec: spec, state: &specState{servedInputs: "inputs-a"}, inputs: "inputs-a"}
			if strings.Contains(tt.name, "other inputs") {
				run.inputs = "inputs-b"
			}
			if tt.servedTime > 0 {
				run.manifest, run.storedComplete = &snapshot.Manifest{Time: tt.servedTime}, true
				spec.Status.Revision = "r1"
				spec.Status.Counts = &flagsv1alpha1.EntityCounts{FeatureGates: tt.servedSpec}
			}
			specs, err := evaluator.Load(strings.NewReader(tt.payload), evaluator.LoadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			got := ""
			if fail := run.guard(specs); fail != nil {
				got = fail.reason
				if !strings.Contains(fail.message, "not published") {
					t.Errorf("message %q does not say the payload is not published", fail.message)
				}
			}
			if got != tt.want {
				t.Fatalf("guard = %q, want %q", got, tt.want)
			}
		})
	}
}
