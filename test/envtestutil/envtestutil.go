// Package envtestutil starts a real kube-apiserver and etcd (envtest) for the project's tests,
// using the control-plane binaries that hack/envtest-assets.sh builds and caches.
package envtestutil

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	flagsv1alpha1 "github.com/statsig-operator/statsig-operator/api/v1alpha1"
)

// RepoRoot returns the repository root (the directory holding go.mod), found from this file.
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// AssetsDir returns the directory holding kube-apiserver, etcd (and kubectl,
// kube-controller-manager, kube-scheduler, kwok and kwok-stages.yaml): $KUBEBUILDER_ASSETS
// when set, else the newest cached build of hack/envtest-assets.sh for this platform.
func AssetsDir() (string, error) {
	if dir := os.Getenv("KUBEBUILDER_ASSETS"); dir != "" {
		return dir, nil
	}
	cache := os.Getenv("STATSIG_OPERATOR_CACHE")
	if cache == "" {
		base := os.Getenv("XDG_CACHE_HOME")
		if base == "" {
			home, _ := os.UserHomeDir()
			base = filepath.Join(home, ".cache")
		}
		cache = filepath.Join(base, "statsig-operator")
	}
	matches, _ := filepath.Glob(filepath.Join(cache, "k8s", "v*-"+runtime.GOOS+"-"+runtime.GOARCH))
	slices.Sort(matches)
	for _, m := range slices.Backward(matches) {
		if _, err := os.Stat(filepath.Join(m, "kube-apiserver")); err == nil {
			return m, nil
		}
	}
	return "", fmt.Errorf(
		"no envtest binaries: run `make envtest-assets` (builds kube-apiserver and etcd into %s) or set KUBEBUILDER_ASSETS",
		cache,
	)
}

// NewEnvironment returns an envtest environment that installs the project's CRDs from
// config/crd/bases and fails when they are missing.
func NewEnvironment() (*envtest.Environment, error) {
	dir, err := AssetsDir()
	if err != nil {
		return nil, err
	}
	if err := flagsv1alpha1.AddToScheme(scheme.Scheme); err != nil {
		return nil, err
	}
	return &envtest.Environment{
		CRDDirectoryPaths:     []string{filepath.Join(RepoRoot(), "config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
		BinaryAssetsDirectory: dir,
		Scheme:                scheme.Scheme,
	}, nil
}

// StatsigSpecGVR is the resource of StatsigSpecs, for tests that use dynamic clients.
var StatsigSpecGVR = schema.GroupVersionResource{
	Group:    flagsv1alpha1.GroupVersion.Group,
	Version:  flagsv1alpha1.GroupVersion.Version,
	Resource: "statsigspecs",
}
