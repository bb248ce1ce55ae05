package endpoint

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"sync"

	"github.com/klauspost/compress/zstd"
)

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// readBody reads a JSON request body of at most limit bytes, after decoding any
// Content-Encoding (SDKs send gzip or zstd event batches); the limit applies to the encoded
// and the decoded size, so a small compressed body cannot expand without bound.
// readBodyAs is readBody; clientForms also accepts what the client SDKs' routes receive
// (clientbody.go): text/plain bodies, gzip announced by ?gz=1, Statsig's ?se=1 encoding.
func readBodyAs(w http.ResponseWriter, r *http.Request, limit int64, clientForms bool) (*bytes.Buffer, *apiError) {
	// The common exact value skips the media-type parser (it allocates its parameter map).
	if ct := r.Header.Get("Content-Type"); ct != "" && ct != mimeJSON {
		mt, _, err := mime.ParseMediaType(ct)
		isJSON := mt == mimeJSON || strings.HasSuffix(mt, "+json")
		if err != nil || (!isJSON && (!clientForms || mt != "text/plain")) {
			return nil, &apiError{
				http.StatusUnsupportedMediaType,
				fmt.Sprintf("Content-Type must be application/json, got %q", truncate(ct, 100)),
			}
		}
	}
	// A declared length within the limit needs no MaxBytesReader: net/http's body reader stops
	// at the declared length, so the reader could never trip.
	var body io.Reader = r.Body
	if r.ContentLength < 0 || r.ContentLength > limit {
		body = http.MaxBytesReader(w, r.Body, limit)
	}
	src := body
	enc := strings.ToLower(strings.TrimSpace(r.Header.Get("Content-Encoding")))
	if clientForms && enc == "" && r.URL.Query().Get(paramGzipped) == "1" {
		enc = "gzip"
	}
	switch enc {
	case "", "identity":
	case "gzip":
		zr, err := gzip.NewReader(body)
		if err != nil {
			return nil, readError(err, limit, "body is not valid gzip")
		}
		defer func() { _ = zr.Close() }()
		src = zr
	case "zstd":
		zr, err := zstd.NewReader(body, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(uint64(limit)+1<<20))
		if err != nil {
			return nil, badRequest("body is not valid zstd")
		}
		defer zr.Close()
		src = zr
	default:
		return nil, &apiError{
			http.StatusUnsupportedMediaType,
			fmt.Sprintf("Content-Encoding %q is not supported: use gzip, zstd or none", truncate(enc, 40)),
		}
	}
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	if err := readAtMost(buf, src, limit); err != nil {
		putBuf(buf)
		return nil, readError(err, limit, "could not read the request body")
	}
	if clientForms && r.URL.Query().Get(paramStatsigEncoded) == "1" {
		if aerr := statsigDecode(buf); aerr != nil {
			putBuf(buf)
			return nil, aerr
		}
	}
	return buf, nil
}

// readAtMost appends src to buf until EOF, failing with a *http.MaxBytesError past limit
// bytes: io.LimitReader and bytes.Buffer.ReadFrom without the LimitReader's allocation.
func readAtMost(buf *bytes.Buffer, src io.Reader, limit int64) error {
	for {
		if buf.Available() < bytes.MinRead {
			buf.Grow(bytes.MinRead)
		}
		free := buf.AvailableBuffer()[:buf.Available()]
		if room := limit + 1 - int64(buf.Len()); int64(len(free)) > room {
			free = free[:room]
		}
		n, err := src.Read(free)
		buf.Write(free[:n]) // free is buf's own spare capacity: no copy beyond itself, no growth
		if int64(buf.Len()) > limit {
			return &http.MaxBytesError{Limit: limit}
		}
		switch {
		case err == io.EOF:
			return nil
		case err != nil:
			return err
		}
	}
}

func readError(err error, limit int64, msg string) *apiError {
	_, tooLarge := errors.AsType[*http.MaxBytesError](err)
	// zstd refuses a frame whose declared size or window is over the decoder's memory limit
	// before expanding it: the same 413 as any body over the limit.
	tooLarge = tooLarge || errors.Is(err, zstd.ErrDecoderSizeExceeded) || errors.Is(err, zstd.ErrWindowSizeExceeded) ||
		errors.Is(err, zstd.ErrFrameSizeExceeded)
	if tooLarge {
		return &apiError{
			http.StatusRequestEntityTooLarge,
			fmt.Sprintf("request body is larger than the limit of %d bytes", limit),
		}
	}
	return badRequest(msg)
}

func putBuf(b *bytes.Buffer) {
	if b.Cap() <= 1<<20 {
		bufPool.Put(b)
	}
}

// decodeJSON reads the body into v (an object); an empty body decodes as {} when allowEmpty.
func decodeJSON(w http.ResponseWriter, r *http.Request, limit int64, v any, allowEmpty bool) *apiError {
	return decodeJSONAs(w, r, limit, v, allowEmpty, false)
}

// decodeJSONAs is decodeJSON; clientForms as in readBodyAs.
func decodeJSONAs(w http.ResponseWriter, r *http.Request, limit int64, v any, allowEmpty, clientForms bool) *apiError {
	return decodeBodyWith(w, r, limit, allowEmpty, clientForms, func(data []byte) error { return json.Unmarshal(data, v) })
}

// decodeBodyWith reads the body and hands it, trimmed and checked to be an object, to
// unmarshal (data is pooled: it is not valid after unmarshal returns).
func decodeBodyWith(w http.ResponseWriter, r *http.Request, limit int64, allowEmpty, clientForms bool,
	unmarshal func(data []byte) error) *apiError {
	buf, aerr := readBodyAs(w, r, limit, clientForms)
	if aerr != nil {
		return aerr
	}
	defer putBuf(buf)
	data := bytes.TrimSpace(buf.Bytes())
	if len(data) == 0 || (allowEmpty && bytes.Equal(data, []byte("null"))) {
		if allowEmpty {
			return nil
		}
		return badRequest("request body is empty: send a JSON object")
	}
	if data[0] != '{' {
		return badRequest("request body must be a JSON object")
	}
	if err := unmarshal(data); err != nil {
		return badRequest(jsonErrorMessage(err))
	}
	return nil
}

// jsonErrorMessage describes a decoding error without echoing request content.
func jsonErrorMessage(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("malformed JSON at byte %d", se.Offset)
	case errors.As(err, &te):
		if te.Field != "" {
			return fmt.Sprintf("field %q must be %s, got JSON %s", te.Field, jsonKind(te.Type.Kind().String()), te.Value)
		}
		return fmt.Sprintf("expected %s, got JSON %s", jsonKind(te.Type.Kind().String()), te.Value)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "malformed JSON: unexpected end of input"
	}
	return "invalid JSON: " + truncate(err.Error(), 200)
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "a string"
	case "bool":
		return "a boolean"
	case "slice", "array":
		return "an array"
	case "map", "struct":
		return "an object"
	case "int", "int64", "float64", "uint64", "int32":
		return "a number"
	}
	return "a different type"
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
