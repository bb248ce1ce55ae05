package ipcountry

import (
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

func TestLookup(t *testing.T) {
	tests := []struct {
		ip   string
		want string // "" means not ok
	}{
		{"8.8.8.8", "US"}, // observed from Server Core (docs/semantics.md §2.14)
		{"8.8.4.4", "US"}, // Google DNS
		{"9.9.9.9", "US"}, // Quad9
		{"1.1.1.1", "US"}, // Cloudflare; IP2Location LITE places it in the US
		{"81.2.69.142", "GB"},
		{"2.16.0.1", "FR"},
		{"133.242.0.3", "JP"},
		{"77.88.8.8", "RU"},       // Yandex DNS
		{"114.114.114.114", "CN"}, // 114DNS
		{"+8.8.8.8", "US"},        // Server Core parses parts as integers, '+' included
		{"008.008.008.008", "US"}, // leading zeros likewise
		{"127.0.0.1", ""},         // loopback is "--"
		{"10.0.0.1", ""},          // private
		{"172.16.0.1", ""},        // private
		{"192.168.1.1", ""},       // private
		{"100.64.0.1", ""},        // carrier-grade NAT
		{"169.254.1.1", ""},       // link local
		{"224.0.0.1", ""},         // multicast
		{"0.0.0.0", ""},           // first range
		{"255.255.255.255", ""},   // last address
		{"", ""},
		{"1.2.3", ""},
		{"1.2.3.4.5", ""},
		{"1.2.3.4.", ""},
		{".1.2.3", ""},
		{"1..2.3", ""},
		{"256.1.1.1", ""},
		{"1.1.1.256", ""},
		{"1.1.1.-1", ""},
		{"-0.1.1.1", ""},
		{"1.1.1.1a", ""},
		{"1.1.1.++1", ""},
		{"1.1.1.+", ""},
		{" 8.8.8.8", ""},
		{"8.8.8.8 ", ""},
		{"::1", ""},
		{"2001:4860:4860::8888", ""},
		{"::ffff:8.8.8.8", ""},
		{"8.8.8.8/32", ""},
		{"99999999999999999999.1.1.1", ""},
		{"٨.8.8.8", ""}, // non-ASCII digit
	}
	for _, tt := range tests {
		got, ok := Lookup(tt.ip)
		if ok != (tt.want != "") || got != tt.want {
			t.Errorf("Lookup(%q) = %q, %v; want %q", tt.ip, got, ok, tt.want)
		}
	}
}

// reference decodes the table the way Server Core does: cumulative int64 ends, one code per
// record, upper-bound search.
type reference struct {
	codes []string
	ends  []int64
	idx   []int
}

func decodeReference(data []byte) reference {
	var r reference
	i := 0
	for i < len(data) {
		c := string(data[i : i+2])
		i += 2
		r.codes = append(r.codes, c)
		if c[0] == '*' {
			break
		}
	}
	var end int64
	for i+1 < len(data) {
		var count int64
		n := data[i]
		i++
		switch {
		case n < 240:
			count = int64(n)
		case n == 242:
			count = int64(data[i]) | int64(data[i+1])<<8
			i += 2
		case n == 243:
			count = int64(data[i]) | int64(data[i+1])<<8 | int64(data[i+2])<<16
			i += 3
		}
		end += count * 256
		r.ends = append(r.ends, end)
		r.idx = append(r.idx, int(data[i]))
		i++
	}
	return r
}

func (r reference) lookup(addr uint32) (string, bool) {
	lo, hi := 0, len(r.ends)
	for lo < hi {
		mid := (lo + hi) / 2
		if r.ends[mid] <= int64(addr) {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	if lo == len(r.ends) || r.codes[r.idx[lo]] == "--" {
		return "", false
	}
	return r.codes[r.idx[lo]], true
}

// TestMatchesReference checks both sides of every range boundary and random addresses.
func TestMatchesReference(t *testing.T) {
	ref := decodeReference(tableData)
	if last := ref.ends[len(ref.ends)-1]; last != 1<<32 {
		t.Fatalf("table ends at %d, want 1<<32", last)
	}
	tab := get()
	check := func(addr uint32) {
		got, gok := tab.lookup(addr)
		want, wok := ref.lookup(addr)
		if got != want || gok != wok {
			t.Fatalf("addr %d: got %q,%v want %q,%v", addr, got, gok, want, wok)
		}
	}
	for _, end := range ref.ends {
		if end > 0 {
			check(uint32(end - 1))
		}
		if end < 1<<32 {
			check(uint32(end))
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 200000 {
		check(rng.Uint32())
	}
	check(0)
	check(^uint32(0))
	t.Logf("%d records, %d codes, %d non-empty ranges", len(ref.ends), len(ref.codes), len(tab.lows))
}

func TestDecodeMalformed(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		ip   string
		want string
	}{
		{"empty", nil, "1.2.3.4", ""},
		{"header only", []byte("--US**"), "1.2.3.4", ""},
		{"odd header", []byte("--U"), "1.2.3.4", ""},
		{"one byte count", []byte("--US**\x05\x01"), "0.0.4.255", "US"},
		{"past last range", []byte("--US**\x05\x01"), "0.0.5.0", ""},
		{"two byte count", []byte("--US**\xf2\x00\x01\x01"), "0.0.255.255", "US"},
		{"three byte count", []byte("--US**\xf3\x00\x00\x01\x01"), "0.255.255.255", "US"},
		{"truncated two byte count", []byte("--US**\x01\x01\xf2\x00"), "0.0.0.1", "US"},
		{"unused lead byte counts zero", []byte("--US**\xf0\x01\x01\x00"), "0.0.0.0", ""},
		{"code index out of range", []byte("--US**\x01\x09"), "0.0.0.0", ""},
		{"overflow stops decoding", []byte("--US**\x01\x01\xf3\xff\xff\xff\x00\xf3\xff\xff\xff\x01"), "0.0.0.1", "US"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr, ok := parseIPv4(tt.ip)
			if !ok {
				t.Fatalf("bad test ip %q", tt.ip)
			}
			got, ok := decode(tt.data).lookup(addr)
			if ok != (tt.want != "") || got != tt.want {
				t.Errorf("lookup(%s) = %q, %v; want %q", tt.ip, got, ok, tt.want)
			}
		})
	}
}

// TestEmbeddedMatchesFixture guards against the copy drifting from the shared fixture.
func TestEmbeddedMatchesFixture(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(fixturesDir(t), "server-core", "ip_supalite.table"))
	if err != nil {
		t.Fatalf("read fixture: %v", err)
	}
	if !bytes.Equal(data, tableData) {
		t.Fatal("embedded ip_supalite.table differs from shared fixture")
	}
}

func TestTableMemory(t *testing.T) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	tab := decode(tableData)
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(tab)
	t.Logf("decoded table: %d records, %d KiB live heap (lows %d B, codes %d B)",
		len(tab.lows), (after.HeapAlloc-before.HeapAlloc)/1024, 2*cap(tab.lows), cap(tab.code))
}

func FuzzLookup(f *testing.F) {
	for _, s := range []string{"8.8.8.8", "", "1.2.3", "256.1.1.1", "::1", "+1.+2.+3.+4", "0.0.0.0", "255.255.255.255"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, ip string) {
		country, ok := Lookup(ip)
		if ok != (country != "") || (ok && len(country) != 2) {
			t.Fatalf("Lookup(%q) = %q, %v", ip, country, ok)
		}
	})
}

var sinkCountry string

func BenchmarkLookup(b *testing.B) {
	Preload()
	ips := []string{"8.8.8.8", "81.2.69.142", "133.242.0.3", "192.168.1.1", "2001:db8::1"}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		sinkCountry, _ = Lookup(ips[i%len(ips)])
		i++
	}
}

func BenchmarkDecode(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = decode(tableData)
	}
}
