package statsig

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// noUpdatesProbeLimit is the largest body checked for {"has_updates":false} here; bigger
// ones are full payloads in practice, and the evaluator checks them anyway.
const noUpdatesProbeLimit = 64 << 10

// Since identifies the payload the caller already has (zero values: none).
type Since struct {
	// Time is the payload's "time" (lcut); sent as sinceTime when > 0.
	Time int64
	// Checksum is the payload's "checksum"; sent when not empty.
	Checksum string
}

// DownloadConfigSpecs fetches the config specs with key. initial selects the initial-sync
// behaviour (InitTimeout, no retries); otherwise background rules apply (10 s timeout, up
// to 3 retries with backoff, fallback every 5th consecutive failure). The caller must
// Close the Response.
func (c *Client) DownloadConfigSpecs(ctx context.Context, key string, since Since, initial bool) (*Response, error) {
	return c.DownloadConfigSpecsStreaming(ctx, key, since, initial, nil)
}

// DownloadConfigSpecsStreaming is DownloadConfigSpecs with consume reading the decoded body
// while it downloads (on its own goroutine, so decompression and parsing overlap). The body is
// still spooled and hashed exactly as by DownloadConfigSpecs. consume runs once per attempt
// that gets a body; if an attempt fails mid-body, its reader returns that error (never a
// clean EOF) and the attempt's result is discarded. The successful attempt's consume result
// is Response.ConsumeErr; the download completes even when consume stops reading early.
func (c *Client) DownloadConfigSpecsStreaming(
	ctx context.Context,
	key string,
	since Since,
	initial bool,
	consume func(io.Reader) error,
) (*Response, error) {
	primary := c.specsURL(c.opts.SpecsURL, key, since)
	resp, attempts, err := c.downloadWithRetries(ctx, key, primary, initial, consume)
	if err == nil {
		c.noteBackground(initial, true)
		resp.Attempts = attempts
		return resp, nil
	}
	op := &Error{Op: "download_config_specs", Endpoint: redactor(key).str(primary), Err: err}
	if isCanceled(err) || !c.fallbackDue(initial) {
		return nil, op
	}
	fallback := c.specsURL(c.defaultSpecsURL, key, since)
	resp, ferr := c.downloadOnce(ctx, key, fallback, c.timeout(initial), consume)
	if ferr != nil {
		return nil, fmt.Errorf(
			"%w; fallback: %w",
			op,
			&Error{Op: "download_config_specs", Endpoint: redactor(key).str(fallback), Err: ferr},
		)
	}
	c.noteBackground(initial, true)
	resp.Attempts, resp.FromFallback = attempts+1, true
	return resp, nil
}

// fallbackDue records a failed sync and reports whether to try the Statsig default URL:
// always for the initial sync, every 5th consecutive failure for background syncs.
func (c *Client) fallbackDue(initial bool) bool {
	if !c.opts.FallbackToStatsigAPI || c.opts.SpecsURL == c.defaultSpecsURL {
		c.noteBackground(initial, false)
		return false
	}
	if initial {
		return true
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.bgFailures++
	return c.bgFailures%fallbackEvery == 0
}

// noteBackground resets the consecutive-failure count on success.
func (c *Client) noteBackground(initial, ok bool) {
	if initial {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if ok {
		c.bgFailures = 0
	} else {
		c.bgFailures++
	}
}

// ConsecutiveFailures is the number of background syncs that failed in a row.
func (c *Client) ConsecutiveFailures() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.bgFailures
}

func (c *Client) timeout(initial bool) time.Duration {
	if initial {
		return c.opts.InitTimeout
	}
	return c.opts.RequestTimeout
}

func (c *Client) downloadWithRetries(
	ctx context.Context,
	key, u string,
	initial bool,
	consume func(io.Reader) error,
) (*Response, int, error) {
	retries := backgroundRetries
	if initial {
		retries = 0
	}
	for attempt := 0; ; attempt++ {
		resp, err := c.downloadOnce(ctx, key, u, c.timeout(initial), consume)
		if err == nil || attempt >= retries || !IsRetryable(err) {
			return resp, attempt + 1, err
		}
		t := time.NewTimer(c.opts.RetryBackoff << (attempt + 1))
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, attempt + 1, &canceledError{cause: ctx.Err()}
		case <-t.C:
		}
	}
}

// downloadOnce makes one request and spools the decoded body.
func (c *Client) downloadOnce(
	ctx context.Context,
	key, u string,
	timeout time.Duration,
	consume func(io.Reader) error,
) (*Response, error) {
	resp, body, err := c.open(ctx, request{
		method: http.MethodGet, url: u, key: key, timeout: timeout,
		header: http.Header{"Accept-Encoding": {"gzip"}},
	})
	if err != nil {
		return nil, err
	}
	defer closeQuietly(body)
	if err := checkJSON(resp.Header); err != nil {
		return nil, err
	}
	enc := resp.Header.Get("Content-Encoding")
	if (enc == "" || enc == encodingIdentity) && resp.ContentLength > c.opts.MaxBodySize {
		return nil, fmt.Errorf("%w: Content-Length %d exceeds %d", ErrBodyTooLarge, resp.ContentLength, c.opts.MaxBodySize)
	}
	dec, err := decode(enc, body)
	if err != nil {
		return nil, err
	}
	defer closeQuietly(dec)
	sp := newSpool(c.opts.MemorySpoolLimit, c.opts.MaxBodySize, c.opts.TempDir, c.opts.DisableDiskAccess)
	var consumeErr error
	if consume == nil {
		err = sp.fill(dec)
	} else {
		err, consumeErr = fillStreaming(sp, dec, consume)
	}
	if err != nil {
		_ = sp.close()
		return nil, decodeErr(err)
	}
	out := &Response{StatusCode: resp.StatusCode, ContentEncoding: enc, WireBytes: body.n, sp: sp, ConsumeErr: consumeErr}
	copy(out.sum[:], sp.h.Sum(nil))
	if sp.size <= noUpdatesProbeLimit {
		out.NoUpdates = noUpdates(sp.mem)
	}
	return out, nil
}

// noUpdates reports a body whose top-level has_updates is false.
func noUpdates(b []byte) bool {
	var v struct {
		HasUpdates *bool `json:"has_updates"`
	}
	return json.Unmarshal(b, &v) == nil && v.HasUpdates != nil && !*v.HasUpdates
}

// specsURL builds {base}/{key}.json with the since parameters.
func (c *Client) specsURL(base, key string, since Since) string {
	u := strings.TrimRight(base, "/") + "/" + url.PathEscape(key) + ".json"
	var q []string
	if since.Time > 0 {
		q = append(q, "sinceTime="+strconv.FormatInt(since.Time, 10))
	}
	if since.Checksum != "" {
		q = append(q, "checksum="+percentEncodeAll(since.Checksum))
	}
	if len(q) > 0 {
		u += "?" + strings.Join(q, "&")
	}
	return u
}

// percentEncodeAll encodes every byte that is not an ASCII letter or digit.
func percentEncodeAll(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' {
			b.WriteByte(ch)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[ch>>4])
		b.WriteByte(hex[ch&15])
	}
	return b.String()
}

func isCanceled(err error) bool { return err != nil && errors.Is(err, errCanceled) }
