package endpoint

import (
	"bytes"
	"slices"
	"strings"
)

// fastOFREPContext returns the context of an OFREP request body (a JSON object), a view of
// data, as json.Unmarshal into ofrepRequest would; ok is false for anything it leaves to
// encoding/json (as fastEvalRequest).
func fastOFREPContext(data []byte) (ctx []byte, ok bool) {
	d := reqDecoder{b: data}
	seen := false
	ok = d.object(func(key string) bool {
		if key != "context" {
			return !strings.EqualFold(key, "context") && !foldsNonASCII(key) && d.skip(0)
		}
		if seen {
			return false
		}
		seen = true
		start := d.ws()
		if !d.skip(0) {
			return false
		}
		ctx = data[start:d.i]
		return true
	})
	return ctx, ok && d.ws() == len(data)
}

// ctxEntry is one field of a context object: a plain string, or a JSON value (span).
type ctxEntry struct {
	key  string
	str  string
	span []byte
}

// maxFastEntries bounds the fields of each object the fast path sorts on the stack.
const maxFastEntries = 16

// ctxEntries are up to maxFastEntries fields of one object, on the stack.
type ctxEntries struct {
	set  bool // the object was given (not absent or null)
	n    int
	list [maxFastEntries]ctxEntry
}

func (e *ctxEntries) entries() []ctxEntry { return e.list[:e.n] }

// ctxFields is a context's fields as userFromContext maps them to a user.
type ctxFields struct {
	targetingKey, userID       string
	strs                       [len(ofrepStringFields)]string
	strSet                     [len(ofrepStringFields)]bool
	customIDs, private, custom ctxEntries
}

// fastContextUser is userFromContext's user JSON, written as json.Marshal writes its map,
// for contexts of plain fields: plain strings (no escapes, valid UTF-8) for the ID and user
// string fields and custom IDs, any JSON for custom and private attributes, each key once
// (across custom and the top level too), at most maxFastEntries per object. ok is false
// for anything else, which userFromContext's general path then maps (with its errors).
// hasUserID is userFromContext's user["userID"] != nil.
func fastContextUser(raw []byte) (user []byte, hasUserID, ok bool) {
	var f ctxFields
	var seenTop uint16 // targetingKey, userID, customIDs, privateAttributes, custom, the string fields
	d := reqDecoder{b: raw}
	once := func(bit int) bool {
		if seenTop&(1<<bit) != 0 {
			return false
		}
		seenTop |= 1 << bit
		return true
	}
	ok = d.object(func(key string) bool {
		switch key {
		case ctxTargetingKey:
			return once(0) && d.plainStr(&f.targetingKey)
		case ctxUserID:
			return once(1) && d.plainStr(&f.userID)
		case ctxCustomIDs:
			return once(2) && d.entries(&f.customIDs, true)
		case ctxPrivateAttributes:
			return once(3) && d.entries(&f.private, false)
		case ctxCustom:
			return once(4) && d.entries(&f.custom, false) // merged with the other keys
		}
		if i := slices.Index(ofrepStringFields[:], key); i >= 0 {
			f.strSet[i] = true
			return once(5+i) && d.plainStr(&f.strs[i])
		}
		if f.custom.n == maxFastEntries {
			return false
		}
		start := d.ws()
		if !d.skip(0) {
			return false
		}
		f.custom.list[f.custom.n] = ctxEntry{key: key, span: raw[start:d.i]}
		f.custom.n++
		return true
	})
	if !ok || d.ws() != len(raw) {
		return nil, false, false
	}
	for _, list := range [...][]ctxEntry{f.customIDs.entries(), f.private.entries(), f.custom.entries()} {
		if !sortedUnique(list) {
			return nil, false, false // a repeated key: which one the map keeps is encoding/json's
		}
	}
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer putBuf(buf)
	if !f.write(buf) {
		return nil, false, false
	}
	return bytes.Clone(buf.Bytes()), f.targetingKey != "" || f.userID != "", true
}

// sortedUnique sorts list by key (encoding/json's map order) and reports no key repeated.
func sortedUnique(list []ctxEntry) bool {
	slices.SortFunc(list, func(a, b ctxEntry) int { return strings.Compare(a.key, b.key) })
	for i := 1; i < len(list); i++ {
		if list[i].key == list[i-1].key {
			return false
		}
	}
	return true
}

// write writes the user map userFromContext marshals: its keys in sorted order.
func (f *ctxFields) write(buf *bytes.Buffer) bool {
	str := func(i int) (string, bool) { return f.strs[i], f.strSet[i] }
	field := func(name string) {
		if buf.Len() > 1 {
			buf.WriteByte(',')
		}
		buf.WriteByte('"')
		buf.WriteString(name) // the user's field names need no escaping
		buf.WriteString(`":`)
	}
	buf.WriteByte('{')
	// ofrepStringFields: email, ip, userAgent, country, locale, appVersion
	if s, ok := str(5); ok {
		field("appVersion")
		writeJSONString(buf, s)
	}
	if s, ok := str(3); ok {
		field("country")
		writeJSONString(buf, s)
	}
	if f.custom.n > 0 {
		field(ctxCustom)
		if !writeEntries(buf, f.custom.entries()) {
			return false
		}
	}
	if f.customIDs.set {
		field(ctxCustomIDs)
		writeEntries(buf, f.customIDs.entries())
	}
	if s, ok := str(0); ok {
		field("email")
		writeJSONString(buf, s)
	}
	if s, ok := str(1); ok {
		field("ip")
		writeJSONString(buf, s)
	}
	if s, ok := str(4); ok {
		field("locale")
		writeJSONString(buf, s)
	}
	if f.private.set {
		field(ctxPrivateAttributes)
		if !writeEntries(buf, f.private.entries()) {
			return false
		}
	}
	if s, ok := str(2); ok {
		field("userAgent")
		writeJSONString(buf, s)
	}
	switch {
	case f.targetingKey != "":
		field(ctxUserID)
		writeJSONString(buf, f.targetingKey)
	case f.userID != "":
		field(ctxUserID)
		writeJSONString(buf, f.userID)
	}
	buf.WriteByte('}')
	return true
}

// writeEntries writes sorted entries as a JSON object (a string map, or a RawMessage map).
func writeEntries(buf *bytes.Buffer, list []ctxEntry) bool {
	buf.WriteByte('{')
	for i, e := range list {
		if i > 0 {
			buf.WriteByte(',')
		}
		writeJSONString(buf, e.key)
		buf.WriteByte(':')
		if e.span == nil {
			writeJSONString(buf, e.str)
		} else if !writeJSONRaw(buf, e.span) {
			return false
		}
	}
	buf.WriteByte('}')
	return true
}

// plainStr reads a plain string (no null: userFromContext refuses it).
func (d *reqDecoder) plainStr(dst *string) bool {
	s, ok := d.plainString()
	*dst = s
	return ok
}

// entries reads null (leaving e as it is: unset is an absent field) or an object, added to
// e: plain string values when strs, any JSON values otherwise.
func (d *reqDecoder) entries(e *ctxEntries, strs bool) bool {
	if d.peek() == 'n' {
		return d.lit("null")
	}
	e.set = true
	return d.object(func(key string) bool {
		if e.n == maxFastEntries {
			return false
		}
		if strs {
			s, ok := d.plainString()
			e.list[e.n] = ctxEntry{key: key, str: s}
			e.n++
			return ok
		}
		start := d.ws()
		if !d.skip(1) {
			return false
		}
		e.list[e.n] = ctxEntry{key: key, span: d.b[start:d.i]}
		e.n++
		return true
	})
}
