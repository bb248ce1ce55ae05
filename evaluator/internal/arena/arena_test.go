package arena

import (
	"bytes"
	"strings"
	"sync"
	"testing"
)

// Whatever a Slab, a Temp or a Ring hands out keeps its contents while later requests are
// served (no two results overlap), and Take returns zeroed elements of the size asked for.
func FuzzArena(f *testing.F) {
	f.Add([]byte("abc\x00\x00de\xff\x01"), uint16(3))
	f.Add(bytes.Repeat([]byte{0x80, 7}, 64), uint16(9000))
	f.Fuzz(func(t *testing.T, ops []byte, big uint16) {
		var s Slab
		var tmp Temp
		var ring Ring
		type kept struct {
			got  func() string
			want string
		}
		var all []kept
		var chunks []*Chunk
		var u32 []uint32
		for i, op := range ops {
			n := int(op&0x7f) + 1
			if op&0x80 != 0 {
				n = int(big) // large requests get allocations of their own
			}
			want := strings.Repeat(string(rune('a'+i%26)), n)
			switch i % 6 {
			case 0:
				got := s.Concat(want[:n/2], want[n/2:])
				all = append(all, kept{func() string { return got }, want})
			case 1:
				got := s.Clone([]byte(want))
				all = append(all, kept{func() string { return string(got) }, want})
			case 2:
				got := tmp.Str([]byte(want))
				all = append(all, kept{func() string { return got }, want})
			case 3:
				got, c := ring.Clone([]byte(want))
				chunks = append(chunks, c)
				all = append(all, kept{func() string { return string(got) }, want})
			case 4:
				v := s.Views([]byte(want), []uint32{uint32(n / 2), uint32(n)})
				all = append(all, kept{func() string { return v[0] + v[1] }, want})
			case 5:
				x := Take(&u32, n)
				if len(x) != n || cap(x) != n {
					t.Fatalf("Take(%d): len %d cap %d", n, len(x), cap(x))
				}
				for j := range x {
					if x[j] != 0 {
						t.Fatal("Take: not zeroed")
					}
					x[j] = uint32(i)
				}
			}
		}
		for i, k := range all {
			if got := k.got(); got != k.want {
				t.Fatalf("result %d changed: %q, want %q", i, got, k.want)
			}
		}
		for _, c := range chunks {
			ring.Release(c)
		}
		var nilSlab *Slab
		if nilSlab.Concat("a", "b") != "ab" || len(nilSlab.Uint32s(3)) != 3 || nilSlab.Strings([]string{"x"})[0] != "x" {
			t.Fatal("nil Slab")
		}
	})
}

// A chunk is reused only once every value in it is released, from any goroutine.
func TestRingReuse(t *testing.T) {
	var r Ring
	var wg sync.WaitGroup
	vals := make(chan struct {
		b []byte
		c *Chunk
		w string
	}, 64)
	for range 2 {
		wg.Go(func() {
			for v := range vals {
				if string(v.b) != v.w {
					t.Errorf("value overwritten before release: %q, want %q", v.b, v.w)
				}
				r.Release(v.c)
			}
		})
	}
	for i := range 20000 {
		w := strings.Repeat(string(rune('a'+i%26)), 100+i%300)
		b, c := r.Clone([]byte(w))
		vals <- struct {
			b []byte
			c *Chunk
			w string
		}{b, c, w}
	}
	close(vals)
	wg.Wait()
	if len(r.free) == 0 {
		t.Fatal("no chunk was reused")
	}
}
