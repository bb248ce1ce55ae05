package serving

import (
	"sync"
	"testing"
)

// project accepts its first key as the server key and the others as client keys.
func project(name, rev string, keys ...string) *Project {
	p := &Project{Name: name, Revision: rev}
	var ks []Key
	for i, k := range keys {
		if i == 0 {
			ks = append(ks, ServerKey(k))
		} else {
			ks = append(ks, ClientKey(k))
		}
	}
	p.SetKeys(ks...)
	return p
}

func TestRegistryRoutesByKey(t *testing.T) {
	r := NewRegistry()
	r.Set(project("a", "r1", "secret-a", "client-a"))
	r.Set(project("b", "r1", "secret-b"))
	tests := []struct {
		key, want string
		scope     Scope
	}{
		{"secret-a", "a", ScopeServer},
		{"client-a", "a", ScopeClient},
		{"secret-b", "b", ScopeServer},
		{"secret-c", "", ScopeNone},
		{"", "", ScopeNone},
	}
	for _, tt := range tests {
		got, scope := r.Authorize(tt.key)
		name := ""
		if got != nil {
			name = got.Name
		}
		if name != tt.want || scope != tt.scope {
			t.Errorf("Authorize(%q) = %q, %d; want %q, %d", tt.key, name, scope, tt.want, tt.scope)
		}
		if r.ByKey(tt.key) != got {
			t.Errorf("ByKey(%q) differs from Authorize", tt.key)
		}
	}
	if r.Only() != nil {
		t.Error("Only() with two projects must be nil")
	}
	r.Delete("b")
	if r.ByKey("secret-b") != nil || r.Get("b") != nil || r.Len() != 1 {
		t.Error("deleted project still served")
	}
	if r.Only() == nil || r.Only().Name != "a" {
		t.Error("Only() must return the single project")
	}
}

func TestRegistryReplacesKeysAndNotifiesOnNewRevision(t *testing.T) {
	r := NewRegistry()
	var mu sync.Mutex
	var seen []string
	r.Subscribe(func(name, rev string) { mu.Lock(); seen = append(seen, name+"@"+rev); mu.Unlock() })
	r.Set(project("a", "r1", "old-key"))
	r.Set(project("a", "r1", "new-key")) // same revision: no notification
	r.Set(project("a", "r2", "new-key"))
	if r.ByKey("old-key") != nil {
		t.Error("rotated key still accepted")
	}
	if r.ByKey("new-key") == nil {
		t.Error("new key not accepted")
	}
	want := []string{"a@r1", "a@r2"}
	if len(seen) != len(want) || seen[0] != want[0] || seen[1] != want[1] {
		t.Errorf("notifications = %v, want %v", seen, want)
	}
}

func TestRegistryConcurrentReaders(t *testing.T) {
	r := NewRegistry()
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 2000 {
				_ = r.ByKey("k")
				_ = r.List()
			}
		})
	}
	for range 200 {
		r.Set(project("a", "r", "k"))
	}
	wg.Wait()
}
