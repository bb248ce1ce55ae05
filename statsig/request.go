package statsig

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

const (
	headerAPIKey     = "STATSIG-API-KEY"
	maxErrorBodyRead = 4 << 10
	zstdMaxWindow    = 32 << 20
)

// request is one HTTP exchange with Statsig.
type request struct {
	method  string
	url     string
	key     string
	body    []byte
	header  http.Header
	timeout time.Duration
}

// checkURL accepts absolute http(s) URLs only.
func checkURL(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("invalid URL: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("invalid URL %q: want an absolute http or https URL", s)
	}
	return nil
}

// setHeaders adds the constant Statsig request headers.
func (c *Client) setHeaders(h http.Header, key string) {
	h.Set(headerAPIKey, key)
	h.Set("STATSIG-SDK-TYPE", c.opts.SDKType)
	h.Set("STATSIG-SDK-VERSION", c.opts.SDKVersion)
	h.Set("STATSIG-SERVER-SESSION-ID", c.opts.SessionID)
	h.Set("STATSIG-CLIENT-TIME", strconv.FormatInt(time.Now().UnixMilli(), 10))
	h.Set("x-request-service", c.opts.ServiceName)
}

// open sends rq and returns the response of a 2xx answer with its body wrapped so that
// read errors are classified; anything else becomes an error. Close the body to release
// the request's timeout.
func (c *Client) open(ctx context.Context, rq request) (*http.Response, *bodyReader, error) {
	if rq.key == "" {
		return nil, nil, errors.New("empty SDK key")
	}
	k := redactor(rq.key)
	actx, cancel := context.WithTimeout(ctx, rq.timeout)
	var body io.Reader
	if rq.body != nil {
		body = bytes.NewReader(rq.body)
	}
	req, err := http.NewRequestWithContext(actx, rq.method, rq.url, body)
	if err != nil {
		cancel()
		return nil, nil, k.err(err)
	}
	maps.Copy(req.Header, rq.header)
	c.setHeaders(req.Header, rq.key)
	if rq.body != nil && len(rq.body) == 0 {
		req.ContentLength = 0
		req.Body = http.NoBody
	}
	resp, err := c.http.Do(req)
	if err != nil {
		cancel()
		return nil, nil, classify(ctx, actx, rq.timeout, err, k)
	}
	br := &bodyReader{rc: resp.Body, parent: ctx, actx: actx, cancel: cancel, timeout: rq.timeout, k: k}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		defer closeQuietly(br)
		return nil, nil, &StatusError{Code: resp.StatusCode, Body: errorSnippet(resp, br, k)}
	}
	return resp, br, nil
}

// encodingIdentity is the Content-Encoding of an uncompressed body (as is "").
const encodingIdentity = "identity"

// closeQuietly closes a response body (or a decoder over one) once it has been read or
// abandoned: what was read has already been checked, so a close error carries nothing to act on.
func closeQuietly(c io.Closer) { _ = c.Close() }

// errorSnippet reads the start of an error body, decompressing it when needed.
func errorSnippet(resp *http.Response, r io.Reader, k redactor) string {
	b, _ := io.ReadAll(io.LimitReader(r, maxErrorBodyRead))
	if strings.Contains(resp.Header.Get("Content-Encoding"), "gzip") {
		if zr, err := gzip.NewReader(bytes.NewReader(b)); err == nil {
			d, _ := io.ReadAll(io.LimitReader(zr, maxErrorBodyRead))
			b = d
		}
	}
	return snippet(b, k)
}

// classify maps transport errors to the package's sentinels.
func classify(parent, actx context.Context, timeout time.Duration, err error, k redactor) error {
	var ne net.Error
	switch {
	case errors.Is(err, ErrBodyTooLarge),
		errors.Is(err, ErrTruncated),
		errors.Is(err, ErrEncoding),
		errors.Is(err, ErrTimeout):
		return err
	case parent.Err() != nil:
		return &canceledError{cause: parent.Err()}
	case errors.Is(actx.Err(), context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return fmt.Errorf("%w after %s", ErrTimeout, timeout)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return ErrTruncated
	}
	return k.err(err)
}

// bodyReader classifies body read errors and releases the request timeout on Close.
type bodyReader struct {
	rc      io.ReadCloser
	parent  context.Context
	actx    context.Context
	cancel  context.CancelFunc
	timeout time.Duration
	k       redactor
	n       int64
}

func (b *bodyReader) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	b.n += int64(n)
	if err != nil && err != io.EOF {
		err = classify(b.parent, b.actx, b.timeout, err, b.k)
	}
	return n, err
}

func (b *bodyReader) Close() error {
	err := b.rc.Close()
	b.cancel()
	return err
}

// checkJSON rejects responses that are clearly not JSON, such as HTML error pages.
func checkJSON(h http.Header) error {
	ct := h.Get("Content-Type")
	if ct == "" {
		return nil
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return fmt.Errorf("%w %q", ErrContentType, ct)
	}
	switch {
	case mt == "application/json", mt == "text/json", mt == "text/plain", strings.HasSuffix(mt, "+json"):
		return nil
	}
	return fmt.Errorf("%w %q (want application/json)", ErrContentType, mt)
}

// decode wraps r in the decoder named by a Content-Encoding header.
func decode(enc string, r io.Reader) (io.ReadCloser, error) {
	switch strings.ToLower(strings.TrimSpace(enc)) {
	case "", encodingIdentity:
		return io.NopCloser(r), nil
	case "gzip", "x-gzip":
		zr, err := gzip.NewReader(r)
		if err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return nil, ErrTruncated
			}
			if isClassified(err) {
				return nil, err
			}
			return nil, fmt.Errorf("%w: gzip: %v", ErrEncoding, err)
		}
		return zr, nil
	case "zstd":
		zr, err := zstd.NewReader(
			r,
			zstd.WithDecoderConcurrency(1),
			zstd.WithDecoderMaxWindow(zstdMaxWindow),
			zstd.WithDecoderLowmem(true),
		)
		if err != nil {
			return nil, fmt.Errorf("%w: zstd: %v", ErrEncoding, err)
		}
		return zr.IOReadCloser(), nil
	}
	return nil, fmt.Errorf("%w: unsupported Content-Encoding %q", ErrEncoding, enc)
}

// isClassified reports errors that already carry one of the package's sentinels.
func isClassified(err error) bool {
	for _, s := range []error{ErrTimeout, ErrTruncated, ErrBodyTooLarge, ErrEncoding, errCanceled} {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}

// decodeErr classifies an error met while reading a decoded body.
func decodeErr(err error) error {
	switch {
	case isClassified(err):
		return err
	case errors.Is(err, io.ErrUnexpectedEOF):
		return ErrTruncated
	}
	return fmt.Errorf("%w: %v", ErrEncoding, err)
}
