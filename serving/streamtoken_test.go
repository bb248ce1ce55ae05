package serving

import (
	"strings"
	"testing"
)

func TestStreamToken(t *testing.T) {
	reg := NewRegistry()
	p := &Project{Name: "a", Revision: "r1"}
	p.SetKeys(ServerKey("secret-a"), ClientKey("client-a"))
	reg.Set(p)
	for _, tc := range []struct {
		name, token string
		want        *Project
	}{
		{"server key's token", StreamToken("secret-a"), p},
		{"client key's token", StreamToken("client-a"), p},
		{"unknown key's token", StreamToken("secret-b"), nil},
		{"the key itself", "secret-a", nil},
		{"empty", "", nil},
		{"not hex", strings.Repeat("z", 64), nil},
		{"upper-case hex of a token", strings.ToUpper(StreamToken("secret-a")), p},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := reg.ByStreamToken(tc.token); got != tc.want {
				t.Fatalf("ByStreamToken = %v, want %v", got, tc.want)
			}
		})
	}
	if tok := StreamToken("secret-a"); strings.Contains(tok, "secret") || len(tok) != 64 {
		t.Fatalf("token %q", tok)
	}
	reg.Delete("a")
	if reg.ByStreamToken(StreamToken("secret-a")) != nil {
		t.Fatal("token still accepted after the project was deleted")
	}
}
