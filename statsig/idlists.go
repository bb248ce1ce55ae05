package statsig

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// GetIDListManifest fetches the ID-list manifest: GET {IDListsURL}/{key}.json on the
// Statsig CDN, POST with an empty body to a custom IDListsURL. With FallbackToStatsigAPI
// a retryable failure of a custom URL is retried once on the CDN.
func (c *Client) GetIDListManifest(ctx context.Context, key string) (map[string]IDListInfo, error) {
	cdn := strings.TrimRight(DefaultIDListsURL, "/") + "/" + url.PathEscape(key) + ".json"
	custom := c.opts.IDListsURL != DefaultIDListsURL
	u, method := cdn, http.MethodGet
	if custom {
		u, method = c.opts.IDListsURL, http.MethodPost
	}
	m, err := c.manifestOnce(ctx, key, method, u)
	if err == nil {
		return m, nil
	}
	op := &Error{Op: "get_id_lists", Endpoint: redactor(key).str(u), Err: err}
	if !custom || !c.opts.FallbackToStatsigAPI || !IsRetryable(err) {
		return nil, op
	}
	m, ferr := c.manifestOnce(ctx, key, http.MethodGet, cdn)
	if ferr != nil {
		return nil, fmt.Errorf(
			"%w; fallback: %w",
			op,
			&Error{Op: "get_id_lists", Endpoint: redactor(key).str(cdn), Err: ferr},
		)
	}
	return m, nil
}

func (c *Client) manifestOnce(ctx context.Context, key, method, u string) (map[string]IDListInfo, error) {
	rq := request{method: method, url: u, key: key, timeout: c.opts.IDListsRequestTimeout}
	if method == http.MethodPost {
		rq.body = []byte{}
	}
	resp, body, err := c.open(ctx, rq)
	if err != nil {
		return nil, err
	}
	defer closeQuietly(body)
	if err := checkJSON(resp.Header); err != nil {
		return nil, err
	}
	b, err := io.ReadAll(&limitReader{r: body, left: c.opts.MaxBodySize})
	if err != nil {
		return nil, err
	}
	var m map[string]IDListInfo
	if err := json.Unmarshal(b, &m); err != nil || m == nil {
		return nil, fmt.Errorf("%w: manifest is not a JSON object: %s", ErrInvalidResponse, snippet(b, redactor(key)))
	}
	return normalize(m), nil
}

// DownloadIDList requests a list file from byte start. Statsig CDN URLs take the range as
// ?range=<start>-, other URLs as a Range header plus statsig-id-list-file-size.
func (c *Client) DownloadIDList(ctx context.Context, key string, info IDListInfo, start int64) (*IDListBody, error) {
	u, err := c.listURL(info.URL)
	k := redactor(key)
	if err != nil {
		return nil, &Error{Op: "id_list", Endpoint: k.str(info.URL), Err: err}
	}
	rq := request{method: http.MethodGet, url: u, key: key, timeout: c.opts.IDListsRequestTimeout, header: http.Header{}}
	byQuery := strings.HasPrefix(u, cdnPrefix)
	if byQuery {
		sep := "?"
		if strings.Contains(u, "?") {
			sep = "&"
		}
		rq.url = u + sep + "range=" + strconv.FormatInt(start, 10) + "-"
	} else {
		rq.header.Set("Range", "bytes="+strconv.FormatInt(start, 10)+"-")
		rq.header.Set("statsig-id-list-file-size", strconv.FormatInt(info.Size, 10))
	}
	resp, body, err := c.open(ctx, rq)
	if err != nil {
		return nil, &Error{Op: "id_list", Endpoint: k.str(rq.url), Err: err}
	}
	eff := start
	if !byQuery && start > 0 {
		eff = rangeStart(resp, start)
	}
	return &IDListBody{
		ReadCloser: &limitedBody{limitReader: limitReader{r: body, left: c.opts.MaxBodySize}, c: body},
		Start:      eff,
	}, nil
}

// rangeStart is where a ranged answer begins: 0 when the server ignored the Range header.
func rangeStart(resp *http.Response, requested int64) int64 {
	cr := resp.Header.Get("Content-Range")
	if resp.StatusCode != http.StatusPartialContent || cr == "" {
		return 0
	}
	// Content-Range: bytes <first>-<last>/<size>
	s, ok := strings.CutPrefix(cr, "bytes ")
	if !ok {
		return requested
	}
	first, _, _ := strings.Cut(s, "-")
	n, err := strconv.ParseInt(strings.TrimSpace(first), 10, 64)
	if err != nil {
		return requested
	}
	return n
}

// listURL applies IDListFileAPI (which replaces scheme and host) and validates the URL.
func (c *Client) listURL(raw string) (string, error) {
	if err := checkURL(raw); err != nil {
		return "", fmt.Errorf("%w: list file URL: %v", ErrInvalidResponse, err)
	}
	if c.opts.IDListFileAPI == "" {
		return raw, nil
	}
	u, _ := url.Parse(raw)
	api, _ := url.Parse(c.opts.IDListFileAPI)
	u.Scheme, u.Host = api.Scheme, api.Host
	return u.String(), nil
}

// SyncIDLists fetches the manifest and every file it requires, and returns the new state
// (cur itself when nothing changed). On any failure cur stays in force.
func (c *Client) SyncIDLists(ctx context.Context, key string, cur *IDListState) (*IDListState, error) {
	m, err := c.GetIDListManifest(ctx, key)
	if err != nil {
		return cur, err
	}
	next, err := cur.Update(m, func(d IDListDownload) (*IDListBody, error) {
		return c.DownloadIDList(ctx, key, d.Info, d.Start)
	})
	if next == nil {
		next = NewIDListState()
	}
	return next, err
}

// limitReader fails with ErrBodyTooLarge past its budget instead of truncating silently.
type limitReader struct {
	r    io.Reader
	left int64
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.left < 0 {
		return 0, fmt.Errorf("%w", ErrBodyTooLarge)
	}
	if int64(len(p)) > l.left+1 {
		p = p[:l.left+1]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	if l.left < 0 {
		return n, ErrBodyTooLarge
	}
	return n, err
}

type limitedBody struct {
	limitReader
	c io.Closer
}

func (b *limitedBody) Close() error { return b.c.Close() }
