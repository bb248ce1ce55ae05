package statsig_test

import (
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/statsig-operator/statsig-operator/statsig"
	"github.com/statsig-operator/statsig-operator/test/fixtures"
	"github.com/statsig-operator/statsig-operator/test/standin"
)

const key = "secret-client-test-0123456789"

// mustClose closes c and fails the test when that fails (closing a Response removes its
// spool file, so an error there is worth seeing).
func mustClose(t testing.TB, c io.Closer) {
	t.Helper()
	if err := c.Close(); err != nil {
		t.Errorf("close: %v", err)
	}
}

// fixture returns a file of the repository's Statsig fixtures (test/fixtures).
func fixture(t *testing.T, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(fixtures.Path(t, rel))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// cdnToLoopback sends requests for the Statsig hosts to a loopback server instead, so the
// default URLs can be exercised without the internet.
type cdnToLoopback struct{ target string }

func (c cdnToLoopback) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Host == "api.statsigcdn.com" || req.URL.Host == "prodregistryv2.org" {
		u, _ := url.Parse(c.target)
		req = req.Clone(req.Context())
		req.URL.Scheme, req.URL.Host, req.Host = u.Scheme, u.Host, ""
	}
	return http.DefaultTransport.RoundTrip(req)
}

func newStandin(t *testing.T) *standin.Server {
	t.Helper()
	s := standin.New(standin.Options{Keys: []string{key}})
	if err := s.SetPayload(standin.V2, fixture(t, "server-core/demo_proj_dcs.json")); err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// newClient returns a client aimed at s, with the Statsig hosts redirected to s as well.
func newClient(t *testing.T, s *standin.Server, edit func(*statsig.Options)) *statsig.Client {
	t.Helper()
	o := statsig.Options{
		SpecsURL: s.SpecsURL(standin.V2), IDListsURL: s.IDListsURL(), LogEventURL: s.LogEventURL(),
		Transport: cdnToLoopback{target: s.URL()}, SDKVersion: "1.2.3", ServiceName: "svc",
		RetryBackoff: time.Millisecond, InitTimeout: 2 * time.Second, RequestTimeout: 2 * time.Second,
	}
	if edit != nil {
		edit(&o)
	}
	c, err := statsig.New(o)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func noKey(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Logf("error text: %v", err)
	}
	if err != nil && strings.Contains(err.Error(), key) {
		t.Fatalf("error leaks the key: %v", err)
	}
}
