package endpoint

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
)

// ofrepRequest is the body of both OFREP evaluation calls.
type ofrepRequest struct {
	Context json.RawMessage `json:"context"`
}

// Context fields with a meaning of their own (the others are custom fields).
const (
	ctxTargetingKey      = "targetingKey"
	ctxUserID            = "userID"
	ctxCustomIDs         = "customIDs"
	ctxPrivateAttributes = "privateAttributes"
	ctxCustom            = "custom"
)

// Statsig user fields an OFREP context may set directly; every other key becomes a custom
// field (docs/semantics.md §2.2).
var ofrepStringFields = [...]string{"email", "ip", "userAgent", "country", "locale", "appVersion"}

// ofrepError is an OFREP failure: code is one of the protocol's error codes.
type ofrepError struct {
	status  int
	code    string
	details string
}

func invalidContext(format string, args ...any) *ofrepError {
	return &ofrepError{400, ofrepInvalidContext, fmt.Sprintf(format, args...)}
}

// userFromContext maps an OFREP evaluation context to a Statsig user:
// targetingKey → userID (userID is accepted too); email, ip, userAgent, country, locale and
// appVersion → the same user fields; customIDs (object of strings) → customIDs;
// privateAttributes (object) → privateAttributes (evaluated, never logged); custom (object)
// and every other key → custom fields. A user needs a targeting key or a custom ID.
func userFromContext(raw json.RawMessage) (*evalUser, *ofrepError) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return nil, &ofrepError{400, ofrepTargetingKeyMissing, "context with a targetingKey is required"}
	}
	b, hasUserID, ok := fastContextUser(raw)
	if !ok {
		var oerr *ofrepError
		if b, hasUserID, oerr = contextUserJSON(raw); oerr != nil {
			return nil, oerr
		}
	}
	return contextUser(b, hasUserID)
}

// contextUserJSON is the user JSON a context (non-empty) maps to, with encoding/json.
func contextUserJSON(raw []byte) (userJSON []byte, hasUserID bool, oerr *ofrepError) {
	var ctx map[string]json.RawMessage
	if raw[0] != '{' || json.Unmarshal(raw, &ctx) != nil {
		return nil, false, invalidContext("context must be a JSON object")
	}
	user := map[string]any{}
	custom := map[string]json.RawMessage{}
	for k, v := range ctx {
		switch k {
		case ctxTargetingKey, ctxUserID:
			s, ok := ofrepString(v)
			if !ok {
				return nil, false, invalidContext("context.%s must be a string", k)
			}
			if k == "targetingKey" || user["userID"] == nil {
				if s != "" {
					user["userID"] = s
				}
			}
		case ctxCustomIDs, ctxPrivateAttributes, ctxCustom:
			var m map[string]json.RawMessage
			if bytes.Equal(bytes.TrimSpace(v), []byte("null")) {
				continue
			}
			if json.Unmarshal(v, &m) != nil {
				return nil, false, invalidContext("context.%s must be an object", k)
			}
			switch k {
			case "customIDs":
				ids := map[string]string{}
				for id, val := range m {
					s, ok := ofrepString(val)
					if !ok {
						return nil, false, invalidContext("context.customIDs.%s must be a string", truncate(id, 64))
					}
					ids[id] = s
				}
				user["customIDs"] = ids
			case "privateAttributes":
				user["privateAttributes"] = m
			default:
				maps.Copy(custom, m)
			}
		default:
			if isOFREPStringField(k) {
				s, ok := ofrepString(v)
				if !ok {
					return nil, false, invalidContext("context.%s must be a string", k)
				}
				user[k] = s
				continue
			}
			custom[k] = v
		}
	}
	if len(custom) > 0 {
		user["custom"] = custom
	}
	b, err := json.Marshal(user)
	if err != nil {
		return nil, false, invalidContext("context could not be converted to a Statsig user")
	}
	return b, user["userID"] != nil, nil
}

// contextUser parses the user a context maps to (hasUserID: it has a userID).
func contextUser(b []byte, hasUserID bool) (*evalUser, *ofrepError) {
	u, aerr := parseUser(b)
	if aerr != nil {
		if !hasUserID {
			return nil, &ofrepError{400, ofrepTargetingKeyMissing,
				"context needs a targetingKey (the Statsig userID) or customIDs"}
		}
		return nil, invalidContext("%s", aerr.message)
	}
	return u, nil
}

func isOFREPStringField(k string) bool {
	return slices.Contains(ofrepStringFields[:], k)
}

// ofrepString accepts a JSON string, or a number rendered as Statsig SDKs do.
func ofrepString(v json.RawMessage) (string, bool) {
	v = bytes.TrimSpace(v)
	if len(v) == 0 {
		return "", false
	}
	if v[0] == '"' {
		var s string
		return s, json.Unmarshal(v, &s) == nil
	}
	s := scalarString(v)
	return s, s != ""
}
