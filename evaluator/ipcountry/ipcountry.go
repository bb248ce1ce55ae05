// Package ipcountry maps IPv4 addresses to ISO country codes using the IP2Location LITE table Statsig ships.
package ipcountry

import (
	_ "embed"
	"sync"
)

// tableData is statsig-rust/resources/ip_supalite.table (see NOTICE).
//
//go:embed ip_supalite.table
var tableData []byte

var (
	loadOnce sync.Once
	loaded   *table
)

// Preload decodes the embedded table now instead of on the first Lookup.
func Preload() { get() }

func get() *table {
	loadOnce.Do(func() { loaded = decode(tableData) })
	return loaded
}

// Lookup returns the two-letter country code for a dotted IPv4 address. ok is false for
// anything that is not four integer parts in 0-255 (an optional leading '+' and leading
// zeros are accepted, as Server Core's integer parsing does) and for addresses the table
// marks unknown ("--": private, loopback, reserved ranges).
func Lookup(ip string) (country string, ok bool) {
	addr, ok := parseIPv4(ip)
	if !ok {
		return "", false
	}
	return get().lookup(addr)
}

// table holds the decoded ranges. Range ends are multiples of 256, so they are kept as
// end>>8 (at most 1<<24) split into 256 buckets by the top byte: lows holds the low 16 bits
// and bucket b spans lows[start[b]:start[b+1]]. Bucket 256 holds only the final 1<<24 end.
type table struct {
	codes []string // code list from the header, indexed by the record byte
	start [258]uint32
	lows  []uint16
	code  []uint8
}

// lookup finds the first range whose end is above addr, as Server Core's upper-bound search.
func (t *table) lookup(addr uint32) (string, bool) {
	key := addr >> 8
	b := key >> 16
	lo, hi := t.start[b], t.start[b+1]
	low := uint16(key)
	for lo < hi {
		mid := (lo + hi) >> 1
		if t.lows[mid] <= low {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	i := lo
	if int(i) >= len(t.code) {
		return "", false // beyond the last range
	}
	idx := int(t.code[i])
	if idx >= len(t.codes) || t.codes[idx] == "--" {
		return "", false
	}
	return t.codes[idx], true
}
