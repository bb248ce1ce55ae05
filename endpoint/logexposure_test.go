package endpoint

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// Layer exposures follow what the caller reads, and manual exposures are logged with
// isManualExposure: each case's requests against one project, then what reached Statsig.
func TestLayerParametersAndManualExposures(t *testing.T) {
	const layer = `"layerName":"test_layer_with_holdout"`
	for _, tc := range []struct {
		name     string
		requests []string // "path body"
		status   int
		want     []string // eventName/parameterName-or-gate/isManualExposure, sorted
	}{
		{"get_layer without parameterNames exposes every parameter",
			[]string{"/v1/get_layer {" + layer + ",USER}"}, 200,
			[]string{"layer/shared_number_param/", "layer/shared_string_param/"}},
		{"get_layer exposes the parameters read",
			[]string{`/v1/get_layer {` + layer + `,"parameterNames":["shared_string_param","missing"],USER}`}, 200,
			[]string{"layer/shared_string_param/"}},
		{"get_layer with parameterNames [] exposes nothing",
			[]string{`/v1/get_layer {` + layer + `,"parameterNames":[],USER}`}, 200, nil},
		{"a manual layer-parameter exposure",
			[]string{`/v1/log_exposure {` + layer + `,"parameterName":"shared_number_param",USER}`}, 202,
			[]string{"layer/shared_number_param/true"}},
		{"a manual gate exposure after an evaluation without one",
			[]string{
				`/v1/check_gate {"gateName":"test_public","statsigMetadata":{"exposureLoggingDisabled":true},USER}`,
				`/v1/log_exposure {"gateName":"test_public",USER}`,
			}, 202, []string{"gate/test_public/true"}},
		{"a manual config exposure after the automatic one is de-duplicated (as Server Core)",
			[]string{
				`/v1/get_config {"configName":"test_email_config",USER}`,
				`/v1/log_exposure {"configName":"test_email_config",USER}`,
			}, 202, []string{"config/test_email_config/"}},
		{"a manual gate exposure after the automatic one of a userID gate is sent (as Server Core), once",
			[]string{
				`/v1/check_gate {"gateName":"test_public",USER}`,
				`/v1/log_exposure {"gateName":"test_public",USER}`,
				`/v1/log_exposure {"gateName":"test_public",USER}`,
			}, 202, []string{"gate/test_public/", "gate/test_public/true"}},
		{"manual config and experiment exposures",
			[]string{`/v1/log_exposure {"configName":"test_email_config",USER}`,
				`/v1/log_exposure {"experimentName":"experiment_with_many_params",USER}`}, 202,
			[]string{"config/experiment_with_many_params/true", "config/test_email_config/true"}},
		{"a manual exposure of a parameter the layer lacks is logged (as Server Core)",
			[]string{`/v1/log_exposure {` + layer + `,"parameterName":"missing",USER}`}, 202,
			[]string{"layer/missing/true"}},
		{"an OFREP evaluation exposes its flag",
			[]string{`/ofrep/v1/evaluate/flags/test_public {"context":{"targetingKey":"manual-1"}}`}, 200,
			[]string{"gate/test_public/"}},
		{"an OFREP evaluation with exposure logging disabled exposes nothing",
			[]string{`/ofrep/v1/evaluate/flags/test_public {"context":{"targetingKey":"manual-1"}} NOEXPOSE`}, 200, nil},
		{"log_exposure needs one entity", []string{`/v1/log_exposure {"gateName":"a","configName":"b",USER}`}, 400, nil},
		{"log_exposure of a layer needs parameterName", []string{`/v1/log_exposure {` + layer + `,USER}`}, 400, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, sink := standinSink(t, false)
			env := newTestEnv(t, sink)
			var status int
			for _, r := range tc.requests {
				path, body, _ := strings.Cut(r, " ")
				body = strings.ReplaceAll(body, "USER", `"user":{"userID":"manual-1","email":"a@statsig.com"}`)
				headers := []string{"statsig-api-key", testKey}
				if b, ok := strings.CutSuffix(body, " NOEXPOSE"); ok {
					body, headers = b, append(headers, exposureLoggingDisabledHeader, "true")
				}
				res := env.do(t, "POST", path, body, headers...)
				status = res.status
				if res.status >= 300 && tc.status < 300 {
					t.Fatalf("%s = %d %s", path, res.status, res.body)
				}
			}
			if status != tc.status {
				t.Fatalf("last status %d, want %d", status, tc.status)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			if err := sink.Shutdown(ctx); err != nil {
				t.Fatal(err)
			}
			events := st.Events()
			got := make([]string, 0, len(events))
			for _, e := range events {
				md := e.Metadata
				subject := fmt.Sprint(md["gate"])
				kind := "gate"
				switch e.EventName {
				case "statsig::config_exposure":
					kind, subject = "config", fmt.Sprint(md["config"])
				case "statsig::layer_exposure":
					kind, subject = "layer", fmt.Sprint(md["parameterName"])
				}
				manual, _ := md["isManualExposure"].(string)
				got = append(got, kind+"/"+subject+"/"+manual)
			}
			slices.Sort(got)
			if !slices.Equal(got, tc.want) && (len(got) > 0 || len(tc.want) > 0) {
				t.Errorf("exposures %v, want %v", got, tc.want)
			}
		})
	}
}
