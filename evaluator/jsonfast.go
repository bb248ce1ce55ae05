package evaluator

import jsoniter "github.com/json-iterator/go"

// fastJSON decodes the few payload values Load does not read with its own cursor (a v1 spec's
// name, a non-string bucket salt): json-iterator in its standard-library compatible mode,
// several times faster than encoding/json with the same results; it is also the reference the
// spec decoder is tested against.
var fastJSON = jsoniter.ConfigCompatibleWithStandardLibrary

// fastJSONNumbers keeps number literals as json.Number (target values need their text).
var fastJSONNumbers = jsoniter.Config{UseNumber: true, EscapeHTML: true, SortMapKeys: true, ValidateJsonRawMessage: true}.Froze()
