package endpoint

import (
	"bytes"
	"encoding/base64"
	"net/http"
	"slices"
)

// The query parameters @statsig/js-client adds to its requests (its NetworkParam names).
const (
	// paramKey carries the client SDK key: js-client sends no key header, so that its
	// requests stay CORS simple requests.
	paramKey = "k"
	// paramGzipped marks a gzip body (js-client sends no Content-Encoding header).
	paramGzipped = "gz"
	// paramStatsigEncoded marks a body sent base64-encoded and reversed (browsers only).
	paramStatsigEncoded = "se"
)

// clientAPIKey is apiKey, then the key js-client puts in the query string. Only the client
// SDK routes accept it: a key in a URL ends up in access logs, which is why the server
// routes keep to headers.
func clientAPIKey(r *http.Request) string {
	if k := apiKey(r); k != "" {
		return k
	}
	return r.URL.Query().Get(paramKey)
}

// statsigDecode undoes js-client's body encoding in place: the base64 of the JSON, reversed.
func statsigDecode(buf *bytes.Buffer) *apiError {
	b := bytes.TrimSpace(buf.Bytes())
	slices.Reverse(b)
	out := make([]byte, base64.StdEncoding.DecodedLen(len(b)))
	n, err := base64.StdEncoding.Decode(out, b)
	if err != nil {
		return badRequest("body is not valid Statsig-encoded data (se=1: base64, reversed)")
	}
	buf.Reset()
	buf.Write(out[:n])
	return nil
}
