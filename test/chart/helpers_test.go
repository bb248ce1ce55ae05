package chart_test

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/util/jsonpath"

	"github.com/statsig-operator/statsig-operator/test/envtestutil"
)

var update = flag.Bool("update", false, "rewrite testdata/golden from the current chart instead of comparing")

const (
	releaseName = "statsig-operator"
	namespace   = "statsig-system"
)

var (
	root     = envtestutil.RepoRoot()
	chartDir = filepath.Join(root, "charts", "statsig-operator")

	helmOnce sync.Once
	helmBin  string
	helmErr  error
)

// helm returns the Helm binary: $HELM, else the one hack/helm.sh builds from the Go module proxy.
// Outside CI a machine that cannot build Helm skips the chart tests; in CI they must run.
func helm(t *testing.T) string {
	t.Helper()
	helmOnce.Do(func() {
		if p := os.Getenv("HELM"); p != "" {
			helmBin = p
			return
		}
		var stderr bytes.Buffer
		cmd := exec.Command(filepath.Join(root, "hack", "helm.sh"))
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			helmErr = fmt.Errorf("hack/helm.sh: %w\n%s", err, stderr.String())
			return
		}
		helmBin = strings.TrimSpace(string(out))
	})
	if helmErr != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI is set, so the chart tests must run: %v", helmErr)
		}
		t.Skipf(
			"skipping chart tests: Helm could not be built from the Go module proxy (%v); in CI this is a failure",
			helmErr,
		)
	}
	return helmBin
}

// runHelm runs helm with args and returns stdout; stderr is folded into the error.
func runHelm(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(helm(t), args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	// A private Helm home keeps the tests independent of the user's repositories and plugins.
	home := t.TempDir()
	cmd.Env = append(os.Environ(), "HELM_CONFIG_HOME="+home, "HELM_CACHE_HOME="+home, "HELM_DATA_HOME="+home)
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("helm %s: %w\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String(), nil
}

// valuesFile is the path of a named value set under testdata/values.
func valuesFile(name string) string { return filepath.Join("testdata", "values", name+".yaml") }

// render runs `helm template` for the release used everywhere in these tests.
func render(t *testing.T, valueSet string, extra ...string) (string, error) {
	t.Helper()
	args := make([]string, 0, 7+len(extra))
	args = append(args, "template", releaseName, chartDir, "--namespace", namespace, "-f", valuesFile(valueSet))
	return runHelm(t, append(args, extra...)...)
}

func mustRender(t *testing.T, valueSet string) []*unstructured.Unstructured {
	t.Helper()
	out, err := render(t, valueSet)
	if err != nil {
		t.Fatal(err)
	}
	objs, err := decodeAll(out)
	if err != nil {
		t.Fatalf("decode %s rendering: %v", valueSet, err)
	}
	return objs
}

// decodeAll splits a multi-document YAML stream into objects, dropping empty documents.
func decodeAll(s string) ([]*unstructured.Unstructured, error) {
	dec := utilyaml.NewYAMLOrJSONDecoder(strings.NewReader(s), 4096)
	var objs []*unstructured.Unstructured
	for {
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			if errors.Is(err, io.EOF) {
				return objs, nil
			}
			return nil, err
		}
		if len(m) == 0 {
			continue
		}
		objs = append(objs, &unstructured.Unstructured{Object: m})
	}
}

// find returns the object of that kind and name, or nil.
func find(objs []*unstructured.Unstructured, kind, name string) *unstructured.Unstructured {
	for _, o := range objs {
		if o.GetKind() == kind && o.GetName() == name {
			return o
		}
	}
	return nil
}

// jp evaluates a kubectl-style JSONPath ({.spec.replicas}) on obj; missing keys give "".
func jp(t *testing.T, obj *unstructured.Unstructured, path string) string {
	t.Helper()
	p := jsonpath.New("check").AllowMissingKeys(true)
	if err := p.Parse(path); err != nil {
		t.Fatalf("jsonpath %s: %v", path, err)
	}
	var buf bytes.Buffer
	if err := p.Execute(&buf, obj.Object); err != nil {
		t.Fatalf("jsonpath %s on %s/%s: %v", path, obj.GetKind(), obj.GetName(), err)
	}
	return buf.String()
}
