package evaluator

import (
	"encoding/json"
	"strings"
)

// User is a Statsig user (the public JSON shape: userID, customIDs, email, ip, userAgent,
// country, locale, appVersion, custom, privateAttributes, statsigEnvironment). Values keep
// their JSON types; userID and custom IDs may be numbers. Decode with DecodeUser or
// json.Unmarshal (user_decode.go); the typed views evaluation needs are computed once, at
// decode time.
type User struct {
	UserID             Value
	CustomIDs          map[string]Value
	Email              Value
	IP                 Value
	UserAgent          Value
	Country            Value
	Locale             Value
	AppVersion         Value
	Custom             map[string]Value
	PrivateAttributes  map[string]Value
	StatsigEnvironment map[string]Value

	// data is the JSON object the user was decoded from (nil for a user built otherwise):
	// loggedMap reads the logged fields from it when needed.
	data []byte
	// volatile records what evaluations read of the clock and chance (nil: not recorded;
	// WatchVolatility).
	volatile *volatility
}

// MarshalJSON emits the logged user: every field as received except privateAttributes.
func (u User) MarshalJSON() ([]byte, error) {
	if u.data == nil {
		return []byte("{}"), nil
	}
	return json.Marshal(u.loggedMap()) // keys sorted, values compacted
}

// UnitID returns the unit ID for an ID type (docs/semantics.md §2.3): userID for "userID" (any case), else the
// custom ID as given, then lower-cased.
func (u *User) UnitID(idType string) Value {
	if strings.EqualFold(idType, "userid") {
		return u.UserID
	}
	if v, ok := u.CustomIDs[idType]; ok {
		return v
	}
	if v, ok := u.CustomIDs[strings.ToLower(idType)]; ok {
		return v
	}
	return Value{}
}

// unitIDString is the unit ID as hashed: its string view, "" when missing. isUser is the
// precomputed strings.EqualFold(idType, "userID").
func (u *User) unitIDString(idType string, isUser bool) string {
	if isUser {
		return u.UserID.str
	}
	if v, ok := u.CustomIDs[idType]; ok {
		return v.str
	}
	return u.UnitID(idType).str
}

// lookup implements user_field lookup (docs/semantics.md §2.2).
func (e *Evaluator) lookup(u *User, field string) Value {
	lf := field
	if hasUpper(field) {
		lf = strings.ToLower(field)
	}
	return e.lookupLower(u, field, lf)
}

// Field codes: the built-in user fields, recognised once when a condition compiles.
const (
	fieldOther uint8 = iota
	fieldUserID
	fieldEmail
	fieldIP
	fieldCountry
	fieldLocale
	fieldAppVersion
	fieldUserAgent
	fieldUserIDSnake     // user_id: after the custom maps
	fieldAppVersionSnake // app_version
	fieldUserAgentSnake  // user_agent
)

//nolint:goconst // JSON field names, spelled as on the wire
func fieldCodeOf(lf string) uint8 {
	switch lf {
	case "userid":
		return fieldUserID
	case "email":
		return fieldEmail
	case "ip":
		return fieldIP
	case "country":
		return fieldCountry
	case "locale":
		return fieldLocale
	case "appversion":
		return fieldAppVersion
	case "useragent":
		return fieldUserAgent
	case "user_id":
		return fieldUserIDSnake
	case "app_version":
		return fieldAppVersionSnake
	case "user_agent":
		return fieldUserAgentSnake
	}
	return fieldOther
}

// lookupLower is lookup with the lower-cased field precomputed.
func (e *Evaluator) lookupLower(u *User, field, lf string) Value {
	return e.lookupField(u, fieldCodeOf(lf), field, lf)
}

// lookupField is lookup with the field's code precomputed (conditions compile it once).
func (e *Evaluator) lookupField(u *User, code uint8, field, lf string) Value {
	var builtin *Value
	switch code {
	case fieldUserID:
		builtin = &u.UserID
	case fieldEmail:
		builtin = &u.Email
	case fieldIP:
		builtin = &u.IP
	case fieldCountry:
		builtin = &u.Country
	case fieldLocale:
		builtin = &u.Locale
	case fieldAppVersion:
		builtin = &u.AppVersion
	case fieldUserAgent:
		builtin = &u.UserAgent
	}
	if builtin != nil && !builtin.IsMissing() && builtin.str != "" {
		return *builtin
	}
	if v, ok := lookupMap(u.Custom, field, lf); ok {
		return v
	}
	if v, ok := lookupMap(e.globalCustom, field, lf); ok {
		return v
	}
	if v, ok := lookupMap(u.PrivateAttributes, field, lf); ok {
		return v
	}
	switch code {
	case fieldUserIDSnake:
		return u.UserID
	case fieldAppVersionSnake:
		return u.AppVersion
	case fieldUserAgentSnake:
		return u.UserAgent
	}
	return Value{}
}

func lookupMap(m map[string]Value, field, lf string) (Value, bool) {
	if m == nil {
		return Value{}, false
	}
	if v, ok := m[field]; ok {
		return v, true
	}
	if lf != field {
		if v, ok := m[lf]; ok {
			return v, true
		}
	}
	return Value{}, false
}

func hasUpper(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			return true
		}
	}
	return false
}
