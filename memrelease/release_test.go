package memrelease

import (
	"bufio"
	"io"
	"os"
	"reflect"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
)

func TestCleanImageMappings(t *testing.T) {
	const smaps = `00400000-0154a000 r-xp 00000000 fe:00 9978744 /usr/bin/op
Size:              17704 kB
Rss:               12200 kB
Anonymous:             0 kB
0154a000-0260f000 r--p 0114a000 fe:00 9978744 /usr/bin/op
Rss:               10836 kB
Anonymous:             0 kB
0260f000-02610000 r--p 0220f000 fe:00 9978744 /usr/bin/op
Rss:                   4 kB
Anonymous:             4 kB
0274c000-02772000 rw-p 0234c000 fe:00 9978744 /usr/bin/op
Anonymous:           100 kB
7f62d6429000-7f62d658b000 rw-p 00000000 00:00 0
Anonymous:           928 kB
7f631fa85000-7f631fbdb000 r-xp 00026000 fe:00 326269 /usr/lib/libc.so.6
Anonymous:             0 kB
02800000-02900000 r-xs 00000000 fe:00 9978744 /usr/bin/op
Anonymous:             0 kB
VmFlags: rd ex mr mw me
`
	got := cleanImageMappings(bufio.NewScanner(strings.NewReader(smaps)), "/usr/bin/op")
	want := [][2]uintptr{{0x400000, 0x154a000}, {0x154a000, 0x260f000}} // not the relocated page, .data, libc, shared
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %#x, want %#x", got, want)
	}
}

// AfterLoad leaves fewer of the image's pages resident, and the process runs on.
func TestAfterLoadDropsImagePages(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("image pages are dropped on Linux only")
	}
	before := rssFileKB(t)
	AfterLoad()
	after := rssFileKB(t)
	t.Logf("file-backed RSS %d kB → %d kB", before, after)
	if after >= before {
		t.Errorf("file-backed RSS did not shrink: %d kB → %d kB", before, after)
	}
	if got := strconv.Itoa(42); got != "42" { // code runs again from the page cache
		t.Fatal(got)
	}
}

func rssFileKB(t *testing.T) int {
	t.Helper()
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "RssFile:"); ok {
			n, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB"))
			return n
		}
	}
	t.Skip("no RssFile in /proc/self/status")
	return 0
}

func TestOnLargeRead(t *testing.T) {
	calls := 0
	small := OnLargeRead(strings.NewReader(`{"has_updates":false}`), 1<<10, func() { calls++ })
	if _, err := io.ReadAll(small); err != nil {
		t.Fatal(err)
	}
	if calls != 0 {
		t.Error("a small body called fn")
	}
	large := OnLargeRead(strings.NewReader(strings.Repeat("x", 64<<10)), 1<<10, func() { calls++ })
	if _, err := io.ReadAll(large); err != nil {
		t.Fatal(err)
	}
	if calls != 1 {
		t.Errorf("a large body called fn %d times, want once", calls)
	}
}

func TestTighten(t *testing.T) {
	orig := debug.SetGCPercent(100)
	defer debug.SetGCPercent(orig)
	r1 := Tighten()
	r2 := Tighten()
	if got := debug.SetGCPercent(TightGCPercent); got != TightGCPercent {
		t.Errorf("GOGC while tightened = %d", got)
	}
	r1()
	r1() // once
	if got := debug.SetGCPercent(TightGCPercent); got != TightGCPercent {
		t.Errorf("GOGC after one of two restores = %d", got)
	}
	r2()
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("GOGC after both restores = %d, want 100", got)
	}
	debug.SetGCPercent(-1)
	Tighten()()
	if got := debug.SetGCPercent(100); got != -1 {
		t.Errorf("GOGC=off became %d", got)
	}
}
