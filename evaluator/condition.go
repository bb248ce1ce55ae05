package evaluator

import (
	"errors"
	"fmt"
	"io"
	"strings"

	jsoniter "github.com/json-iterator/go"
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

// compileCondition decodes and compiles one condition in a single pass over its JSON: no
// intermediate struct, no generic tree for the target (allow-lists and bucket sets are most of
// a large payload). Key matching, null handling and type errors follow encoding/json, as the
// struct decoding it replaces did.
func compileCondition(raw []byte) (*condition, error) { return compileInto(raw, nil) }

// compileInto is compileCondition with the condition allocated from slab (nil: the heap).
func compileInto(raw []byte, slab *condSlab) (*condition, error) {
	it := fastJSONNumbers.BorrowIterator(raw)
	defer fastJSONNumbers.ReturnIterator(it)
	if it.WhatIsNext() != jsoniter.ObjectValue {
		if it.WhatIsNext() == jsoniter.NilValue {
			return &condition{typ: condUnknown, op: opNone, target: target{kind: kindNull}}, nil
		}
		return nil, errors.New("condition must be an object")
	}
	var (
		typ, idType string
		op, field   *string
		additional  []byte
		tg          = target{kind: kindNull}
		list        []string
		objKeys     []string
		objVals     []string
		err         error
	)
	it.ReadObjectCB(func(it *jsoniter.Iterator, key string) bool {
		switch fieldKey(key) {
		case "type":
			err = readString(it, "type", &typ)
		case "targetvalue":
			tg, list, objKeys, objVals, err = readTarget(it)
		case "operator":
			op, err = readOptString(it, "operator")
		case "field":
			field, err = readOptString(it, "field")
		case "additionalvalues":
			switch it.WhatIsNext() {
			case jsoniter.ObjectValue:
				additional = it.SkipAndReturnBytes()
			case jsoniter.NilValue:
				it.Skip()
				additional = nil
			default:
				it.Skip()
				err = errors.New("additionalValues must be an object")
			}
		case "idtype":
			err = readString(it, "idType", &idType)
		default:
			it.Skip()
		}
		return err == nil && it.Error == nil
	})
	if err != nil {
		return nil, err
	}
	if it.Error != nil && it.Error != io.EOF {
		return nil, it.Error
	}
	c := slab.alloc()
	c.typ, c.idType = condTypes[typ], slab.name(idType)
	if field != nil {
		c.field = slab.name(*field)
	}
	c.lfield = c.field
	if l := strings.ToLower(c.field); l != c.field {
		c.lfield = slab.name(l)
	}
	c.fieldCode = fieldCodeOf(c.lfield)
	c.idTypeIsUser = strings.EqualFold(c.idType, "userid")
	if op == nil {
		c.op = opNone
	} else if k, ok := opKinds[strings.ToLower(*op)]; ok {
		c.op = k
	} else {
		c.op = opUnknown
	}
	c.target = finishTarget(tg, list, objKeys, objVals, c.op, slab)
	switch c.typ {
	case condUserBucket:
		salt := ""
		if additional != nil {
			var av map[string]any
			if err := fastJSON.Unmarshal(additional, &av); err != nil {
				return nil, err
			}
			if s, ok := av["salt"]; ok && s != nil {
				salt = fmt.Sprint(s)
			}
		}
		c.bucketPrefix = slab.concat(salt, ".")
	}
	return c, nil
}

// fieldKey folds a key the way encoding/json matches struct fields (case-insensitively).
func fieldKey(k string) string {
	switch k {
	case "type", "operator", "field":
		return k
	case "targetValue":
		return "targetvalue"
	case "idType":
		return "idtype"
	case "additionalValues":
		return "additionalvalues"
	}
	return strings.ToLower(k)
}
