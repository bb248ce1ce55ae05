package evaluator

import (
	"encoding/json"
	"fmt"
	"strings"
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
	field        string
	lfield       string // lower-cased field
	idType       string
	idTypeIsUser bool // idType is "userID" in any case
	target       target
	gateName     string // pass_gate / fail_gate / experiment_group operand
	bucketPrefix string // user_bucket: salt "."
}

// rawCondition is a condition as it appears in the payload.
type rawCondition struct {
	Type             string          `json:"type"`
	TargetValue      json.RawMessage `json:"targetValue"`
	Operator         *string         `json:"operator"`
	Field            *string         `json:"field"`
	AdditionalValues map[string]any  `json:"additionalValues"`
	IDType           string          `json:"idType"`
}

func compileCondition(raw json.RawMessage) (*condition, error) {
	var rc rawCondition
	if err := fastJSON.Unmarshal(raw, &rc); err != nil {
		return nil, err
	}
	c := &condition{typ: condTypes[rc.Type], idType: rc.IDType}
	if rc.Field != nil {
		c.field = *rc.Field
	}
	c.lfield = strings.ToLower(c.field)
	c.idTypeIsUser = strings.EqualFold(c.idType, "userid")
	if rc.Operator == nil {
		c.op = opNone
	} else if op, ok := opKinds[strings.ToLower(*rc.Operator)]; ok {
		c.op = op
	} else {
		c.op = opUnknown
	}
	var err error
	c.target, err = compileTarget(rc.TargetValue, c.op)
	if err != nil {
		return nil, err
	}
	switch c.typ {
	case condPassGate, condFailGate:
		if c.target.kind == kindString {
			c.gateName = c.target.str
		}
	case condExperimentGroup:
		c.gateName = c.field
	case condUserBucket:
		salt := ""
		if s, ok := rc.AdditionalValues["salt"]; ok && s != nil {
			salt = fmt.Sprint(s)
		}
		c.bucketPrefix = salt + "."
	}
	return c, nil
}
