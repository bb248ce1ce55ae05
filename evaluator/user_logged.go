package evaluator

import (
	"bytes"
	"encoding/json"
	"maps"
)

// loggedFields are the user fields exposures and events carry, in Server Core's order
// (docs/semantics.md §4.2); privateAttributes and fields Statsig does not define never are.
//
//nolint:goconst // JSON field names, spelled as on the wire
var loggedFields = [...]string{
	"userID", "customIDs", "email", "ip", "userAgent", "country", "locale", "appVersion", "custom",
	"statsigEnvironment",
}

// LoggedUser renders u as Server Core logs it with this evaluator's options (docs/semantics.md
// §4.2): the set fields among loggedFields with their JSON types, custom merged over the global
// custom fields, and statsigEnvironment the user's or else {"tier": Options.Environment}; a
// staging cluster's exposures must not count as production.
func (e *Evaluator) LoggedUser(u *User) []byte {
	var buf bytes.Buffer
	buf.WriteByte('{')
	first := true
	field := func(k string, raw []byte) {
		if !first {
			buf.WriteByte(',')
		}
		first = false
		buf.WriteByte('"')
		buf.WriteString(k) // loggedFields need no escaping
		buf.WriteString(`":`)
		if json.Compact(&buf, raw) != nil {
			buf.WriteString("null")
		}
	}
	logged := u.loggedMap()
	for _, k := range loggedFields {
		raw, set := logged[k]
		switch {
		case k == "custom" && len(e.opts.GlobalCustomFields) > 0:
			field(k, e.mergedCustom(raw))
		case set:
			field(k, raw)
		case k == "statsigEnvironment" && e.opts.Environment != "": //nolint:goconst // as above
			tier, _ := json.Marshal(map[string]string{"tier": e.opts.Environment})
			field(k, tier)
		}
	}
	buf.WriteByte('}')
	return buf.Bytes()
}

// mergedCustom is the global custom fields with the user's own custom fields over them.
func (e *Evaluator) mergedCustom(userCustom []byte) []byte {
	merged := make(map[string]json.RawMessage, len(e.opts.GlobalCustomFields))
	for k, v := range e.opts.GlobalCustomFields {
		if b, err := json.Marshal(v); err == nil {
			merged[k] = b
		}
	}
	var own map[string]json.RawMessage
	if json.Unmarshal(userCustom, &own) == nil {
		maps.Copy(merged, own)
	}
	b, err := json.Marshal(merged) // keys sorted, values compacted
	if err != nil {
		return []byte("{}")
	}
	return b
}
