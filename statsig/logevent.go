package statsig

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// maxLogEventAnswer bounds how much of a log_event answer is read.
const maxLogEventAnswer = 64 << 10

// PostLogEvent sends one batch of events. body is the JSON batch already compressed with
// encoding ("gzip", "zstd", or "" for plain JSON). Success is a 2xx answer whose JSON body
// does not say "success": false; an empty 2xx body counts as success. Non-2xx answers
// return a *StatusError (see IsRetryable).
func (c *Client) PostLogEvent(
	ctx context.Context,
	key string,
	body []byte,
	encoding string,
	eventCount, retryCount int,
) error {
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	if encoding != "" && encoding != encodingIdentity {
		h.Set("Content-Encoding", encoding)
	}
	h.Set("statsig-event-count", strconv.Itoa(eventCount))
	h.Set("statsig-retry-count", strconv.Itoa(retryCount))
	if body == nil {
		body = []byte{}
	}
	k := redactor(key)
	fail := func(err error) error {
		return &Error{Op: "log_event", Endpoint: k.str(c.opts.LogEventURL), Err: err}
	}
	resp, rb, err := c.open(
		ctx,
		request{
			method:  http.MethodPost,
			url:     c.opts.LogEventURL,
			key:     key,
			body:    body,
			header:  h,
			timeout: c.opts.RequestTimeout,
		},
	)
	if err != nil {
		return fail(err)
	}
	defer closeQuietly(rb)
	dec, err := decode(resp.Header.Get("Content-Encoding"), rb)
	if err != nil {
		return fail(err)
	}
	defer closeQuietly(dec)
	ans, err := io.ReadAll(io.LimitReader(dec, maxLogEventAnswer))
	if err != nil {
		return fail(decodeErr(err))
	}
	if len(strings.TrimSpace(string(ans))) == 0 {
		return nil
	}
	var v struct {
		Success *bool `json:"success"`
	}
	if err := json.Unmarshal(ans, &v); err != nil {
		return fail(fmt.Errorf("%w: answer is not JSON: %s", ErrInvalidResponse, snippet(ans, k)))
	}
	if v.Success != nil && !*v.Success {
		return fail(fmt.Errorf("%w: %s", ErrRejected, snippet(ans, k)))
	}
	return nil
}
