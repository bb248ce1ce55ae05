package ipcountry

// parseIPv4 reads exactly four '.'-separated parts, each an optional '+' followed by one or
// more ASCII digits with value 0-255.
func parseIPv4(s string) (uint32, bool) {
	var addr uint32
	part := 0
	for i := 0; ; i++ {
		if part == 4 {
			return 0, false // more than four parts
		}
		if i < len(s) && s[i] == '+' {
			i++
		}
		start := i
		var v uint32
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			v = v*10 + uint32(s[i]-'0')
			if v > 255 {
				return 0, false
			}
			i++
		}
		if i == start {
			return 0, false // empty part or stray character
		}
		addr = addr<<8 | v
		part++
		if i == len(s) {
			if part != 4 {
				return 0, false
			}
			return addr, true
		}
		if s[i] != '.' {
			return 0, false
		}
	}
}
