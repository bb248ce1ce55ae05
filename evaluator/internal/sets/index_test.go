package sets

import (
	"strconv"
	"testing"
)

type ref struct {
	id string
	v  int
}

func (r ref) IndexKey() string { return r.id }

func TestIndex(t *testing.T) {
	big := make([]ref, 0, 100000)
	for i := range 100000 {
		big = append(big, ref{id: strconv.Itoa(i * 7), v: 1})
	}
	tests := []struct {
		name    string
		refs    []ref
		want    map[string]int
		missing []string
		order   []string
		n       int
	}{
		{name: "empty", missing: []string{"", "a"}},
		{name: "one", refs: []ref{{id: "a", v: 1}}, want: map[string]int{"a": 1}, missing: []string{"b", ""}, n: 1},
		{name: "empty id", refs: []ref{{id: "", v: 1}}, want: map[string]int{"": 1}, missing: []string{"a"}, n: 1},
		{
			name: "repeated id: the last wins, order kept",
			refs: []ref{{id: "a", v: 1}, {id: "b", v: 2}, {id: "a", v: 3}},
			want: map[string]int{"a": 3, "b": 2}, order: []string{"a", "b"}, n: 2,
		},
		{name: "100k", refs: big, want: map[string]int{"0": 1, "699993": 1, "7": 1}, missing: []string{"1", "700000", "6"}, n: 100000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := NewIndex(tt.refs)
			if x.Len() != tt.n || len(x.Entries()) != tt.n {
				t.Fatalf("len = %d, want %d", x.Len(), tt.n)
			}
			for id, v := range tt.want {
				if r, ok := x.Get(id); !ok || r.v != v || r.id != id {
					t.Errorf("Get(%q) = %+v, %v", id, r, ok)
				}
				if r, ok := x.GetBytes([]byte(id)); !ok || r.v != v {
					t.Errorf("GetBytes(%q) = %+v, %v", id, r, ok)
				}
			}
			for _, id := range tt.missing {
				if _, ok := x.Get(id); ok {
					t.Errorf("Get(%q) found", id)
				}
			}
			for i, id := range tt.order {
				if x.Entries()[i].id != id {
					t.Errorf("entry %d = %q, want %q", i, x.Entries()[i].id, id)
				}
			}
		})
	}
	var nilIndex *Index[ref]
	if _, ok := nilIndex.Get("a"); ok || nilIndex.Len() != 0 || nilIndex.Entries() != nil {
		t.Fatal("nil index")
	}
}

// The index finds what a map of the same entries (the last of a repeated key) finds.
func FuzzIndex(f *testing.F) {
	f.Add([]byte("a\x00b\x00a\x00"), "a")
	f.Add([]byte(""), "")
	f.Fuzz(func(t *testing.T, keys []byte, probe string) {
		var refs []ref
		want := map[string]int{}
		start := 0
		for i, b := range keys {
			if b == 0 {
				id := string(keys[start:i])
				refs = append(refs, ref{id: id, v: i})
				want[id] = i
				start = i + 1
			}
		}
		x := NewIndex(refs)
		if x.Len() != len(want) {
			t.Fatalf("len %d, want %d", x.Len(), len(want))
		}
		for id, v := range want {
			if r, ok := x.Get(id); !ok || r.v != v {
				t.Fatalf("Get(%q) = %+v, %v, want %d", id, r, ok, v)
			}
		}
		r, ok := x.Get(probe)
		if v, in := want[probe]; ok != in || ok && r.v != v {
			t.Fatalf("Get(%q) = %+v, %v", probe, r, ok)
		}
	})
}
