package arena

import "unsafe"

// Temp holds bytes a load needs only until it ends in large chunks, freed wholesale with
// the load, instead of leaving small holes between the snapshot's long-lived objects
// (which keeps the heap's spans, and so the RSS, from shrinking after a load).
type Temp struct{ cur []byte }

// Str returns a copy of b that lives as long as the Temp.
func (a *Temp) Str(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if len(b) > cap(a.cur)-len(a.cur) {
		// chunks grow from 4 KiB to 256 KiB, so a small payload does not pay for a large one
		size := min(max(2*cap(a.cur), 4<<10), 256<<10)
		a.cur = make([]byte, 0, max(size, len(b)))
	}
	start := len(a.cur)
	a.cur = append(a.cur, b...)
	return unsafe.String(&a.cur[start], len(b))
}
