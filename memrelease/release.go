package memrelease

import "runtime/debug"

// AfterLoad runs a GC, returns the freed heap to the OS and unmaps the program image's
// read-only pages (imagepages_linux.go): call it once a load's result is in place. It costs
// one GC, so it belongs after loads, not on request paths.
func AfterLoad() {
	debug.FreeOSMemory()
	dropImagePages()
}
