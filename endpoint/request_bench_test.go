package endpoint

import (
	"encoding/json"
	"fmt"
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
