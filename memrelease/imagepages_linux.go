package memrelease

import (
	"bufio"
	"bytes"
	"os"
	"strconv"
	"syscall"
)

// dropImagePages unmaps the resident pages of the executable's read-only mappings (code,
// read-only data, the function table). Starting the process runs the initialisers of some
// 300 packages scattered over the image, and the kernel maps the page cache 64 KiB around
// each fault (fault-around), so ~25 MB of the image stays resident although little of it is
// used again. A mapping whose pages are all clean copies of the file (no anonymous pages:
// nothing, not even a loader's relocation, wrote to it) loses only its page-table entries to
// MADV_DONTNEED: the file stays in the page cache and the pages the process uses come back
// on first touch (a minor fault). Writable mappings (.data, .bss) are never touched.
func dropImagePages() {
	exe, err := os.Readlink("/proc/self/exe")
	if err != nil {
		return
	}
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		return
	}
	defer func() { _ = f.Close() }()
	for _, r := range cleanImageMappings(bufio.NewScanner(f), exe) {
		_, _, _ = syscall.Syscall(syscall.SYS_MADVISE, r[0], r[1]-r[0], syscall.MADV_DONTNEED)
	}
}

// cleanImageMappings reads /proc/self/smaps and returns the private, non-writable mappings
// of exe that hold no anonymous pages.
func cleanImageMappings(sc *bufio.Scanner, exe string) [][2]uintptr {
	var out [][2]uintptr
	var cur [2]uintptr
	candidate := false
	for sc.Scan() {
		line := sc.Bytes()
		if s, e, header, ok := readOnlyImageMapping(line, exe); header {
			cur, candidate = [2]uintptr{s, e}, ok
			continue
		}
		if rest, ok := bytes.CutPrefix(line, []byte("Anonymous:")); ok && candidate {
			if kb, err := strconv.Atoi(string(bytes.TrimSuffix(bytes.TrimSpace(rest), []byte(" kB")))); err == nil && kb == 0 {
				out = append(out, cur)
			}
			candidate = false
		}
	}
	return out
}

// readOnlyImageMapping parses a mapping's header line ("start-end perms offset dev inode
// path"): header says the line is one, ok that it maps exe privately and read-only.
func readOnlyImageMapping(line []byte, exe string) (start, end uintptr, header, ok bool) {
	fields := bytes.Fields(line)
	if len(fields) < 5 || len(fields[1]) != 4 {
		return 0, 0, false, false
	}
	lo, hi, found := bytes.Cut(fields[0], []byte("-"))
	if !found {
		return 0, 0, false, false
	}
	s, err1 := strconv.ParseUint(string(lo), 16, 64)
	e, err2 := strconv.ParseUint(string(hi), 16, 64)
	if err1 != nil || err2 != nil {
		return 0, 0, false, false
	}
	perms := fields[1]
	if len(fields) < 6 || string(fields[5]) != exe || perms[1] != '-' || perms[3] != 'p' || e <= s {
		return 0, 0, true, false
	}
	return uintptr(s), uintptr(e), true, true
}
