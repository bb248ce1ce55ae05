package endpoint

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// corsAllowHeaders are the request headers browsers may send to the client routes: the
// Statsig client SDKs' (js-client's event batches carry statsig-* headers), OFREP
// providers' key headers, the body headers, and Last-Event-ID (EventSource reconnects).
const corsAllowHeaders = "Content-Type, Content-Encoding, Authorization, X-API-Key, STATSIG-API-KEY, " +
	"STATSIG-CLIENT-TIME, STATSIG-SDK-TYPE, STATSIG-SDK-VERSION, STATSIG-EVENT-COUNT, STATSIG-RETRY-COUNT, " +
	"STATSIG-ENCODED, Statsig-Exposure-Logging-Disabled, If-None-Match, Last-Event-ID"

// corsMaxAge is how long (seconds) a browser may cache a preflight answer.
const corsMaxAge = "600"

// cors answers cross-origin requests from browsers on the client routes (client SDK
// initialize and events, OFREP). Server routes (config specs, ID lists, the HTTP API)
// never answer cross-origin: their keys must not be in a browser.
type cors struct {
	any     bool
	origins map[string]bool
}

// newCORS validates the allowed origins: "*" or scheme://host[:port]. None: CORS is off.
func newCORS(origins []string) (*cors, error) {
	if len(origins) == 0 {
		return nil, nil
	}
	c := &cors{origins: map[string]bool{}}
	for _, o := range origins {
		o = strings.TrimSpace(o)
		if o == "*" {
			c.any = true
			continue
		}
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
			(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.User != nil || u.Fragment != "" {
			return nil, fmt.Errorf("CORS origin %q must be * or scheme://host[:port]", o)
		}
		c.origins[strings.ToLower(u.Scheme+"://"+u.Host)] = true
	}
	return c, nil
}

// allow sets the response headers for an allowed Origin and reports whether it is allowed
// (requests without an Origin are not cross-origin and always pass).
func (c *cors) allow(w http.ResponseWriter, r *http.Request) bool {
	origin := r.Header.Get("Origin")
	h := w.Header()
	h.Add("Vary", "Origin")
	if origin == "" {
		return true
	}
	if !c.any && !c.origins[strings.ToLower(origin)] {
		return false
	}
	if c.any {
		h.Set("Access-Control-Allow-Origin", "*")
	} else {
		h.Set("Access-Control-Allow-Origin", origin)
	}
	h.Set("Access-Control-Expose-Headers", "Retry-After, ETag")
	return true
}

// wrap adds the CORS answer headers to h's responses. A disallowed origin still gets its
// answer (the browser withholds it from the page); only the preflight refuses.
func (c *cors) wrap(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c.allow(w, r)
		h(w, r)
	}
}

// preflight answers OPTIONS: 204 with what may be sent, or 403 for an origin not allowed.
func (c *cors) preflight(methods string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !c.allow(w, r) {
			writeError(w, &apiError{http.StatusForbidden, "origin is not allowed: see the endpoint's CORS allowed origins"})
			return
		}
		h := w.Header()
		h.Set("Access-Control-Allow-Methods", methods+", OPTIONS")
		h.Set("Access-Control-Allow-Headers", corsAllowHeaders)
		h.Set("Access-Control-Max-Age", corsMaxAge)
		w.WriteHeader(http.StatusNoContent)
	}
}
