package endpoint

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// Whatever a client sends to a decoding route, the answer is a 2xx or a 4xx with a JSON body
// (or the 503 of load shedding), never a 5xx or a panic.
func FuzzRequestDecoding(f *testing.F) {
	env := newTestEnv(f, nil)
	h := env.srv.Handler()
	seeds := []string{
		`{"gateName":"test_public","user":{"userID":"u"}}`,
		`{"gateNames":["a","b"],"user":{"userID":1,"customIDs":{"c":2},"custom":{"k":[1,{"x":null}]}}}`,
		`{"configName":"x","user":{"userID":"u","privateAttributes":{"p":1},"statsigEnvironment":{"tier":"t"}}}`,
		`{"events":[{"eventName":"e","metadata":{"a":1},"time":"1"}],"user":{"userID":"u"}}`,
		`{"context":{"targetingKey":"u","email":"e@x"}}`,
		`{"user":{"userID":"` + strings.Repeat("u", 2000) + `"}}`, `[`, `null`, `{"user":7}`,
	}
	routes := []string{"/v1/check_gate", "/v1/get_config", "/v1/get_layer", "/v1/log_event", "/v1/log_exposure",
		"/v1/get_client_initialize_response", "/ofrep/v1/evaluate/flags/test_public", "/ofrep/v1/evaluate/flags"}
	for i, s := range seeds {
		f.Add(uint8(i), s)
	}
	f.Fuzz(func(t *testing.T, route uint8, body string) {
		req := httptest.NewRequest(http.MethodPost, routes[int(route)%len(routes)], strings.NewReader(body))
		req.Header.Set("statsig-api-key", testKey)
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 && rec.Code != http.StatusServiceUnavailable {
			t.Fatalf("%s answered %d: %s", req.URL.Path, rec.Code, rec.Body)
		}
		if rec.Code >= 400 && !strings.HasPrefix(strings.TrimSpace(rec.Body.String()), "{") {
			t.Fatalf("%s answered %d without a JSON body: %s", req.URL.Path, rec.Code, rec.Body)
		}
	})
}
