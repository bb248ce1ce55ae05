package snapshot

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/util/validation"
)

func TestChunkNameIsValidAndUnique(t *testing.T) {
	long := strings.Repeat("a", 250)
	tests := []struct {
		spec string
		kind Kind
	}{
		{"prod", KindSpecs},
		{"my.project-1", KindIDLists},
		{long, KindSpecs},
		{long[:249] + "b", KindSpecs},
	}
	seen := map[string]bool{}
	for _, tt := range tests {
		name := ChunkName(tt.spec, tt.kind, "0123456789abcdef", 63)
		if errs := validation.IsDNS1123Subdomain(name); len(errs) > 0 {
			t.Errorf("ChunkName(%q) = %q: %v", tt.spec, name, errs)
		}
		if seen[name] {
			t.Errorf("ChunkName(%q) collides: %q", tt.spec, name)
		}
		seen[name] = true
		if v := specLabelValue(tt.spec); len(validation.IsValidLabelValue(v)) > 0 {
			t.Errorf("specLabelValue(%q) = %q is not a valid label value", tt.spec, v)
		}
	}
}

func TestRevisionOf(t *testing.T) {
	sha := "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	if got := RevisionOf(sha); got != "e3b0c44298fc1c14" {
		t.Errorf("RevisionOf = %q", got)
	}
}
