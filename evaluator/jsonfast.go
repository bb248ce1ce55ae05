package evaluator

import jsoniter "github.com/json-iterator/go"

// fastJSON decodes specs and conditions during Load: json-iterator in its standard-library
// compatible mode decodes these structs several times faster than encoding/json, with the
// same results (the fixture, differential and fuzz tests run through it).
var fastJSON = jsoniter.ConfigCompatibleWithStandardLibrary

// fastJSONNumbers keeps number literals as json.Number (target values need their text).
var fastJSONNumbers = jsoniter.Config{UseNumber: true, EscapeHTML: true, SortMapKeys: true, ValidateJsonRawMessage: true}.Froze()
