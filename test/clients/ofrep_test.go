package clients

import (
	"context"
	"testing"
	"time"

	"github.com/open-feature/go-sdk-contrib/providers/ofrep"
	"github.com/open-feature/go-sdk/openfeature"
)

const ofrepKey = "secret-clients-ofrep"

// TestOFREPProvider evaluates gates and configs of the eval project through OpenFeature's
// Go SDK and its OFREP provider against the endpoint.
func TestOFREPProvider(t *testing.T) {
	base := serve(t, "server-core/eval_proj_dcs.json", ofrepKey, nil)
	provider := ofrep.NewProvider(base, ofrep.WithBearerToken(ofrepKey), ofrep.WithTimeout(5*time.Second))
	if err := openfeature.SetNamedProviderAndWait("ofrep-test", provider); err != nil {
		t.Fatal(err)
	}
	defer openfeature.Shutdown()
	client := openfeature.NewClient("ofrep-test")
	ctx := context.Background()

	tests := []struct {
		name     string
		flag     string
		ec       openfeature.EvaluationContext
		want     bool
		wantRule string
	}{
		{"public gate passes everyone", "test_public", openfeature.NewEvaluationContext("user-1", nil), true, ""},
		{"email gate", "test_email",
			openfeature.NewEvaluationContext("user-2", map[string]any{"email": "someone@statsig.com"}), true, ""},
		{"email gate fails others", "test_email",
			openfeature.NewEvaluationContext("user-3", map[string]any{"email": "someone@example.com"}), false, ""},
	}
	for _, tt := range tests {
		d, err := client.BooleanValueDetails(ctx, tt.flag, !tt.want, tt.ec)
		if err != nil {
			t.Errorf("%s: %v (%s)", tt.name, err, d.ErrorMessage)
			continue
		}
		if d.Value != tt.want {
			t.Errorf("%s: %s = %v, want %v (reason %s)", tt.name, tt.flag, d.Value, tt.want, d.Reason)
		}
		if d.FlagMetadata["ruleID"] == nil {
			t.Errorf("%s: no ruleID in metadata %v", tt.name, d.FlagMetadata)
		}
	}

	obj, err := client.ObjectValueDetails(
		ctx,
		"test_email_config",
		map[string]any{},
		openfeature.NewEvaluationContext("user-4", map[string]any{"email": "x@statsig.com"}),
	)
	if err != nil {
		t.Fatalf("object flag: %v", err)
	}
	if _, ok := obj.Value.(map[string]any); !ok {
		t.Errorf("config value %T, want an object", obj.Value)
	}

	_, err = client.BooleanValueDetails(ctx, "no_such_flag_anywhere", false, openfeature.NewEvaluationContext("u", nil))
	if err == nil {
		t.Error("unknown flag must fail with FLAG_NOT_FOUND")
	}
	d, _ := client.BooleanValueDetails(ctx, "no_such_flag_anywhere", false, openfeature.NewEvaluationContext("u", nil))
	if d.ErrorCode != openfeature.FlagNotFoundCode {
		t.Errorf("unknown flag error code %q, want FLAG_NOT_FOUND", d.ErrorCode)
	}
}
