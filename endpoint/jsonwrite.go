package endpoint

import (
	"bytes"
	"encoding/json"
	"net/http"
	"unicode/utf8"
)

// writeJSONString writes s as encoding/json encodes it. Plain strings (printable ASCII
// without quotes, backslashes or the HTML characters encoding/json escapes) are copied as
// they are; anything else takes encoding/json itself, so the bytes never differ.
func writeJSONString(buf *bytes.Buffer, s string) {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= utf8.RuneSelf || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			enc, _ := json.Marshal(s) // a string always encodes
			buf.Write(enc)
			return
		}
	}
	buf.WriteByte('"')
	buf.WriteString(s)
	buf.WriteByte('"')
}

// writeJSONRaw writes raw (a JSON value) as encoding/json encodes a json.RawMessage:
// compacted, with HTML characters and U+2028/U+2029 escaped. It reports false for invalid
// JSON (buf may then hold part of it).
func writeJSONRaw(buf *bytes.Buffer, raw []byte) bool {
	if bytes.ContainsAny(raw, "<>&\u2028\u2029") || !utf8.Valid(raw) {
		enc, err := json.Marshal(json.RawMessage(raw))
		buf.Write(enc)
		return err == nil
	}
	// Without those characters json.Compact writes what the encoder writes.
	return json.Compact(buf, raw) == nil
}

// writeJSONOrNull writes s, or null for "" (the responses' optional strings).
func writeJSONOrNull(buf *bytes.Buffer, s string) {
	if s == "" {
		buf.WriteString("null")
		return
	}
	writeJSONString(buf, s)
}

// respond answers 200 with the body encode writes into a pooled buffer; when encode
// reports false (a value it cannot encode directly), fallback answers instead.
func respond(w http.ResponseWriter, encode func(*bytes.Buffer) bool, fallback func()) {
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer putBuf(buf)
	if !encode(buf) {
		fallback()
		return
	}
	writeRawJSON(w, http.StatusOK, buf.Bytes())
}
