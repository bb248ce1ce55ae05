package endpoint

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/statsig-operator/statsig-operator/evaluator"
)

func TestOFREPErrors(t *testing.T) {
	env := newTestEnv(t, nil)
	key := []string{"Authorization", "Bearer " + testKey}
	tests := []struct {
		name, path, body string
		headers          []string
		want             int
		code             string
	}{
		{"flag not found", "/ofrep/v1/evaluate/flags/no_such_flag", `{"context":{"targetingKey":"u1"}}`,
			key, 404, "FLAG_NOT_FOUND"},
		{"targeting key missing", "/ofrep/v1/evaluate/flags/test_public", `{"context":{"email":"a@b.c"}}`,
			key, 400, "TARGETING_KEY_MISSING"},
		{"no context", "/ofrep/v1/evaluate/flags/test_public", `{}`, key, 400, "TARGETING_KEY_MISSING"},
		{"parse error", "/ofrep/v1/evaluate/flags/test_public", `{"context":`, key, 400, "PARSE_ERROR"},
		{"context not an object", "/ofrep/v1/evaluate/flags/test_public", `{"context":[1]}`, key, 400, "INVALID_CONTEXT"},
		{"targetingKey not a string", "/ofrep/v1/evaluate/flags/test_public", `{"context":{"targetingKey":{}}}`,
			key, 400, "INVALID_CONTEXT"},
		{"email not a string", "/ofrep/v1/evaluate/flags/test_public", `{"context":{"targetingKey":"u","email":true}}`,
			key, 400, "INVALID_CONTEXT"},
		{"customIDs not an object", "/ofrep/v1/evaluate/flags/test_public",
			`{"context":{"targetingKey":"u","customIDs":"x"}}`, key, 400, "INVALID_CONTEXT"},
		{"no key", "/ofrep/v1/evaluate/flags/test_public", `{"context":{"targetingKey":"u1"}}`, nil, 401, "GENERAL"},
		{"wrong key", "/ofrep/v1/evaluate/flags/test_public", `{"context":{"targetingKey":"u1"}}`,
			[]string{"X-API-Key", "nope"}, 401, "GENERAL"},
		{"bulk parse error", "/ofrep/v1/evaluate/flags", `nope`, key, 400, "PARSE_ERROR"},
		{"bulk targeting key missing", "/ofrep/v1/evaluate/flags", `{"context":{}}`, key, 400, "TARGETING_KEY_MISSING"},
		{"bulk wrong content type", "/ofrep/v1/evaluate/flags", `{"context":{"targetingKey":"u"}}`,
			[]string{"Authorization", "Bearer " + testKey, "Content-Type", "text/xml"}, 415, "GENERAL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := env.do(t, "POST", tt.path, tt.body, tt.headers...)
			if res.status != tt.want {
				t.Fatalf("status %d, want %d: %s", res.status, tt.want, res.body)
			}
			var f ofrepFailure
			res.json(t, &f)
			if f.ErrorCode != tt.code || f.ErrorDetails == "" {
				t.Errorf("errorCode %q (details %q), want %q with details", f.ErrorCode, f.ErrorDetails, tt.code)
			}
			if strings.Contains(string(res.body), testKey) {
				t.Errorf("response echoes the key: %s", res.body)
			}
		})
	}
}

func TestOFREPBulkETag(t *testing.T) {
	env := newTestEnv(t, nil)
	body := `{"context":{"targetingKey":"user-1","email":"a@statsig.com"}}`
	first := env.do(t, "POST", "/ofrep/v1/evaluate/flags", body, "statsig-api-key", testKey)
	if first.status != 200 {
		t.Fatalf("bulk = %d: %s", first.status, first.body)
	}
	var bulk ofrepBulkResponse
	first.json(t, &bulk)
	kinds := map[string]int{}
	for _, f := range bulk.Flags {
		kinds[f.Metadata["kind"].(string)]++
		if strings.HasPrefix(f.Key, "segment:") {
			t.Errorf("bulk includes segment %s", f.Key)
		}
	}
	if kinds[kindGate] == 0 || kinds[kindLayer] == 0 || kinds[kindConfig]+kinds[kindExp] == 0 {
		t.Errorf("bulk kinds %v, want gates, configs/experiments and layers", kinds)
	}
	etag := first.header.Get("ETag")
	second := env.do(t, "POST", "/ofrep/v1/evaluate/flags", body, "statsig-api-key", testKey, "If-None-Match", etag)
	if second.status != http.StatusNotModified {
		t.Errorf("If-None-Match with the current ETag = %d, want 304", second.status)
	}
	other := env.do(t, "POST", "/ofrep/v1/evaluate/flags", `{"context":{"targetingKey":"someone-else-entirely"}}`,
		"statsig-api-key", testKey, "If-None-Match", etag)
	if other.status != 200 && other.status != http.StatusNotModified {
		t.Errorf("other context = %d", other.status)
	}
}

func TestOFREPContextMapping(t *testing.T) {
	tests := []struct {
		name, ctx, wantIdentity string
	}{
		{"targeting key", `{"targetingKey":"u1"}`, "u:u1"},
		{"userID alias", `{"userID":"u2"}`, "u:u2"},
		{"targeting key wins", `{"userID":"u2","targetingKey":"u1"}`, "u:u1"},
		{"custom IDs only", `{"customIDs":{"stableID":"s1"}}`, "u:;stableID:s1"},
		{"numeric targeting key", `{"targetingKey":42}`, "u:42"},
	}
	for _, tt := range tests {
		u, err := userFromContext([]byte(tt.ctx))
		if err != nil {
			t.Errorf("%s: %v", tt.name, err.details)
			continue
		}
		if u.identity() != tt.wantIdentity {
			t.Errorf("%s: identity %q, want %q", tt.name, u.identity(), tt.wantIdentity)
		}
	}
	u, err := userFromContext([]byte(`{"targetingKey":"u1","email":"a@b.c","plan":"pro","custom":{"level":9},` +
		`"privateAttributes":{"ssn":"1"}}`))
	if err != nil {
		t.Fatal(err.details)
	}
	logged := string(u.loggedUser(evaluator.New(evaluator.Options{})))
	for _, want := range []string{`"userID":"u1"`, `"email":"a@b.c"`, `"plan":"pro"`, `"level":9`} {
		if !strings.Contains(logged, want) {
			t.Errorf("user %s lacks %s", logged, want)
		}
	}
	if strings.Contains(logged, "ssn") {
		t.Errorf("logged user keeps private attributes: %s", logged)
	}
}

// OpenFeature's reasons: TARGETING_MATCH for a matched rule, SPLIT for pseudorandom assignment
// (a partial rollout or an experiment group), DEFAULT when no rule matched.
func TestOFREPReasons(t *testing.T) {
	env := newTestEnv(t, nil)
	for _, tc := range []struct{ flag, reason string }{
		{"test_public", "TARGETING_MATCH"},
		{"test_small_pass_gate", "SPLIT"},
		{"test_country", "DEFAULT"},
	} {
		res := env.do(t, "POST", "/ofrep/v1/evaluate/flags/"+tc.flag, `{"context":{"targetingKey":"reason-user-1"}}`,
			"statsig-api-key", testKey, exposureLoggingDisabledHeader, "true")
		var got struct {
			Reason string `json:"reason"`
		}
		res.json(t, &got)
		if res.status != 200 || got.Reason != tc.reason {
			t.Errorf("%s: %d reason %q, want %q (%s)", tc.flag, res.status, got.Reason, tc.reason, res.body)
		}
	}
}

// A user allocated to an experiment group gets SPLIT; one the layer left out, the
// layerAssignment rule's TARGETING_MATCH.
func TestOFREPReasonOfExperimentGroups(t *testing.T) {
	env := newTestEnv(t, nil)
	seen := map[string]string{}
	for i := range 60 {
		res := env.do(t, "POST", "/ofrep/v1/evaluate/flags/experiment_with_many_params",
			fmt.Sprintf(`{"context":{"targetingKey":"group-user-%d"}}`, i),
			"statsig-api-key", testKey, exposureLoggingDisabledHeader, "true")
		var got struct {
			Reason   string         `json:"reason"`
			Metadata map[string]any `json:"metadata"`
		}
		res.json(t, &got)
		_, group := got.Metadata["groupName"]
		want := "TARGETING_MATCH"
		if group {
			want = "SPLIT"
		}
		if got.Reason != want {
			t.Fatalf("user %d: reason %q with metadata %v, want %q", i, got.Reason, got.Metadata, want)
		}
		seen[want] = got.Reason
	}
	if len(seen) != 2 {
		t.Errorf("60 users reached only %v; want both an experiment group and the layer's exclusion", seen)
	}
}
