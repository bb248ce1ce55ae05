package endpoint

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/statsig-operator/statsig-operator/serving"
)

// dcsRequest is the optional POST body of download_config_specs.
type dcsRequest struct {
	SinceTime any `json:"sinceTime"`
}

var hasNoUpdates = []byte(`{"has_updates":false}`)

// downloadConfigSpecs serves /{v1|v2}/download_config_specs[/{key}.json] (GET or POST) from
// the stored payload, as Statsig's CDN and statsig-forward-proxy do: the key comes from the
// statsig-api-key header, else the path; a sinceTime at or past the payload's time gets
// {"has_updates":false}; the body is zstd, gzip or identity per Accept-Encoding.
func (s *Server) downloadConfigSpecs(version string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		key := apiKey(r)
		if key == "" {
			var aerr *apiError
			if key, aerr = keyFromFile(r.PathValue("file")); aerr != nil {
				writeError(w, aerr)
				return
			}
		}
		p, aerr := s.serverProjectFor(key)
		if aerr != nil {
			writeError(w, aerr)
			return
		}
		since, aerr := s.sinceTime(w, r)
		if aerr != nil {
			writeError(w, aerr)
			return
		}
		pl := p.Payload
		if pl == nil {
			writeError(w, &apiError{http.StatusServiceUnavailable,
				fmt.Sprintf("project %q has no stored payload to serve yet", p.Name)})
			return
		}
		if pl.Format != version {
			writeError(w, wrongFormat(p, version))
			return
		}
		h := w.Header()
		h.Set("x-since-time", strconv.FormatInt(pl.Time, 10))
		if since > 0 && since >= pl.Time {
			writeRawJSON(w, http.StatusOK, hasNoUpdates)
			return
		}
		s.servePayload(w, r, pl)
	}
}

// keyFromFile takes the key from a "{key}.json" path segment.
func keyFromFile(file string) (string, *apiError) {
	if file == "" {
		return "", errNoKey
	}
	k, ok := strings.CutSuffix(file, ".json")
	if !ok || k == "" {
		return "", &apiError{http.StatusNotFound, "path must end in /{sdkKey}.json"}
	}
	return k, nil
}

// sinceTime reads sinceTime from the query or, for POST, the JSON body; absent means 0.
func (s *Server) sinceTime(w http.ResponseWriter, r *http.Request) (int64, *apiError) {
	if v := r.URL.Query().Get("sinceTime"); v != "" {
		return parseSince(v)
	}
	if r.Method != http.MethodPost {
		return 0, nil
	}
	var req dcsRequest
	if aerr := decodeJSON(w, r, s.opts.MaxBodyBytes, &req, true); aerr != nil {
		return 0, aerr
	}
	switch v := req.SinceTime.(type) {
	case nil:
		return 0, nil
	case float64:
		return int64(v), nil
	case string:
		return parseSince(v)
	}
	return 0, badRequest("sinceTime must be a number of milliseconds")
}

func parseSince(v string) (int64, *apiError) {
	n, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil || n < 0 {
		return 0, badRequest("sinceTime must be a non-negative number of milliseconds")
	}
	return int64(n), nil
}

// wrongFormat explains a v1 request on a v2 project or the reverse.
func wrongFormat(p *serving.Project, asked string) *apiError {
	served := p.Payload.Format
	return &apiError{http.StatusNotFound, fmt.Sprintf(
		"project %q serves %s config specs, not %s: its StatsigSpec has payloadFormat: %s "+
			"(in standalone mode, the specs file is %s); request /%s/download_config_specs or change payloadFormat",
		p.Name, served, asked, served, served, served)}
}

// servePayload writes the payload once per request from bytes compressed once per revision.
func (s *Server) servePayload(w http.ResponseWriter, r *http.Request, pl *serving.Payload) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Add("Vary", "Accept-Encoding")
	enc := negotiateEncoding(r.Header.Get("Accept-Encoding"))
	etag := `"` + shortSHA(pl.SHA256) + "-" + enc + `"`
	h.Set("ETag", etag)
	if inm := r.Header.Get("If-None-Match"); inm != "" && etagMatches(inm, etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	var body []byte
	switch enc {
	case encZstd:
		body = pl.Zstd()
	case encGzip:
		gz, err := pl.Gzip()
		if err != nil {
			s.log.Error(err, "Could not gzip the stored payload, sending it uncompressed", "sha256", pl.SHA256)
			enc = encIdentity
			break
		}
		body = gz
	case encBrotli:
		br, err := pl.Brotli()
		if err != nil {
			s.log.Error(err, "Could not brotli-compress the stored payload, sending it uncompressed", "sha256", pl.SHA256)
			enc = encIdentity
			break
		}
		body = br
	}
	if enc == encIdentity {
		s.streamIdentity(w, r, pl)
		return
	}
	h.Set("Content-Encoding", enc)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return
	}
	n, _ := io.Copy(w, bytes.NewReader(body))
	s.metrics.proxyBytes.WithLabelValues(enc).Add(float64(n))
}

func (s *Server) streamIdentity(w http.ResponseWriter, r *http.Request, pl *serving.Payload) {
	rc, err := pl.Open()
	if err != nil {
		s.log.Error(err, "Could not open the stored payload", "sha256", pl.SHA256)
		writeError(w, &apiError{http.StatusServiceUnavailable, "stored payload could not be read"})
		return
	}
	defer func() { _ = rc.Close() }()
	if pl.Size > 0 {
		w.Header().Set("Content-Length", strconv.FormatInt(pl.Size, 10))
	}
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return
	}
	n, _ := io.Copy(w, rc)
	s.metrics.proxyBytes.WithLabelValues(encIdentity).Add(float64(n))
}

func shortSHA(sha string) string {
	if len(sha) > 32 {
		return sha[:32]
	}
	return sha
}

// etagMatches implements If-None-Match's weak comparison.
func etagMatches(header, etag string) bool {
	for t := range strings.SplitSeq(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == "*" || t == etag {
			return true
		}
	}
	return false
}
