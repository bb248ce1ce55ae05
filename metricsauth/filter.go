// Package metricsauth guards the metrics endpoint as kubebuilder's --metrics-secure does: the
// caller's bearer token is checked with a TokenReview and its right to get the /metrics
// non-resource URL with a SubjectAccessReview. It uses the apiserver's review APIs through
// the ordinary client, so the operator does not link the Kubernetes apiserver libraries.
package metricsauth

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/go-logr/logr"
	authenticationv1 "k8s.io/api/authentication/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
)

// cacheTTL is how long a token's verdict is reused: Prometheus scrapes every few seconds with
// the same token, and each verdict costs two apiserver calls.
const cacheTTL = time.Minute

// Filter is a metricsserver.Options.FilterProvider.
func Filter(cfg *rest.Config, httpClient *http.Client) (metricsserver.Filter, error) {
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		return nil, err
	}
	c, err := client.New(cfg, client.Options{Scheme: scheme, HTTPClient: httpClient})
	if err != nil {
		return nil, err
	}
	return New(c, time.Now), nil
}

// New returns a Filter that reviews tokens with c.
func New(c client.Client, now func() time.Time) metricsserver.Filter {
	g := &guard{c: c, now: now, verdicts: map[string]verdict{}}
	return func(log logr.Logger, next http.Handler) (http.Handler, error) {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			token, ok := bearer(r)
			if !ok {
				http.Error(w, "Unauthorized: send a bearer token", http.StatusUnauthorized)
				return
			}
			code, err := g.allowed(r.Context(), token, r.URL.Path)
			if err != nil {
				log.Error(err, "Reviewing a metrics client failed")
			}
			if code != http.StatusOK {
				http.Error(w, http.StatusText(code), code)
				return
			}
			next.ServeHTTP(w, r)
		}), nil
	}
}

type verdict struct {
	code    int
	expires time.Time
}

type guard struct {
	c   client.Client
	now func() time.Time

	mu       sync.Mutex
	verdicts map[string]verdict // by token and path
}

// allowed returns 200, 401 (the token is not valid) or 403 (its user may not get path).
func (g *guard) allowed(ctx context.Context, token, path string) (int, error) {
	key := path + "\x00" + token
	g.mu.Lock()
	v, ok := g.verdicts[key]
	g.mu.Unlock()
	if ok && g.now().Before(v.expires) {
		return v.code, nil
	}
	code, err := g.review(ctx, token, path)
	if err != nil {
		return http.StatusInternalServerError, err
	}
	g.mu.Lock()
	if len(g.verdicts) > 1024 { // bounded: a flood of made-up tokens cannot grow it
		clear(g.verdicts)
	}
	g.verdicts[key] = verdict{code, g.now().Add(cacheTTL)}
	g.mu.Unlock()
	return code, nil
}

func (g *guard) review(ctx context.Context, token, path string) (int, error) {
	tr := &authenticationv1.TokenReview{Spec: authenticationv1.TokenReviewSpec{Token: token}}
	if err := g.c.Create(ctx, tr); err != nil {
		return 0, err
	}
	if !tr.Status.Authenticated {
		return http.StatusUnauthorized, nil
	}
	u := tr.Status.User
	extra := make(map[string]authorizationv1.ExtraValue, len(u.Extra))
	for k, v := range u.Extra {
		extra[k] = authorizationv1.ExtraValue(v)
	}
	sar := &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
		User: u.Username, UID: u.UID, Groups: u.Groups, Extra: extra,
		NonResourceAttributes: &authorizationv1.NonResourceAttributes{Path: path, Verb: "get"},
	}}
	if err := g.c.Create(ctx, sar); err != nil {
		return 0, err
	}
	if !sar.Status.Allowed {
		return http.StatusForbidden, nil
	}
	return http.StatusOK, nil
}

func bearer(r *http.Request) (string, bool) {
	a := r.Header.Get("Authorization")
	if len(a) > 7 && strings.EqualFold(a[:7], "bearer ") {
		t := strings.TrimSpace(a[7:])
		return t, t != ""
	}
	return "", false
}
