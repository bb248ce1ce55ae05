package endpoint

import "testing"

type obj = map[string]any

// TestClientInitializeOptions: the request fields of /v1/get_client_initialize_response reach
// the response as Server Core's ClientInitResponseOptions do (docs/endpoint.md).
func TestClientInitializeOptions(t *testing.T) {
	env := newTestEnv(t, nil)
	user := map[string]any{"userID": "a", "email": "a@statsig.com"}
	all := func(t *testing.T, res map[string]any) {
		for _, sec := range []string{"feature_gates", "dynamic_configs", "layer_configs"} {
			if len(res[sec].(map[string]any)) == 0 {
				t.Errorf("%s empty", sec)
			}
		}
	}
	tests := []struct {
		name   string
		body   map[string]any
		key    string
		status int
		check  func(t *testing.T, res map[string]any)
	}{
		{"top-level fields", map[string]any{}, testKey, 200, func(t *testing.T, res map[string]any) {
			info, _ := res["sdkInfo"].(map[string]any)
			if info["sdkType"] == nil || info["sdkVersion"] == nil || info["sessionId"] == nil {
				t.Errorf("sdkInfo %v", res["sdkInfo"])
			}
			// eval_proj_dcs.json: session_replay_info {sampling_rate 1, recording_blocked false}
			if res["can_record_session"] != true || res["recording_blocked"] != false || res["session_recording_rate"] != 1.0 {
				t.Errorf("session replay fields %v %v %v",
					res["can_record_session"], res["recording_blocked"], res["session_recording_rate"])
			}
			all(t, res)
		}},
		{"unknown client key in the body returns everything", map[string]any{"clientSDKKey": "client-unknown"},
			testKey, 200, all},
		{"presented client key not in the payload returns everything", map[string]any{}, clientKey, 200, all},
		{"hashAlgorithm", map[string]any{"hashAlgorithm": "none"}, testKey, 200, func(t *testing.T, res map[string]any) {
			if res["hash_used"] != "none" {
				t.Errorf("hash_used %v", res["hash_used"])
			}
		}},
		{"removeIdType", map[string]any{"removeIdType": true, "hash": "none"}, testKey, 200, func(t *testing.T, res obj) {
			for name, g := range res["feature_gates"].(map[string]any) {
				if _, ok := g.(map[string]any)["id_type"]; ok {
					t.Errorf("gate %s has id_type", name)
				}
			}
		}},
		{"filters", map[string]any{"hash": "none", "featureGateFilter": []string{"test_public"}, "layerFilter": []string{},
			"dynamicConfigFilter": []string{}, "experimentFilter": []string{}}, testKey, 200, func(t *testing.T, res obj) {
			gates := res["feature_gates"].(map[string]any)
			if _, ok := gates["test_public"]; !ok || len(gates) != 1 {
				t.Errorf("gates %v", gates)
			}
			if n := len(res["layer_configs"].(map[string]any)); n != 0 {
				t.Errorf("%d layers", n)
			}
		}},
		{"removeDefaultValueGates", map[string]any{"hash": "none", "removeDefaultValueGates": true}, testKey, 200,
			func(t *testing.T, res map[string]any) {
				for name, v := range res["feature_gates"].(map[string]any) {
					g := v.(map[string]any)
					if g["value"] == false && g["rule_id"] == "default" && len(g["secondary_exposures"].([]any)) == 0 {
						t.Errorf("default-value gate %s kept", name)
					}
				}
			}},
		{"responseFormat v1", map[string]any{"responseFormat": "v1"}, testKey, 200, nil},
		{"responseFormat v2", map[string]any{"responseFormat": "v2", "hash": "none"}, testKey, 200,
			func(t *testing.T, res obj) {
				exposures, ok := res["exposures"].(map[string]any)
				if !ok || len(exposures) == 0 {
					t.Fatalf("exposures %v", res["exposures"])
				}
				for name, g := range res["feature_gates"].(map[string]any) {
					for _, k := range g.(map[string]any)["secondary_exposures"].([]any) {
						if _, ok := exposures[k.(string)]; !ok {
							t.Errorf("gate %s: exposure %v not in exposures", name, k)
						}
					}
				}
			}},
		{"responseFormat init_v2", map[string]any{"responseFormat": "init_v2", "hash": "none"}, testKey, 200, checkInitV2},
		{"responseFormat v3 unsupported", map[string]any{"responseFormat": "v3"}, testKey, 400, nil},
		{"previousResponseHash stale", map[string]any{"previousResponseHash": "123"}, testKey, 200,
			func(t *testing.T, res obj) {
				if sum, _ := res["full_checksum"].(string); sum == "" || sum == "123" {
					t.Errorf("full_checksum %v", res["full_checksum"])
				}
			}},
		{"bad filter", map[string]any{"featureGateFilter": "test_public"}, testKey, 400, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.body["user"] = user
			res := env.do(t, "POST", "/v1/get_client_initialize_response", tt.body, "statsig-api-key", tt.key)
			if res.status != tt.status {
				t.Fatalf("status %d, want %d: %s", res.status, tt.status, res.body)
			}
			if tt.check != nil {
				var m map[string]any
				res.json(t, &m)
				tt.check(t, m)
			}
		})
	}
}

// TestClientInitializePreviousResponseHash: the full_checksum a response carries, sent back as
// previousResponseHash, gets Server Core's blank answer; another user's does not.
func TestClientInitializePreviousResponseHash(t *testing.T) {
	env := newTestEnv(t, nil)
	ask := func(user obj, prev string) obj {
		var res obj
		env.do(t, "POST", "/v1/get_client_initialize_response", obj{"user": user, "previousResponseHash": prev},
			"statsig-api-key", testKey).json(t, &res)
		return res
	}
	a := obj{"userID": "a"}
	first := ask(a, "none-yet")
	sum, _ := first["full_checksum"].(string)
	if sum == "" {
		t.Fatalf("no full_checksum: %v", first)
	}
	if again := ask(a, "none-yet"); again["full_checksum"] != sum {
		t.Errorf("full_checksum not stable: %v then %v", sum, again["full_checksum"])
	}
	blank := ask(a, sum)
	if blank["has_updates"] != false || len(blank["feature_gates"].(obj)) != 0 || blank["time"] != 0.0 {
		t.Errorf("unchanged response not blank: %v", blank)
	}
	if other := ask(obj{"userID": "b", "email": "b@statsig.com"}, sum); other["has_updates"] != true {
		t.Errorf("another user's response was blank")
	}
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

// checkInitV2: an init_v2 response refers to values and exposures that are in its maps.
func checkInitV2(t *testing.T, res obj) {
	values, _ := res["values"].(obj)
	exposures, _ := res["exposures"].(obj)
	if res["response_format"] != "init-v2" || len(values) == 0 {
		t.Fatalf("not init_v2: format %v, %d values", res["response_format"], len(values))
	}
	for name, v := range res["dynamic_configs"].(obj) {
		e := v.(obj)
		if _, ok := values[e["v"].(string)]; !ok {
			t.Errorf("config %s: value ID %v not in values", name, e["v"])
		}
		for _, id := range asList(e["s"]) {
			if _, ok := exposures[id.(string)]; !ok {
				t.Errorf("config %s: exposure ID %v not in exposures", name, id)
			}
		}
		if e["r"] == "default" || e["rule_id"] != nil {
			t.Errorf("config %s: v1 fields or a default rule ID: %v", name, e)
		}
	}
}
