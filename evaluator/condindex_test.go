package evaluator

import (
	"strconv"
	"testing"
)

func TestCondIndex(t *testing.T) {
	c1, c2, c3 := &condition{}, &condition{}, &condition{}
	big := make([]condRef, 0, 100000)
	for i := range 100000 {
		big = append(big, condRef{id: strconv.Itoa(i * 7), c: c1})
	}
	tests := []struct {
		name    string
		refs    []condRef
		want    map[string]*condition
		missing []string
		n       int
	}{
		{name: "empty", missing: []string{"", "a"}},
		{name: "one", refs: []condRef{{id: "a", c: c1}}, want: map[string]*condition{"a": c1}, missing: []string{"b", ""}, n: 1},
		{name: "empty id", refs: []condRef{{id: "", c: c1}}, want: map[string]*condition{"": c1}, missing: []string{"a"}, n: 1},
		{
			name: "repeated id: the last wins, order kept",
			refs: []condRef{{id: "a", c: c1}, {id: "b", c: c2}, {id: "a", c: c3}},
			want: map[string]*condition{"a": c3, "b": c2}, n: 2,
		},
		{name: "100k", refs: big, want: map[string]*condition{"0": c1, "699993": c1, "7": c1}, missing: []string{"1", "700000", "6"}, n: 100000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := newCondIndex(tt.refs)
			if x.len() != tt.n {
				t.Fatalf("len = %d, want %d", x.len(), tt.n)
			}
			for id, c := range tt.want {
				if r, ok := x.get(id); !ok || r.c != c || r.id != id {
					t.Errorf("get(%q) = %+v, %v", id, r, ok)
				}
				if r, ok := x.getBytes([]byte(id)); !ok || r.c != c {
					t.Errorf("getBytes(%q) = %+v, %v", id, r, ok)
				}
			}
			for _, id := range tt.missing {
				if _, ok := x.get(id); ok {
					t.Errorf("get(%q) found", id)
				}
			}
		})
	}
	var nilIndex *condIndex
	if _, ok := nilIndex.get("a"); ok || nilIndex.len() != 0 {
		t.Fatal("nil index")
	}
}
