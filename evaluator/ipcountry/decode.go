package ipcountry

// maxEnd is the largest range end (1<<32) in units of 256 addresses.
const maxEnd = 1 << 24

// decode parses the table format: two-byte country codes up to and including one starting
// with '*', then records of a count (byte n<240; 242 + 2 bytes LE; 243 + 3 bytes LE; other
// lead bytes mean 0) and a code index. Each record's range ends count*256 addresses after
// the previous one. Truncated or overflowing data ends decoding early, leaving later
// addresses unknown.
func decode(data []byte) *table {
	t := &table{}
	i := 0
	for i+1 < len(data) {
		c1, c2 := data[i], data[i+1]
		i += 2
		t.codes = append(t.codes, string([]byte{c1, c2}))
		if c1 == '*' {
			break
		}
	}
	records := data[i:]

	// First pass sizes the arrays exactly; the second fills them.
	n := 0
	walk(records, func(uint32, byte) { n++ })
	t.lows = make([]uint16, 0, n)
	t.code = make([]uint8, 0, n)
	var bucket uint32 // next bucket whose start is not yet recorded
	walk(records, func(end uint32, idx byte) {
		for ; bucket <= end>>16; bucket++ {
			t.start[bucket] = uint32(len(t.lows))
		}
		t.lows = append(t.lows, uint16(end))
		t.code = append(t.code, idx)
	})
	for ; bucket < uint32(len(t.start)); bucket++ {
		t.start[bucket] = uint32(len(t.lows))
	}
	return t
}

// walk calls fn with the cumulative end (in units of 256 addresses) and code index of every
// non-empty record; empty ranges can never be the first end above an address.
func walk(data []byte, fn func(end uint32, idx byte)) {
	var end uint32
	for i := 0; i+1 < len(data); {
		var count uint32
		switch n := data[i]; {
		case n < 240:
			count = uint32(n)
			i++
		case n == 242:
			if i+3 >= len(data) {
				return
			}
			count = uint32(data[i+1]) | uint32(data[i+2])<<8
			i += 3
		case n == 243:
			if i+4 >= len(data) {
				return
			}
			count = uint32(data[i+1]) | uint32(data[i+2])<<8 | uint32(data[i+3])<<16
			i += 4
		default:
			i++
		}
		idx := data[i]
		i++
		if count == 0 {
			continue
		}
		if end+count > maxEnd {
			return
		}
		end += count
		fn(end, idx)
	}
}
