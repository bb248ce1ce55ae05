package workload

import (
	"encoding/json"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ownedEnv returns, per container name, the env var names the field manager applied to the
// pod template (from managedFields), so the controller updates its own vars and leaves
// every other manager's alone.
func ownedEnv(meta metav1.Object, manager string) map[string]map[string]bool {
	out := map[string]map[string]bool{}
	for _, mf := range meta.GetManagedFields() {
		if mf.Manager != manager || mf.Operation != metav1.ManagedFieldsOperationApply || mf.FieldsV1 == nil {
			continue
		}
		var root map[string]any
		if json.Unmarshal(mf.FieldsV1.GetRawBytes(), &root) != nil {
			continue
		}
		spec := dig(root, "f:spec", "f:template", "f:spec")
		for _, list := range []string{"f:containers", "f:initContainers"} {
			for key, v := range dig(spec, list) {
				c, ok := keyName(key)
				if !ok {
					continue
				}
				env, _ := v.(map[string]any)
				for ek := range dig(env, "f:env") {
					if n, ok := keyName(ek); ok {
						if out[c] == nil {
							out[c] = map[string]bool{}
						}
						out[c][n] = true
					}
				}
			}
		}
	}
	return out
}

func dig(m map[string]any, path ...string) map[string]any {
	for _, p := range path {
		next, _ := m[p].(map[string]any)
		if next == nil {
			return nil
		}
		m = next
	}
	return m
}

// keyName reads the name of a list-map key such as k:{"name":"app"}.
func keyName(key string) (string, bool) {
	raw, ok := strings.CutPrefix(key, "k:")
	if !ok {
		return "", false
	}
	var k struct {
		Name string `json:"name"`
	}
	if json.Unmarshal([]byte(raw), &k) != nil || k.Name == "" {
		return "", false
	}
	return k.Name, true
}
