package evaluator

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/statsig-operator/statsig-operator/evaluator/internal/jsonscan"
)

// top reads the payload's top-level object as a stream: spec sections and the condition map
// are split into one raw JSON value per entry (handed to the workers as they arrive); nothing
// else of the payload is kept.
func (l *loader) top() error {
	if c := l.sc.Peek(); c != '{' {
		if c == 0 && l.sc.Err() != nil && l.sc.Err() != io.EOF {
			return fmt.Errorf("evaluator: payload: %w", l.sc.Err())
		}
		return errors.New("evaluator: payload must be a JSON object")
	}
	var fieldErr error
	err := l.sc.Object(func(key string) error {
		if err := l.field(key); err != nil {
			fieldErr = err
			return err
		}
		return nil
	})
	if fieldErr != nil {
		return fieldErr
	}
	if err != nil {
		return fmt.Errorf("evaluator: payload: %w", err)
	}
	return nil
}

func (l *loader) field(key string) error {
	sc := l.sc
	var err error
	switch key {
	case "feature_gates":
		err = l.specs(key, KindGate, l.gates)
	case "dynamic_configs":
		err = l.specs(key, KindDynamicConfig, l.configs)
	case "layer_configs":
		err = l.specs(key, KindLayer, l.layers)
	case "condition_map":
		switch sc.Peek() {
		case '{':
			l.condJobs, l.same, l.diverged = l.condJobs[:0], 0, l.prev == nil
			buf := make([]byte, 0, 4096)
			err = sc.ObjectBytes(func(id []byte) error {
				var cerr error
				if buf, cerr = sc.Capture(buf[:0]); cerr != nil {
					return cerr
				}
				l.addCondition(id, buf)
				return nil
			})
		case 'n':
			err = sc.Skip()
		default:
			if err = sc.Skip(); err == nil {
				err = errors.New("condition_map must be an object")
			}
		}
	case fieldHasUpdates:
		var raw []byte
		if raw, err = sc.Capture(nil); err != nil {
			break
		}
		switch string(raw) {
		case jsonTrue, jsonFalse:
			b := string(raw) == jsonTrue
			l.hasUpd = &b
		default:
			err = errors.New("has_updates must be a boolean")
		}
	case "time":
		var raw []byte
		if raw, err = sc.Capture(nil); err == nil && len(raw) > 0 && (raw[0] == '-' || raw[0] >= '0' && raw[0] <= '9') {
			if f, perr := strconv.ParseFloat(string(raw), 64); perr == nil || isRangeErr(perr) {
				l.out.time = int64(f)
			}
		}
	case "checksum":
		err = l.lenient(&l.out.checksum)
	case "company_id":
		err = l.lenient(&l.out.companyID)
	case "app_id":
		err = l.lenient(&l.out.appID)
	case "default_environment":
		err = l.lenient(&l.out.defaultEnvironment)
	case "sdk_keys_to_app_ids":
		err = l.lenient(&l.out.sdkKeysToAppIDs)
	case "hashed_sdk_keys_to_app_ids":
		err = l.lenient(&l.out.hashedSDKKeysToAppIDs)
	case "experiment_to_layer":
		err = l.lenient(&l.out.experimentToLayer)
	case "sdk_configs":
		var raw map[string]json.RawMessage
		err = l.lenient(&raw)
		l.out.sampling = parseSamplingConfig(raw)
	case fieldParamStores:
		err = l.paramStores()
	default:
		err = l.other(key)
	}
	if err != nil {
		return fmt.Errorf("evaluator: payload field %q: %w", key, err)
	}
	return nil
}

// paramStores reads param_stores (stores Server Core could not decode are skipped).
func (l *loader) paramStores() error {
	raw, err := l.sc.Capture(nil)
	if err != nil {
		return err
	}
	var skipped []string
	l.out.paramStores, skipped = decodeParamStores(raw)
	for _, n := range skipped {
		l.skip(n)
	}
	return nil
}

// other reads a top-level field the switch in field does not name: session_replay_info (left
// unset when it is not an object of the expected shape), cmab_configs, overrides and
// override_rules (kept raw until the condition map is known), or one that is skipped.
func (l *loader) other(key string) error {
	var err error
	switch key {
	case "cmab_configs":
		l.rawCMAB, err = l.sc.Capture(nil)
		return err
	case "overrides":
		l.rawOverrides, err = l.sc.Capture(nil)
		return err
	case "override_rules":
		l.rawOverrideRules, err = l.sc.Capture(nil)
		return err
	case "session_replay_info":
	default:
		return l.sc.Skip()
	}
	raw, err := l.sc.Capture(nil)
	var sr sessionReplayInfo
	if err == nil && len(raw) > 0 && raw[0] == '{' && json.Unmarshal(raw, &sr) == nil {
		l.out.sessionReplay = &sr
	}
	return err
}

// lenient decodes the next value into dst, leaving it unset for null or a value of another type.
func (l *loader) lenient(dst any) error {
	raw, err := l.sc.Capture(nil)
	if err == nil {
		_ = json.Unmarshal(raw, dst)
	}
	return err
}

// specs reads one spec section: an object name→spec (v2) or an array of specs (v1). Each spec
// is handed on as its own raw JSON and decoded independently.
func (l *loader) specs(section string, kind Kind, into map[string]*specJob) error {
	sc := l.sc
	buf := make([]byte, 0, 4096)
	switch sc.Peek() {
	case '{':
		if err := l.setFormat("v2", section); err != nil {
			return err
		}
		return sc.ObjectBytes(func(nameB []byte) error {
			name := l.specName(kind, nameB)
			var err error
			if buf, err = sc.Capture(buf[:0]); err != nil {
				return err
			}
			into[name] = l.addSpec(kind, name, buf)
			return nil
		})
	case '[':
		if err := l.setFormat("v1", section); err != nil {
			return err
		}
		i := 0
		return sc.Array(func() error {
			var err error
			if buf, err = sc.Capture(buf[:0]); err != nil {
				return err
			}
			if len(buf) == 0 || buf[0] != '{' {
				return fmt.Errorf("%s[%d] must be a spec object", section, i)
			}
			if name, err := v1Name(buf); err != nil || name == "" {
				l.skip(fmt.Sprintf("%s[%d]", section, i))
			} else {
				into[name] = l.addSpec(kind, name, buf)
			}
			i++
			return nil
		})
	case 'n':
		return sc.Skip()
	}
	if err := sc.Skip(); err != nil {
		return err
	}
	return fmt.Errorf("%s must be an object or an array", section)
}

// setFormat records the payload format the first spec section shows (v2: objects, v1:
// arrays); a section in the other shape is a payload error, not a section to skip, so a
// mistyped payload never loads as an empty one.
func (l *loader) setFormat(f, section string) error {
	switch l.format {
	case "":
		l.format = f
	case f:
	default:
		return fmt.Errorf("%s is %s-shaped in a %s payload (spec sections are all objects in v2, all arrays in v1)",
			section, f, l.format)
	}
	return nil
}

// v1Name reads a v1 spec's "name" the way encoding/json fills a string field (the key
// matched case-insensitively, the last one wins, null leaves it empty, another type is an
// error), without decoding the rest of the spec.
//
//nolint:goconst // JSON field names, spelled as on the wire
func v1Name(raw []byte) (string, error) {
	c := jsonscan.New(raw)
	var name []byte
	err := c.Object(func(key []byte) error {
		if fieldKey(key) != "name" {
			return c.Skip()
		}
		var err error
		name, _, err = readStr(&c, "name", name)
		return err
	})
	if err == nil && c.Next() != 0 {
		err = c.Fail("data after the spec")
	}
	return string(name), err
}
