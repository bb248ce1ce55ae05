package evaluator

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/statsig-operator/statsig-operator/evaluator/internal/jsonscan"
)

type condType uint8

const (
	condUnknown condType = iota
	condPublic
	condPassGate
	condFailGate
	condUserField
	condEnvironmentField
	condIPBased
	condUABased
	condCurrentTime
	condUserBucket
	condUnitID
	condTargetApp
	condExperimentGroup
)

var condTypes = map[string]condType{
	"public": condPublic, "pass_gate": condPassGate, "fail_gate": condFailGate,
	"user_field": condUserField, "environment_field": condEnvironmentField, "ip_based": condIPBased,
	"ua_based": condUABased, "current_time": condCurrentTime, "user_bucket": condUserBucket,
	"unit_id": condUnitID, "target_app": condTargetApp, "experiment_group": condExperimentGroup,
}

type opKind uint8

const (
	opNone opKind = iota
	opUnknown
	opGT
	opGTE
	opLT
	opLTE
	opVersionGT
	opVersionGTE
	opVersionLT
	opVersionLTE
	opVersionEQ
	opVersionNEQ
	opAny
	opNone_
	opAnyCaseSensitive
	opNoneCaseSensitive
	opStrStartsWithAny
	opStrEndsWithAny
	opStrContainsAny
	opStrContainsNone
	opStrMatches
	opEQ
	opNEQ
	opBefore
	opAfter
	opOn
	opInSegmentList
	opNotInSegmentList
	opArrayContainsAny
	opArrayContainsNone
	opArrayContainsAll
	opNotArrayContainsAll
)

var opKinds = map[string]opKind{
	"gt": opGT, "gte": opGTE, "lt": opLT, "lte": opLTE,
	"version_gt": opVersionGT, "version_gte": opVersionGTE, "version_lt": opVersionLT,
	"version_lte": opVersionLTE, "version_eq": opVersionEQ, "version_neq": opVersionNEQ,
	"any": opAny, "none": opNone_, "any_case_sensitive": opAnyCaseSensitive, "none_case_sensitive": opNoneCaseSensitive,
	"str_starts_with_any": opStrStartsWithAny, "str_ends_with_any": opStrEndsWithAny,
	"str_contains_any": opStrContainsAny, "str_contains_none": opStrContainsNone, "str_matches": opStrMatches,
	"eq": opEQ, "neq": opNEQ, "before": opBefore, "after": opAfter, "on": opOn,
	"in_segment_list": opInSegmentList, "not_in_segment_list": opNotInSegmentList,
	"array_contains_any": opArrayContainsAny, "array_contains_none": opArrayContainsNone,
	"array_contains_all": opArrayContainsAll, "not_array_contains_all": opNotArrayContainsAll,
}

// condition is a compiled condition.
type condition struct {
	typ          condType
	op           opKind
	idTypeIsUser bool  // idType is "userID" in any case
	fieldCode    uint8 // fieldCodeOf(lfield)
	target       target
	field        string
	lfield       string // lower-cased field
	idType       string
	bucketPrefix string   // user_bucket: salt "."
	link         specLink // pass_gate / fail_gate: the gate in the newest snapshot
}

// gateName is the operand of pass_gate / fail_gate (a string target) and experiment_group
// (the field).
func (c *condition) gateName() string {
	if c.typ == condExperimentGroup {
		return c.field
	}
	return c.target.str
}

// pure reports whether evaluating the condition has no effect beyond its outcome: no
// secondary exposures (pass_gate, fail_gate, and experiment_group's nested evaluation) and
// no "unsupported" result (unknown type or operator).
func (c *condition) pure() bool {
	switch c.typ {
	case condPublic:
		return true
	case condUserField, condEnvironmentField, condIPBased, condUABased, condCurrentTime,
		condUserBucket, condUnitID, condTargetApp:
		return c.op >= opGT && c.op <= opNotArrayContainsAll
	}
	return false
}

// pureFrom is the index from which every condition of a rule is pure.
func pureFrom(conds []*condition) int32 {
	i := len(conds)
	for i > 0 && conds[i-1].pure() {
		i--
	}
	return int32(i)
}

// compileInto decodes and compiles one condition in a single pass over its JSON: no
// intermediate struct, no generic tree and no string per element for the target (allow-lists
// and bucket sets are most of a large payload). Key matching, null handling and type errors
// follow encoding/json, as the struct decoding it replaces did. The condition is allocated
// from slab (nil: the heap).
//
//nolint:goconst // JSON field names, spelled as on the wire
func compileInto(raw []byte, slab *condSlab) (*condition, error) {
	var ls *listScratch
	if slab != nil {
		ls = &slab.lists
	} else {
		ls = new(listScratch)
	}
	c := jsonscan.New(raw)
	switch c.Kind() {
	case '{':
	case 'n':
		if err := c.Lit(jsonNull); err != nil {
			return nil, err
		}
		return &condition{typ: condUnknown, op: opNone, target: target{kind: kindNull}}, nil
	default:
		return nil, errors.New("condition must be an object")
	}
	var (
		typ, idType     []byte
		op, field       []byte // nil: absent or null
		hasOp, hasField bool
		additional      []byte
		tg              = target{kind: kindNull}
	)
	err := c.Object(func(key []byte) error {
		var err error
		switch fieldKey(key) {
		case "type":
			typ, _, err = readStr(&c, "type", typ)
		case "targetvalue":
			tg, err = readTarget(&c, ls)
		case "operator":
			op, hasOp, err = readStr(&c, "operator", nil)
		case "field":
			field, hasField, err = readStr(&c, "field", nil)
		case "additionalvalues":
			switch c.Kind() {
			case '{':
				additional, err = c.Span()
			case 'n':
				additional, err = nil, c.Lit(jsonNull)
			default:
				err = errors.Join(errors.New("additionalValues must be an object"), c.Skip())
			}
		case "idtype":
			idType, _, err = readStr(&c, "idType", idType)
		default:
			err = c.Skip()
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	cond := slab.alloc()
	cond.typ, cond.idType = condTypes[string(typ)], slab.nameOf(idType)
	if hasField {
		cond.field = slab.nameOf(field)
	}
	cond.lfield = cond.field
	if l := strings.ToLower(cond.field); l != cond.field {
		cond.lfield = slab.name(l)
	}
	cond.fieldCode = fieldCodeOf(cond.lfield)
	cond.idTypeIsUser = strings.EqualFold(cond.idType, "userid")
	if !hasOp {
		cond.op = opNone
	} else if k, ok := opKinds[string(op)]; ok {
		cond.op = k
	} else if k, ok := opKinds[strings.ToLower(string(op))]; ok {
		cond.op = k
	} else {
		cond.op = opUnknown
	}
	cond.target = finishTarget(tg, ls, cond.op, slab)
	if cond.typ == condUserBucket {
		salt, err := bucketSalt(additional)
		if err != nil {
			return nil, err
		}
		cond.bucketPrefix = slab.concat(salt, ".")
	}
	return cond, nil
}

// readStr reads a string field the way encoding/json fills one: a string (raw's own bytes,
// or a copy when it had escapes: the cursor reuses its buffer), null leaves prev (set is
// false), any other type is an error naming the field.
func readStr(c *jsonscan.Cursor, name string, prev []byte) (v []byte, set bool, err error) {
	switch c.Kind() {
	case '"':
		b, err := c.Str()
		if c.Escaped() {
			b = bytes.Clone(b)
		}
		return b, true, err
	case 'n':
		return prev, false, c.Lit(jsonNull)
	}
	return prev, false, errors.Join(fmt.Errorf("%s must be a string", name), c.Skip())
}

// bucketSalt is a user_bucket condition's additionalValues.salt as Server Core formats it
// ("" when absent or null).
//
//nolint:goconst // JSON field names, spelled as on the wire
func bucketSalt(additional []byte) (string, error) {
	if additional == nil {
		return "", nil
	}
	// the usual salt is a string: read it in place
	c := jsonscan.New(additional)
	salt, simple := "", true
	err := c.Object(func(key []byte) error {
		if string(key) != "salt" {
			return c.Skip()
		}
		switch c.Kind() {
		case '"':
			b, err := c.Str()
			salt = string(b)
			return err
		case 'n':
			salt = ""
			return c.Lit(jsonNull)
		}
		simple = false
		return c.Skip()
	})
	if err != nil {
		return "", err
	}
	if simple {
		return salt, nil
	}
	c = jsonscan.New(additional)
	av, err := readAny(&c)
	if err == nil && c.Next() != 0 {
		err = c.Fail("data after additionalValues")
	}
	if err == nil {
		av, err = floatNumbers(av)
	}
	if err != nil {
		return "", err
	}
	if s, ok := av.(map[string]any)["salt"]; ok && s != nil {
		return fmt.Sprint(s), nil
	}
	return "", nil
}

// floatNumbers turns the numbers of a readAny tree into float64, as decoding into any does; a
// literal that is not a JSON number (or overflows) is an error.
func floatNumbers(v any) (any, error) {
	switch x := v.(type) {
	case json.Number:
		if !json.Valid([]byte(x)) {
			return nil, fmt.Errorf("invalid number %q", string(x))
		}
		return strconv.ParseFloat(string(x), 64)
	case []any:
		for i, e := range x {
			var err error
			if x[i], err = floatNumbers(e); err != nil {
				return nil, err
			}
		}
	case map[string]any:
		for k, e := range x {
			f, err := floatNumbers(e)
			if err != nil {
				return nil, err
			}
			x[k] = f
		}
	}
	return v, nil
}
