package controllers

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/url"
	"time"

	corev1 "k8s.io/api/core/v1"

	flagsv1alpha1 "github.com/statsig-operator/statsig-operator/api/v1alpha1"
	"github.com/statsig-operator/statsig-operator/evaluator"
	"github.com/statsig-operator/statsig-operator/memrelease"
	"github.com/statsig-operator/statsig-operator/statsig"
)

// fetchResult is a downloaded payload (or "no updates"), readable several times.
type fetchResult struct {
	// loaded is the payload as the evaluator loaded it while it downloaded (nil: load it
	// from open).
	loaded   *loadResult
	noUpdate bool
	open     func() (io.ReadCloser, error)
	sha256   string
	source   flagsv1alpha1.SyncSource
	close    func()
}

const defaultPollTimeout = 10 * time.Second

// upstreamClient returns the spec's Statsig client, rebuilding it when its options changed.
func (run *syncRun) upstreamClient(ctx context.Context) (*statsig.Client, *syncError) {
	spec := run.spec.Spec
	fp := clientFingerprint(run.spec, run.state.proxyCreds)
	if run.state.client != nil && run.state.clientFP == fp {
		return run.state.client, nil
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	if p := spec.Proxy; p != nil {
		u, err := url.Parse(p.URL)
		if err != nil {
			return nil, failf(flagsv1alpha1.ReasonUpstreamUnavailable, err,
				"proxy.url %q does not parse: use an absolute http(s) URL.", p.URL)
		}
		if c := run.state.proxyCreds; c != "" {
			user, pass, _ := cut(c, ':')
			u.User = url.UserPassword(user, pass)
		}
		transport.Proxy = http.ProxyURL(u)
		if ref := p.CABundleConfigMapRef; ref != nil {
			var cm corev1.ConfigMap
			if err := run.r.Refs.Get(ctx, ref.Namespace, ref.Name, &cm); err != nil {
				return nil, failf(flagsv1alpha1.ReasonSourceNotFound, err,
					"ConfigMap %s holding the proxy CA bundle could not be read (%s): create it with the key %q.",
					ref.Name, reasonOf(err), ref.Key)
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM([]byte(cm.Data[ref.Key])) {
				return nil, failf(flagsv1alpha1.ReasonSourceNotFound, nil,
					"ConfigMap %s key %q holds no PEM certificate: put the proxy's CA bundle there.", ref.Name, ref.Key)
			}
			transport.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
		}
	}
	pollTimeout := run.r.Opts.PollTimeout
	if pollTimeout <= 0 {
		pollTimeout = defaultPollTimeout
	}
	c, err := statsig.New(statsig.Options{
		SpecsURL:              spec.SpecsURL,
		Format:                statsig.Format(formatOf(run.spec)),
		InitTimeout:           time.Duration(spec.InitTimeoutMs) * time.Millisecond,
		RequestTimeout:        pollTimeout,
		FallbackToStatsigAPI:  spec.FallbackToStatsigAPI,
		IDListsURL:            spec.IDListsURL,
		IDListFileAPI:         spec.DownloadIDListFileAPI,
		IDListsRequestTimeout: time.Duration(spec.IDListsRequestTimeoutMs) * time.Millisecond,
		Transport:             transport,
		ServiceName:           spec.ServiceName,
		TempDir:               run.r.Opts.TempDir,
		DisableDiskAccess:     spec.DisableDiskAccess,
	})
	if err != nil {
		return nil, failf(flagsv1alpha1.ReasonUpstreamUnavailable, err,
			"The Statsig client could not be configured (%v): fix the URLs in the StatsigSpec.", err)
	}
	run.state.client, run.state.clientFP = c, fp
	return c, nil
}

func cut(s string, sep byte) (string, string, bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == sep {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

// clientFingerprint changes whenever an option the client is built from changes.
func clientFingerprint(spec *flagsv1alpha1.StatsigSpec, proxyCreds string) string {
	s := spec.Spec
	fp := string(s.PayloadFormat) + "|" + s.SpecsURL + "|" + s.IDListsURL + "|" + s.DownloadIDListFileAPI +
		"|" + s.ServiceName
	if s.FallbackToStatsigAPI {
		fp += "|fallback"
	}
	if s.DisableDiskAccess {
		fp += "|nodisk"
	}
	if p := s.Proxy; p != nil {
		fp += "|" + p.URL + "|" + shortHash(proxyCreds)
		if p.CABundleConfigMapRef != nil {
			fp += "|" + p.CABundleConfigMapRef.Namespace + "/" + p.CABundleConfigMapRef.Name
		}
	}
	return fp
}

// fetchUpstream downloads the specs, sending sinceTime/checksum of the stored revision unless
// full is set.
func (run *syncRun) fetchUpstream(ctx context.Context, full bool) (*fetchResult, *syncError) {
	c, fail := run.upstreamClient(ctx)
	if fail != nil {
		return nil, fail
	}
	var since statsig.Since
	if m := run.manifest; !full && run.storedComplete && m != nil && m.Format == string(formatOf(run.spec)) {
		since = statsig.Since{Time: m.Time, Checksum: m.Checksum}
	}
	initial := !run.state.initDone
	timeout := run.r.Opts.PollTimeout
	if timeout <= 0 {
		timeout = defaultPollTimeout
	}
	if initial {
		timeout = time.Duration(run.spec.Spec.InitTimeoutMs) * time.Millisecond
		if timeout <= 0 {
			timeout = flagsv1alpha1.DefaultInitTimeoutMs * time.Millisecond
		}
	}
	// The client applies the per-request timeout; this only bounds a round with retries.
	ctx, cancel := context.WithTimeout(ctx, 4*timeout+5*time.Second)
	defer cancel()
	// The evaluator loads the body while it downloads (validation overlaps the transfer); the
	// body is also spooled, to be hashed, compressed and stored. Attempts run one after the
	// other, so the last load is the successful attempt's.
	var loaded *loadResult
	prev := run.state.specs
	resp, err := c.DownloadConfigSpecsStreaming(ctx, run.key, since, initial, func(r io.Reader) error {
		if prev != nil {
			// A body past 1 MiB replacing a loaded revision: keep the garbage collector close
			// behind the load, compression and store until the sync ends (syncSpecs), so they
			// reuse the space of their garbage instead of raising the peak RSS beside the
			// served revision (memrelease.Tighten, docs/performance.md).
			r = memrelease.OnLargeRead(r, 1<<20, func() {
				if run.relaxGC == nil {
					run.relaxGC = memrelease.Tighten()
				}
			})
		}
		specs, err := evaluator.Load(r, evaluator.LoadOptions{Previous: prev})
		loaded = &loadResult{specs, err}
		return err
	})
	if err != nil {
		return nil, classifyDownloadError(err, run.spec, timeout)
	}
	sum := resp.SHA256()
	res := &fetchResult{
		noUpdate: resp.NoUpdates,
		open:     resp.Open,
		sha256:   hex.EncodeToString(sum[:]),
		close:    func() { _ = resp.Close() },
		source:   flagsv1alpha1.SyncSourceNetwork,
	}
	if loaded != nil && errors.Is(resp.ConsumeErr, loaded.err) {
		res.loaded = loaded
	}
	if resp.FromFallback {
		res.source = flagsv1alpha1.SyncSourceFallback
	}
	return res, nil
}

func formatOf(spec *flagsv1alpha1.StatsigSpec) flagsv1alpha1.PayloadFormat {
	if spec.Spec.PayloadFormat == "" {
		return flagsv1alpha1.DefaultPayloadFormat
	}
	return spec.Spec.PayloadFormat
}

// classifyDownloadError maps a client error to a condition reason and an actionable message.
// Client errors carry the endpoint with the key already redacted; the caller redacts again.
func classifyDownloadError(err error, spec *flagsv1alpha1.StatsigSpec, timeout time.Duration) *syncError {
	ref := spec.Spec.SecretKeyRef
	switch {
	case statsig.IsUnauthorized(err):
		return failf(flagsv1alpha1.ReasonUnauthorized, err,
			"Statsig rejected the server secret key (%v): "+
				"check that Secret %s key %q holds the project's server secret key (\"secret-...\").",
			err, ref.Name, keyName(ref))
	case errors.Is(err, statsig.ErrBodyTooLarge):
		return failf(flagsv1alpha1.ReasonPayloadTooLarge, err,
			"The download exceeded the client's size limit (%v): reduce the project's size.", err)
	case errors.Is(err, statsig.ErrContentType),
		errors.Is(err, statsig.ErrEncoding),
		errors.Is(err, statsig.ErrInvalidResponse):
		return failf(flagsv1alpha1.ReasonInvalidPayload, err,
			"Statsig answered with something that is not a config-spec payload (%v): "+
				"check specsURL and any proxy in between; the last known good revision keeps being served.",
			err)
	case errors.Is(err, statsig.ErrTimeout), errors.Is(err, context.DeadlineExceeded):
		return failf(flagsv1alpha1.ReasonUpstreamUnavailable, err,
			"The download did not finish within %s (%v): check connectivity to %s, or raise initTimeoutMs.",
			timeout, err, hostOf(spec))
	default:
		return failf(flagsv1alpha1.ReasonUpstreamUnavailable, err,
			"Downloading the config specs failed (%v): "+
				"check connectivity to %s; the last known good revision keeps being served.",
			err, hostOf(spec))
	}
}

func keyName(ref flagsv1alpha1.SecretKeySelector) string {
	if ref.Key == "" {
		return flagsv1alpha1.DefaultSecretKeyField
	}
	return ref.Key
}

func hostOf(spec *flagsv1alpha1.StatsigSpec) string {
	u := spec.Spec.SpecsURL
	if u == "" {
		u = flagsv1alpha1.DefaultSpecsURLV2
	}
	if p, err := url.Parse(u); err == nil && p.Host != "" {
		return p.Host
	}
	return "Statsig"
}
