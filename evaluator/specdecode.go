package evaluator

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	jsoniter "github.com/json-iterator/go"
)

// decodeSpec fills rs from one spec's JSON in a single pass, with the primitives and the
// rules json-iterator's struct decoder uses (keys matched case-insensitively, null leaves a
// value unset, a value of the wrong type is an error), without its reflection.
func decodeSpec(raw []byte, rs *rawSpec) error {
	it := fastJSON.BorrowIterator(raw)
	defer fastJSON.ReturnIterator(it)
	err := readObject(it, "spec", func(it *jsoniter.Iterator, key string) (err error) {
		switch specKey(key) {
		case "name":
			err = readString(it, "name", &rs.Name)
		case "type":
			err = readString(it, "type", &rs.Type)
		case "entity":
			err = readString(it, "entity", &rs.Entity)
		case "salt":
			err = readString(it, "salt", &rs.Salt)
		case "enabled":
			err = readBool(it, "enabled", &rs.Enabled)
		case "defaultvalue":
			rs.DefaultValue = readRaw(it)
		case "rules":
			err = readRules(it, &rs.Rules)
		case "idtype":
			err = readString(it, "idType", &rs.IDType)
		case "version":
			rs.Version, err = readOptInt(it, "version")
		case "isactive":
			rs.IsActive, err = readOptBool(it, "isActive")
		case "hassharedparams":
			rs.HasSharedParams, err = readOptBool(it, "hasSharedParams")
		case "explicitparameters":
			rs.ExplicitParameters, err = readStrings(it, "explicitParameters")
		case "targetappids":
			rs.TargetAppIDs, err = readStrings(it, "targetAppIDs")
		case "forwardallexposures":
			err = readBool(it, "forwardAllExposures", &rs.ForwardAllExposures)
		case "usenewlayereval":
			err = readBool(it, "useNewLayerEval", &rs.UseNewLayerEval)
		default:
			it.Skip()
		}
		return err
	})
	if err != nil {
		return err
	}
	if it.Error != nil && it.Error != io.EOF {
		return it.Error
	}
	return nil
}

// specKey folds a key for matching (exact spellings first: no allocation in the usual case).
func specKey(k string) string {
	switch k {
	case "name", "type", "entity", "salt", "enabled", "rules", "version", "id", "conditions":
		return k
	case "defaultValue":
		return "defaultvalue"
	case "idType":
		return "idtype"
	case "isActive":
		return "isactive"
	case "hasSharedParams":
		return "hassharedparams"
	case "explicitParameters":
		return "explicitparameters"
	case "targetAppIDs":
		return "targetappids"
	case "forwardAllExposures":
		return "forwardallexposures"
	case "useNewLayerEval":
		return "usenewlayereval"
	case "passPercentage":
		return "passpercentage"
	case "returnValue":
		return "returnvalue"
	case "groupName":
		return "groupname"
	case "configDelegate":
		return "configdelegate"
	case "isExperimentGroup":
		return "isexperimentgroup"
	case "samplingRate":
		return "samplingrate"
	}
	return strings.ToLower(k)
}

func readRules(it *jsoniter.Iterator, dst *[]rawRule) error {
	switch it.WhatIsNext() {
	case jsoniter.NilValue:
		it.Skip()
		*dst = nil
		return nil
	case jsoniter.ArrayValue:
	default:
		it.Skip()
		return errors.New("rules must be an array")
	}
	rules := []rawRule{}
	var err error
	it.ReadArrayCB(func(it *jsoniter.Iterator) bool {
		rules = append(rules, rawRule{})
		err = readRule(it, &rules[len(rules)-1])
		return err == nil && it.Error == nil
	})
	*dst = rules
	return err
}

func readRule(it *jsoniter.Iterator, r *rawRule) error {
	return readObject(it, "rule", func(it *jsoniter.Iterator, key string) (err error) {
		switch specKey(key) {
		case "id":
			err = readString(it, "id", &r.ID)
		case "passpercentage":
			err = readFloat(it, "passPercentage", &r.PassPercentage)
		case "conditions":
			err = readRaws(it, "conditions", &r.Conditions)
		case "returnvalue":
			r.ReturnValue = readRaw(it)
		case "salt":
			r.Salt, err = readOptString(it, "salt")
		case "idtype":
			err = readString(it, "idType", &r.IDType)
		case "groupname":
			r.GroupName, err = readOptString(it, "groupName")
		case "configdelegate":
			r.ConfigDelegate, err = readOptString(it, "configDelegate")
		case "isexperimentgroup":
			r.IsExperimentGroup, err = readOptBool(it, "isExperimentGroup")
		case "samplingrate":
			r.SamplingRate, err = readOptInt(it, "samplingRate")
		default:
			it.Skip()
		}
		return err
	})
}

// readRaw keeps a value's JSON as it is; null is left empty, as the struct decoder did.
func readRaw(it *jsoniter.Iterator) json.RawMessage {
	if it.WhatIsNext() == jsoniter.NilValue {
		it.Skip()
		return nil
	}
	return json.RawMessage(it.SkipAndReturnBytes())
}

func readRaws(it *jsoniter.Iterator, name string, dst *[]json.RawMessage) error {
	switch it.WhatIsNext() {
	case jsoniter.NilValue:
		it.Skip()
		*dst = nil
		return nil
	case jsoniter.ArrayValue:
	default:
		it.Skip()
		return fmt.Errorf("%s must be an array", name)
	}
	out := []json.RawMessage{}
	it.ReadArrayCB(func(it *jsoniter.Iterator) bool {
		out = append(out, readRaw(it))
		return it.Error == nil
	})
	*dst = out
	return nil
}

func readStrings(it *jsoniter.Iterator, name string) ([]string, error) {
	switch it.WhatIsNext() {
	case jsoniter.NilValue:
		it.Skip()
		return nil, nil
	case jsoniter.ArrayValue:
	default:
		it.Skip()
		return nil, fmt.Errorf("%s must be an array", name)
	}
	out := []string{}
	var err error
	it.ReadArrayCB(func(it *jsoniter.Iterator) bool {
		var s string
		err = readString(it, name, &s)
		out = append(out, s)
		return err == nil && it.Error == nil
	})
	return out, err
}
