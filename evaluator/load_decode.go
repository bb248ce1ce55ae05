//nolint:goconst // JSON field names, spelled as on the wire: this file is the specs' hand-written decoder
package evaluator

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/statsig-operator/statsig-operator/evaluator/internal/jsonscan"
)

// decodeSpec fills rs from one spec's JSON in a single pass, with the rules encoding/json's
// struct decoder applies (keys matched case-insensitively, null leaves a value unset, a value
// of the wrong type is an error), without its reflection and without copies: strings share
// raw's bytes (unless escaped) and raw JSON values are sub-slices of raw, so rs is valid only
// as long as raw, and build copies what it keeps.
func decodeSpec(raw []byte, rs *rawSpec) error {
	c := jsonscan.New(raw)
	return readObj(&c, "spec", func(key []byte) (err error) {
		switch fieldKey(key) {
		case "name":
			err = readStrInto(&c, "name", &rs.Name)
		case "type":
			err = readStrInto(&c, "type", &rs.Type)
		case "entity":
			err = readStrInto(&c, "entity", &rs.Entity)
		case "salt":
			err = readStrInto(&c, "salt", &rs.Salt)
		case "enabled":
			err = readBoolInto(&c, "enabled", &rs.Enabled)
		case "defaultvalue":
			rs.DefaultValue, err = readRawValue(&c)
		case "rules":
			err = readRules(&c, &rs.Rules)
		case "idtype":
			err = readStrInto(&c, "idType", &rs.IDType)
		case "version":
			rs.Version, err = readOptInt(&c, "version")
		case "isactive":
			rs.IsActive, err = readOptBool(&c, "isActive")
		case "hassharedparams":
			rs.HasSharedParams, err = readOptBool(&c, "hasSharedParams")
		case "explicitparameters":
			rs.ExplicitParameters, err = readStrings(&c, "explicitParameters")
		case "targetappids":
			rs.TargetAppIDs, err = readStrings(&c, "targetAppIDs")
		case "forwardallexposures":
			err = readBoolInto(&c, "forwardAllExposures", &rs.ForwardAllExposures)
		case "usenewlayereval":
			err = readBoolInto(&c, "useNewLayerEval", &rs.UseNewLayerEval)
		default:
			err = c.Skip()
		}
		return err
	})
}

// fieldKey folds a spec's, rule's or condition's key for matching, as encoding/json matches
// struct fields (exact spellings first: no allocation in the usual case).
func fieldKey(k []byte) string {
	switch string(k) {
	case "name":
		return "name"
	case "type":
		return "type"
	case "entity":
		return "entity"
	case "salt":
		return "salt"
	case "enabled":
		return "enabled"
	case "rules":
		return "rules"
	case "version":
		return "version"
	case "id":
		return "id"
	case "conditions":
		return "conditions"
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
	case "operator":
		return "operator"
	case "field":
		return "field"
	case "targetValue":
		return "targetvalue"
	case "additionalValues":
		return "additionalvalues"
	}
	return strings.ToLower(string(k))
}

// readObj calls field for each key of the object the cursor is at, until one fails; null is
// an empty object, any other value an error.
func readObj(c *jsonscan.Cursor, what string, field func(key []byte) error) error {
	switch c.Kind() {
	case 'n':
		return c.Lit(jsonNull)
	case '{':
		return c.Object(field)
	}
	return errors.Join(fmt.Errorf("%s must be an object", what), c.Skip())
}

// readArr is readObj for arrays: elem for each element, null is no array.
func readArr(c *jsonscan.Cursor, what string, elem func() error) (isNull bool, err error) {
	switch c.Kind() {
	case 'n':
		return true, c.Lit(jsonNull)
	case '[':
		return false, c.Array(elem)
	}
	return false, errors.Join(fmt.Errorf("%s must be an array", what), c.Skip())
}

// wrongType skips a value of the wrong type and names the field.
func wrongType(c *jsonscan.Cursor, name, what string) error {
	return errors.Join(fmt.Errorf("%s must be %s", name, what), c.Skip())
}

// readOptStr reads a string (a view, see jsonscan.Cursor.View); null is unset.
func readOptStr(c *jsonscan.Cursor, name string) (*string, error) {
	switch c.Kind() {
	case '"':
		s, err := c.View()
		return &s, err
	case 'n':
		return nil, c.Lit(jsonNull)
	}
	return nil, wrongType(c, name, "a string")
}

// readStrInto stores a string in *dst; null leaves it as it is.
func readStrInto(c *jsonscan.Cursor, name string, dst *string) error {
	s, err := readOptStr(c, name)
	if s != nil {
		*dst = *s
	}
	return err
}

func readOptBool(c *jsonscan.Cursor, name string) (*bool, error) {
	switch c.Kind() {
	case 't':
		b := true
		return &b, c.Lit(jsonTrue)
	case 'f':
		b := false
		return &b, c.Lit(jsonFalse)
	case 'n':
		return nil, c.Lit(jsonNull)
	}
	return nil, wrongType(c, name, "a boolean")
}

func readBoolInto(c *jsonscan.Cursor, name string, dst *bool) error {
	b, err := readOptBool(c, name)
	if b != nil {
		*dst = *b
	}
	return err
}

func readFloatInto(c *jsonscan.Cursor, name string, dst *float64) error {
	switch c.Kind() {
	case '0':
		lit := c.Number()
		f, err := strconv.ParseFloat(string(lit), 64)
		if err != nil {
			return fmt.Errorf("%s: bad number %q", name, lit)
		}
		*dst = f
		return nil
	case 'n':
		return c.Lit(jsonNull)
	}
	return wrongType(c, name, "a number")
}

// readOptInt reads an integer (a literal without fraction or exponent that fits an int).
func readOptInt(c *jsonscan.Cursor, name string) (*int, error) {
	switch c.Kind() {
	case '0':
		lit := c.Number()
		n, err := strconv.Atoi(string(lit))
		if err != nil {
			return nil, fmt.Errorf("%s: %q is not an integer", name, lit)
		}
		return &n, nil
	case 'n':
		return nil, c.Lit(jsonNull)
	}
	return nil, wrongType(c, name, "an integer")
}

// readRawValue returns a value's JSON as it is (a sub-slice of the input); null is left
// empty, as the struct decoder did.
func readRawValue(c *jsonscan.Cursor) (json.RawMessage, error) {
	if c.Kind() == 'n' {
		return nil, c.Lit(jsonNull)
	}
	raw, err := c.Span()
	return json.RawMessage(raw), err
}

func readRules(c *jsonscan.Cursor, dst *[]rawRule) error {
	rules := []rawRule{}
	isNull, err := readArr(c, "rules", func() error {
		rules = append(rules, rawRule{})
		return readRule(c, &rules[len(rules)-1])
	})
	if isNull {
		rules = nil
	}
	*dst = rules
	return err
}

func readRule(c *jsonscan.Cursor, r *rawRule) error {
	return readObj(c, "rule", func(key []byte) (err error) {
		switch fieldKey(key) {
		case "id":
			err = readStrInto(c, "id", &r.ID)
		case "passpercentage":
			err = readFloatInto(c, "passPercentage", &r.PassPercentage)
		case "conditions":
			r.Conditions, err = readRawValues(c, "conditions")
		case "returnvalue":
			r.ReturnValue, err = readRawValue(c)
		case "salt":
			r.Salt, err = readOptStr(c, "salt")
		case "idtype":
			err = readStrInto(c, "idType", &r.IDType)
		case "groupname":
			r.GroupName, err = readOptStr(c, "groupName")
		case "configdelegate":
			r.ConfigDelegate, err = readOptStr(c, "configDelegate")
		case "isexperimentgroup":
			r.IsExperimentGroup, err = readOptBool(c, "isExperimentGroup")
		case "samplingrate":
			r.SamplingRate, err = readOptInt(c, "samplingRate")
		default:
			err = c.Skip()
		}
		return err
	})
}

func readRawValues(c *jsonscan.Cursor, name string) ([]json.RawMessage, error) {
	out := []json.RawMessage{}
	isNull, err := readArr(c, name, func() error {
		raw, err := readRawValue(c)
		out = append(out, raw)
		return err
	})
	if isNull {
		return nil, err
	}
	return out, err
}

func readStrings(c *jsonscan.Cursor, name string) ([]string, error) {
	out := []string{}
	isNull, err := readArr(c, name, func() error {
		var s string
		err := readStrInto(c, name, &s)
		out = append(out, s)
		return err
	})
	if isNull {
		return nil, err
	}
	return out, err
}
