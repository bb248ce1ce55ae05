package statsig

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"unicode"
)

// Sentinel errors; match them with errors.Is.
var (
	// ErrTimeout means a request exceeded its timeout.
	ErrTimeout = errors.New("request timed out")
	// ErrTruncated means the connection closed before the whole body arrived.
	ErrTruncated = errors.New("response body truncated")
	// ErrContentType means the response is not JSON (e.g. an HTML error page).
	ErrContentType = errors.New("unexpected content type")
	// ErrBodyTooLarge means the decoded body exceeded Options.MaxBodySize.
	ErrBodyTooLarge = errors.New("response body too large")
	// ErrEncoding means the Content-Encoding is unsupported or the body does not decode.
	ErrEncoding = errors.New("undecodable response body")
	// ErrInvalidResponse means a 2xx response whose content is unusable.
	ErrInvalidResponse = errors.New("invalid response")
	// ErrRejected means log_event answered 2xx with "success": false.
	ErrRejected = errors.New("events rejected")
	// ErrClosed means the Response was used after Close.
	ErrClosed = errors.New("response closed")
)

// neverRetried are statuses Statsig SDKs never retry.
var neverRetried = map[int]bool{400: true, 403: true, 405: true, 413: true, 429: true, 501: true}

// StatusError is a non-2xx HTTP answer.
type StatusError struct {
	Code int
	// Body is the start of the response body, printable characters only.
	Body string
}

func (e *StatusError) Error() string {
	if e.Body == "" {
		return fmt.Sprintf("HTTP %d", e.Code)
	}
	return fmt.Sprintf("HTTP %d: %s", e.Code, e.Body)
}

// Retryable reports whether Statsig SDKs would retry this status.
func (e *StatusError) Retryable() bool { return !neverRetried[e.Code] }

// Error is what every Client method returns on failure: the operation, the endpoint with
// the secret key redacted, and the cause.
type Error struct {
	Op       string // download_config_specs, get_id_lists, id_list, log_event
	Endpoint string // redacted URL
	Err      error
}

func (e *Error) Error() string { return "statsig " + e.Op + " " + e.Endpoint + ": " + e.Err.Error() }

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// IsUnauthorized reports whether Statsig refused the key (401 or 403).
func IsUnauthorized(err error) bool {
	var se *StatusError
	return errors.As(err, &se) && (se.Code == 401 || se.Code == 403)
}

// IsRetryable reports whether a later attempt may succeed: never-retried statuses,
// oversized bodies and cancellations are final.
func IsRetryable(err error) bool {
	if err == nil {
		return false
	}
	if se, ok := errors.AsType[*StatusError](err); ok {
		return se.Retryable()
	}
	return !errors.Is(err, ErrBodyTooLarge) && !errors.Is(err, errCanceled)
}

// errCanceled marks a failure caused by the caller's context.
var errCanceled = errors.New("canceled")

type canceledError struct{ cause error }

func (e *canceledError) Error() string   { return errCanceled.Error() + ": " + e.cause.Error() }
func (e *canceledError) Is(t error) bool { return t == errCanceled }
func (e *canceledError) Unwrap() error   { return e.cause }

// redactor removes a secret key from text and errors.
type redactor string

const redacted = "REDACTED"

func (k redactor) str(s string) string {
	if len(k) < 4 {
		return s // too short to be a real key; replacing it would mangle the text
	}
	s = strings.ReplaceAll(s, string(k), redacted)
	if esc := url.PathEscape(string(k)); esc != string(k) {
		s = strings.ReplaceAll(s, esc, redacted)
	}
	if esc := url.QueryEscape(string(k)); esc != string(k) {
		s = strings.ReplaceAll(s, esc, redacted)
	}
	return s
}

// err strips the URL wrapper net/http adds (it carries the key in v1/v2 paths) and
// replaces any error still mentioning the key by a redacted copy.
func (k redactor) err(err error) error {
	if ue, ok := errors.AsType[*url.Error](err); ok {
		err = ue.Err
	}
	if msg := err.Error(); k.str(msg) != msg {
		return errors.New(k.str(msg))
	}
	return err
}

// snippet returns the start of a body as printable single-line text.
func snippet(b []byte, k redactor) string {
	const max = 200
	if len(b) > max {
		b = b[:max]
	}
	s := strings.Map(func(r rune) rune {
		if r == unicode.ReplacementChar || !unicode.IsPrint(r) {
			return ' '
		}
		return r
	}, string(b))
	return k.str(strings.Join(strings.Fields(s), " "))
}
