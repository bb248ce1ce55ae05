package endpoint

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkParseUserManyCustom decodes a request whose user has 60,000 custom fields (the
// reliability script's hostile body): the cost per byte bounds what concurrent bodies hold.
func BenchmarkParseUserManyCustom(b *testing.B) {
	custom := make(map[string]string, 60000)
	for i := range 60000 {
		custom[fmt.Sprintf("k%05d", i)] = "v"
	}
	body, _ := json.Marshal(map[string]any{"gateName": "g", "user": map[string]any{"userID": "u", "custom": custom}})
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		var req evalRequest
		if err := json.Unmarshal(body, &req); err != nil {
			b.Fatal(err)
		}
		if _, aerr := parseUser(req.User); aerr != nil {
			b.Fatal(aerr)
		}
	}
}

// BenchmarkCheckGateHandler is one check_gate through the endpoint's handler (no network):
// routing, key lookup, body decoding, evaluation and the JSON answer, logging off.
func BenchmarkCheckGateHandler(b *testing.B) {
	env := newTestEnv(b, nil)
	h := env.srv.Handler()
	body := []byte(`{"gateName":"test_public","user":{"userID":"bench-user","email":"a@statsig.com",` +
		`"country":"US","custom":{"plan":"pro","level":3},"customIDs":{"companyID":"c1"}}}`)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPost, "/v1/check_gate", bytes.NewReader(body))
		req.Header.Set("statsig-api-key", testKey)
		req.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatalf("%d %s", w.Code, w.Body)
		}
	}
}
