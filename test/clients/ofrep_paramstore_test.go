package clients

import (
	"context"
	"testing"
	"time"

	"github.com/open-feature/go-sdk-contrib/providers/ofrep"
	"github.com/open-feature/go-sdk/openfeature"
)

// TestOFREPProviderParameterStores reads parameter-store parameters (<store>.<param> flags)
// through OpenFeature's Go SDK and its OFREP provider: typed values, the type check the
// provider makes, and the default for a parameter without a value.
func TestOFREPProviderParameterStores(t *testing.T) {
	for _, tc := range []struct {
		fixture string
		run     func(t *testing.T, c *openfeature.Client)
	}{
		{"server-core/eval_proj_dcs.json", func(t *testing.T, c *openfeature.Client) {
			d, err := c.BooleanValueDetails(context.Background(), "test_parameter_store.bool_param", true,
				openfeature.NewEvaluationContext("user-1", nil))
			if err != nil || d.Value || d.Reason != "STATIC" || d.FlagMetadata["kind"] != "parameter_store" {
				t.Errorf("static boolean parameter = %+v, %v", d, err)
			}
		}},
		{"server-core/demo_proj_dcs.json", func(t *testing.T, c *openfeature.Client) {
			ctx := context.Background()
			ec := openfeature.NewEvaluationContext("user-2", nil)
			s, err := c.StringValueDetails(ctx, "a_param_store.a_string_param", "fallback", ec)
			if err != nil || (s.Value != "Yea" && s.Value != "Nah") || s.FlagMetadata["gate"] != "partial_gate" {
				t.Errorf("gate-backed string parameter = %+v, %v", s, err)
			}
			arr, err := c.ObjectValueDetails(ctx, "a_param_store.an_array_param", nil, ec)
			if v, ok := arr.Value.([]any); err != nil || !ok || len(v) != 0 {
				t.Errorf("static array parameter = %+v, %v", arr, err)
			}
			b, err := c.BooleanValueDetails(ctx, "a_param_store.a_string_param", true, ec)
			if err == nil || !b.Value || b.ErrorCode != openfeature.TypeMismatchCode {
				t.Errorf("string parameter read as boolean = %+v, %v; want the default with TYPE_MISMATCH", b, err)
			}
			n, err := c.FloatValueDetails(ctx, "a_param_store.no_such_param", 1.5, ec)
			if err == nil || n.Value != 1.5 || n.ErrorCode != openfeature.FlagNotFoundCode {
				t.Errorf("unknown parameter = %+v, %v; want the default with FLAG_NOT_FOUND", n, err)
			}
		}},
	} {
		t.Run(tc.fixture, func(t *testing.T) {
			base := serve(t, tc.fixture, ofrepKey, nil)
			provider := ofrep.NewProvider(base, ofrep.WithBearerToken(ofrepKey), ofrep.WithTimeout(5*time.Second))
			name := "ofrep-pstore-" + tc.fixture
			if err := openfeature.SetNamedProviderAndWait(name, provider); err != nil {
				t.Fatal(err)
			}
			tc.run(t, openfeature.NewClient(name))
		})
	}
	openfeature.Shutdown()
}
