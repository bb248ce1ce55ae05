package statsig

import (
	"crypto/rand"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Default endpoints, as used by Statsig Server Core.
const (
	DefaultSpecsURLV2  = "https://api.statsigcdn.com/v2/download_config_specs"
	DefaultSpecsURLV1  = "https://api.statsigcdn.com/v1/download_config_specs"
	DefaultIDListsURL  = "https://api.statsigcdn.com/v1/get_id_lists"
	DefaultLogEventURL = "https://prodregistryv2.org/v1/log_event"

	// cdnPrefix marks URLs that take the ID-list range as a query parameter.
	cdnPrefix = "https://api.statsigcdn.com"
)

// Defaults for the zero values of Options.
const (
	DefaultInitTimeout      = 3 * time.Second
	DefaultRequestTimeout   = 10 * time.Second
	DefaultMaxBodySize      = 256 << 20
	DefaultMemorySpoolLimit = 2 << 20
	DefaultRetryBackoff     = 100 * time.Millisecond
	DefaultSDKType          = "statsig-operator"
	// SDKVersion is the operator version sent as STATSIG-SDK-VERSION.
	SDKVersion         = "0.1.0"
	DefaultServiceName = "unknown"
	backgroundRetries  = 3
	fallbackEvery      = 5
)

// Format selects the config-spec payload format.
type Format string

// Supported payload formats.
const (
	FormatV2 Format = "v2"
	FormatV1 Format = "v1"
)

// Options mirror the Statsig SDK options the client needs. The secret key is not part of
// them: it is passed to every call so that it never sits in a printable struct.
type Options struct {
	// SpecsURL is the config-spec base URL (specs_url); "" or "null" selects the default of Format.
	SpecsURL string
	// Format is the payload format, FormatV2 by default.
	Format Format
	// InitTimeout bounds the initial download (init_timeout_ms), 3 s by default.
	InitTimeout time.Duration
	// RequestTimeout bounds background downloads and event posts, 10 s by default.
	RequestTimeout time.Duration
	// FallbackToStatsigAPI retries failed custom-URL requests against the defaults.
	FallbackToStatsigAPI bool
	// IDListsURL is the ID-list manifest URL (id_lists_url); a custom one is requested with POST.
	IDListsURL string
	// IDListFileAPI replaces the scheme and host of list file URLs (download_id_list_file_api).
	IDListFileAPI string
	// IDListsRequestTimeout bounds each ID-list request, 10 s by default.
	IDListsRequestTimeout time.Duration
	// LogEventURL is the event endpoint (log_event_url).
	LogEventURL string

	// HTTPClient is used as is when set (proxy settings live in its Transport).
	HTTPClient *http.Client
	// Transport builds the default client when HTTPClient is nil; nil means a clone of
	// http.DefaultTransport (honouring HTTPS_PROXY and friends).
	Transport http.RoundTripper

	// SDKType, SDKVersion and SessionID fill the STATSIG-SDK-* headers; SessionID is a
	// random UUID when empty.
	SDKType, SDKVersion, SessionID string
	// ServiceName is sent as x-request-service ("unknown" when empty).
	ServiceName string

	// MaxBodySize caps a decoded response body (256 MiB by default).
	MaxBodySize int64
	// MemorySpoolLimit is the body size kept in memory before spilling to a temp file (2 MiB).
	MemorySpoolLimit int64
	// TempDir holds spool files ("" = os.TempDir()).
	TempDir string
	// DisableDiskAccess keeps every body in memory (disable_disk_access).
	DisableDiskAccess bool
	// RetryBackoff is the base of the background retry backoff (100 ms × 2^attempt).
	RetryBackoff time.Duration
}

// Client talks to Statsig. Use one Client per project: it counts consecutive background
// failures to decide when to fall back to the Statsig API.
type Client struct {
	opts            Options
	http            *http.Client
	defaultSpecsURL string

	mu         sync.Mutex
	bgFailures int
}

// New validates the options, fills defaults and returns a Client.
func New(o Options) (*Client, error) {
	switch o.Format {
	case "":
		o.Format = FormatV2
	case FormatV1, FormatV2:
	default:
		return nil, fmt.Errorf("statsig: unknown payload format %q (want v1 or v2)", o.Format)
	}
	def := DefaultSpecsURLV2
	if o.Format == FormatV1 {
		def = DefaultSpecsURLV1
	}
	o.SpecsURL = urlOrDefault(o.SpecsURL, def)
	o.IDListsURL = urlOrDefault(o.IDListsURL, DefaultIDListsURL)
	o.LogEventURL = urlOrDefault(o.LogEventURL, DefaultLogEventURL)
	for name, u := range map[string]string{
		"specs URL": o.SpecsURL, "ID lists URL": o.IDListsURL, "log event URL": o.LogEventURL,
	} {
		if err := checkURL(u); err != nil {
			return nil, fmt.Errorf("statsig: %s: %w", name, err)
		}
	}
	if o.IDListFileAPI != "" {
		if err := checkURL(o.IDListFileAPI); err != nil {
			return nil, fmt.Errorf("statsig: ID list file API: %w", err)
		}
	}
	o.SpecsURL = strings.TrimRight(o.SpecsURL, "/")
	o.InitTimeout = orDuration(o.InitTimeout, DefaultInitTimeout)
	o.RequestTimeout = orDuration(o.RequestTimeout, DefaultRequestTimeout)
	o.IDListsRequestTimeout = orDuration(o.IDListsRequestTimeout, DefaultRequestTimeout)
	o.RetryBackoff = orDuration(o.RetryBackoff, DefaultRetryBackoff)
	if o.MaxBodySize <= 0 {
		o.MaxBodySize = DefaultMaxBodySize
	}
	if o.MemorySpoolLimit <= 0 {
		o.MemorySpoolLimit = DefaultMemorySpoolLimit
	}
	if o.SDKType == "" {
		o.SDKType = DefaultSDKType
	}
	if o.SDKVersion == "" {
		o.SDKVersion = SDKVersion
	}
	if o.ServiceName == "" {
		o.ServiceName = DefaultServiceName
	}
	if o.SessionID == "" {
		o.SessionID = newUUID()
	}
	hc := o.HTTPClient
	if hc == nil {
		rt := o.Transport
		if rt == nil {
			rt = http.DefaultTransport.(*http.Transport).Clone()
		}
		hc = &http.Client{Transport: rt, CheckRedirect: keepKeyOnSameHost}
	}
	return &Client{opts: o, http: hc, defaultSpecsURL: def}, nil
}

// Options returns the effective options (defaults filled in).
func (c *Client) Options() Options { return c.opts }

// keepKeyOnSameHost stops the secret key header from following a redirect to another host.
func keepKeyOnSameHost(req *http.Request, via []*http.Request) error {
	if len(via) >= 10 {
		return fmt.Errorf("stopped after %d redirects", len(via))
	}
	if req.URL.Host != via[0].URL.Host {
		req.Header.Del(headerAPIKey)
	}
	return nil
}

func orDuration(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// newUUID returns a random (version 4) UUID.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// urlOrDefault returns u, or def when u is unset: "" or "null" (what the SDKs' options take
// for "use the default").
func urlOrDefault(u, def string) string {
	if u == "" || u == "null" {
		return def
	}
	return u
}
