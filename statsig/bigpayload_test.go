package statsig_test

import (
	"bytes"
	"fmt"
	"os"
)

// bigPayload builds a valid v2 payload of about n bytes.
func bigPayload(n int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"has_updates":true,"time":1700000000000,"checksum":"big","feature_gates":{`)
	for i := 0; b.Len() < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"gate_%d":{"name":"gate_%d","type":"feature_gate","salt":"s%d","enabled":true,`+
			`"defaultValue":false,"rules":[],"idType":"userID","entity":"feature_gate"}`, i, i, i)
	}
	b.WriteString(`},"dynamic_configs":{},"layer_configs":{},"condition_map":{},"experiment_to_layer":{}}`)
	return b.Bytes()
}

func readDir(dir string) (int, error) {
	ents, err := os.ReadDir(dir)
	return len(ents), err
}
