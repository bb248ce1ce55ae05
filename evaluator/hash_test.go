package evaluator

import (
	"strings"
	"testing"
)

func TestHashRuleIsHashOfSaltPrefix(t *testing.T) {
	long := strings.Repeat("x", 300)
	tests := []struct{ spec, rule, unit string }{
		{"f7c40aca-e611-4476-3757-0d07876264d4", "sz29oZvfIsJOWLhmCoQlFa", "user-1"},
		{"", "", ""},
		{"salt", "rule", ""},
		{long, "rule", "u"},                  // above the stack buffer
		{"s", "r", strings.Repeat("u", 252)}, // exactly the stack buffer
	}
	for _, tt := range tests {
		if got, want := hashRule(tt.spec, tt.rule, tt.unit), hashUnit(tt.spec+"."+tt.rule+".", tt.unit); got != want {
			t.Errorf("hashRule(%.10q, %.10q, %.10q) = %d, want %d", tt.spec, tt.rule, tt.unit, got, want)
		}
	}
}
