package endpoint

import (
	"bytes"
	"encoding/json"
	"strings"
)

// sanitizeUser returns the user object as it may be logged: privateAttributes removed
// (docs/semantics.md §4.2), under any spelling encoding/json would accept for it (keys match
// case-insensitively and may be escaped). raw must be a JSON object; anything undecodable
// logs as {}.
func sanitizeUser(raw []byte) []byte {
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil || m == nil {
		return []byte("{}")
	}
	found := false
	for k := range m {
		if strings.EqualFold(k, "privateAttributes") {
			delete(m, k)
			found = true
		}
	}
	if !found {
		var buf bytes.Buffer
		if json.Compact(&buf, raw) == nil {
			return buf.Bytes()
		}
	}
	b, err := json.Marshal(m)
	if err != nil {
		return []byte("{}")
	}
	return b
}
