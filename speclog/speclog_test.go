package speclog

import (
	"errors"
	"strings"
	"testing"

	"github.com/go-logr/logr/funcr"
)

func TestFilter(t *testing.T) {
	tests := []struct {
		level string
		want  string // the lines that pass, of: E (error), 0 (V(0)), 1 (V(1)), 2 (V(2))
	}{
		{"none", ""},
		{"error", "E"},
		{"warn", "E0"},
		{"info", "E0"},
		{"debug", "E012"},
		{"", "E0"},     // unset: the default, warn
		{"LOUD", "E0"}, // unknown: warn
	}
	for _, tt := range tests {
		t.Run(tt.level, func(t *testing.T) {
			var got strings.Builder
			base := funcr.New(func(prefix, args string) {
				// the message is the line's tag; prefix carries the names
				got.WriteString(args[strings.Index(args, `"msg"="`)+7:][:1])
			}, funcr.Options{Verbosity: 5})
			log := Filter(base, tt.level).WithName("spec").WithValues("statsigspec", "s")
			log.Error(errors.New("x"), "E")
			log.Info("0")
			log.V(1).Info("1")
			log.V(2).Info("2")
			if got.String() != tt.want {
				t.Errorf("lines %q, want %q", got.String(), tt.want)
			}
		})
	}
}

// TestFilterKeepsProcessLevel: a spec's level never shows what the process's logger hides.
func TestFilterKeepsProcessLevel(t *testing.T) {
	n := 0
	base := funcr.New(func(string, string) { n++ }, funcr.Options{Verbosity: 0})
	log := Filter(base, "debug")
	log.V(1).Info("hidden by the process")
	log.Info("shown")
	if n != 1 {
		t.Errorf("%d lines, want 1", n)
	}
}
