package chart_test

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

// valueSets are the value files under testdata/values; each has a golden rendering.
var valueSets = []string{
	"default",
	"cert-manager",
	"external-cert",
	"endpoint-tls",
	"endpoint-tls-cert-manager",
	"endpoint-tls-external",
	"restricted",
	"sample-statsigspec",
	"sample-inline-key",
	"watch-namespaces",
}

func TestLint(t *testing.T) {
	for _, vs := range valueSets {
		t.Run(vs, func(t *testing.T) {
			out, err := runHelm(t, "lint", "--strict", chartDir, "--namespace", namespace, "-f", valuesFile(vs))
			if err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			// Informational notes (icon is recommended) are fine; warnings and errors are not.
			for line := range strings.SplitSeq(out, "\n") {
				if strings.HasPrefix(line, "[WARNING]") || strings.HasPrefix(line, "[ERROR]") {
					t.Errorf("helm lint: %s", line)
				}
			}
		})
	}
}

// TestGolden compares `helm template` with testdata/golden; run with -update to regenerate.
func TestGolden(t *testing.T) {
	for _, vs := range valueSets {
		t.Run(vs, func(t *testing.T) {
			out, err := render(t, vs)
			if err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", "golden", vs+".yaml")
			if *update {
				if err := os.WriteFile(golden, []byte(out), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run `go test -run TestGolden -update` in test/chart to create it)", err)
			}
			if !bytes.Equal(want, []byte(out)) {
				t.Errorf(
					"rendering of %s differs from %s; review the change and run `go test -run TestGolden -update` in test/chart\n%s",
					vs,
					golden,
					firstDiff(string(want), out),
				)
			}
		})
	}
}

func firstDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(w) || i < len(g); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			return "line " + strconv.Itoa(i+1) + ":\n  golden:   " + wl + "\n  rendered: " + gl
		}
	}
	return ""
}

// TestRenderedContract checks the conventions the binary and the docs rely on, so that a golden
// update cannot silently change them.
func TestRenderedContract(t *testing.T) {
	const (
		ctr  = "{.spec.template.spec.containers[0]"
		mwh  = "MutatingWebhookConfiguration"
		vwh  = "ValidatingWebhookConfiguration"
		mwhN = "statsig-operator-mutating"
		vwhN = "statsig-operator-validating"
	)
	cases := []struct {
		values, kind, name, path, want string
	}{
		{"default", "Deployment", "statsig-operator", "{.spec.replicas}", "2"},
		{"default", "Deployment", "statsig-operator", ctr + ".image}", "ghcr.io/statsig-operator/statsig-operator:0.1.0"},
		{"default", "Deployment", "statsig-operator", "{.spec.template.spec.serviceAccountName}", "statsig-operator"},
		{"default", "Deployment", "statsig-operator", "{.spec.template.spec.securityContext.runAsNonRoot}", "true"},
		{"default", "Deployment", "statsig-operator", "{.spec.template.spec.securityContext.runAsUser}", "65532"},
		{"default", "Deployment", "statsig-operator", "{.spec.template.spec.securityContext.seccompProfile.type}",
			"RuntimeDefault"},
		{"default", "Deployment", "statsig-operator", ctr + ".securityContext.readOnlyRootFilesystem}", "true"},
		{"default", "Deployment", "statsig-operator", ctr + ".securityContext.allowPrivilegeEscalation}", "false"},
		{"default", "Deployment", "statsig-operator", ctr + ".securityContext.capabilities.drop[0]}", "ALL"},
		{"default", "Deployment", "statsig-operator", ctr + ".livenessProbe.httpGet.path}", "/healthz"},
		{"default", "Deployment", "statsig-operator", ctr + ".readinessProbe.httpGet.path}", "/readyz"},
		{"default", "Deployment", "statsig-operator", ctr + ".ports[?(@.name==\"probes\")].containerPort}", "8081"},
		{"default", "Deployment", "statsig-operator",
			ctr + ".env[?(@.name==\"POD_NAMESPACE\")].valueFrom.fieldRef.fieldPath}", "metadata.namespace"},
		{"default", "Deployment", "statsig-operator", ctr + ".args[?(@==\"--leader-elect=true\")]}", "--leader-elect=true"},
		{"default", "Deployment", "statsig-operator", ctr + ".args[?(@==\"--cert-mode=self\")]}", "--cert-mode=self"},
		{"default", "Deployment", "statsig-operator", ctr + ".resources.limits.memory}", "512Mi"},
		{"default", "Deployment", "statsig-operator", "{.spec.template.spec.volumes[?(@.name==\"webhook-certs\")].emptyDir}",
			"{}"},
		{"default", "Deployment", "statsig-operator", "{.spec.template.spec.topologySpreadConstraints[0].topologyKey}",
			"kubernetes.io/hostname"},
		{"default", "PodDisruptionBudget", "statsig-operator", "{.spec.minAvailable}", "1"},
		{"default", "Service", "statsig-operator-webhook", "{.spec.ports[0].port}", "443"},
		{"default", "Service", "statsig-operator-webhook", "{.spec.ports[0].targetPort}", "webhook"},
		{"default", "Service", "statsig-operator-endpoint", "{.spec.ports[?(@.name==\"http\")].port}", "80"},
		{"default", "Service", "statsig-operator-metrics", "{.spec.ports[?(@.name==\"metrics\")].port}", "8080"},
		{"default", mwh, mwhN, "{.webhooks[0].name}", "pods.statsig-operator.io"},
		{"default", mwh, mwhN, "{.webhooks[0].clientConfig.service.path}", "/mutate--v1-pod"},
		{"default", mwh, mwhN, "{.webhooks[0].clientConfig.caBundle}", ""},
		{"default", mwh, mwhN, "{.webhooks[0].failurePolicy}", "Ignore"},
		{"default", mwh, mwhN, "{.webhooks[0].sideEffects}", "None"},
		{"default", mwh, mwhN, "{.webhooks[0].timeoutSeconds}", "5"},
		{"default", mwh, mwhN, "{.webhooks[0].objectSelector.matchLabels.statsig-operator\\.io/inject}", "enabled"},
		{"default", mwh, mwhN, "{.webhooks[0].namespaceSelector.matchExpressions[0].values}",
			`["kube-system","statsig-system"]`},
		{"default", mwh, mwhN, "{.webhooks[0].rules[0].operations}", `["CREATE"]`},
		{"default", vwh, vwhN, "{.webhooks[0].name}", "statsigspecs.statsig-operator.io"},
		{"default", vwh, vwhN, "{.webhooks[0].clientConfig.service.path}",
			"/validate-flags-statsig-operator-io-v1alpha1-statsigspec"},
		{"default", vwh, vwhN, "{.webhooks[0].rules[0].operations}", `["CREATE","UPDATE"]`},
		{"default", "CustomResourceDefinition", "statsigspecs.flags.statsig-operator.io",
			"{.metadata.annotations.helm\\.sh/resource-policy}", "keep"},
		{"cert-manager", mwh, mwhN, "{.metadata.annotations.cert-manager\\.io/inject-ca-from}",
			"statsig-system/statsig-operator-webhook-cert"},
		{"cert-manager", vwh, vwhN, "{.metadata.annotations.cert-manager\\.io/inject-ca-from}",
			"statsig-system/statsig-operator-webhook-cert"},
		{"cert-manager", "Certificate", "statsig-operator-webhook-cert", "{.spec.dnsNames[0]}",
			"statsig-operator-webhook.statsig-system.svc"},
		{"cert-manager", "Certificate", "statsig-operator-webhook-cert", "{.spec.issuerRef.name}",
			"statsig-operator-selfsigned"},
		{"cert-manager", "Issuer", "statsig-operator-selfsigned", "{.spec.selfSigned}", "{}"},
		{"cert-manager", "Deployment", "statsig-operator", ctr + ".args[?(@==\"--cert-mode=cert-manager\")]}",
			"--cert-mode=cert-manager"},
		{"cert-manager", "Deployment", "statsig-operator",
			"{.spec.template.spec.volumes[?(@.name==\"webhook-certs\")].secret.secretName}", "statsig-operator-webhook-cert"},
		{"external-cert", mwh, mwhN, "{.webhooks[0].clientConfig.caBundle}", "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg=="},
		{"external-cert", mwh, mwhN, "{.webhooks[0].failurePolicy}", "Fail"},
		{"external-cert", "Deployment", "statsig-operator",
			"{.spec.template.spec.volumes[?(@.name==\"webhook-certs\")].secret.secretName}", "my-webhook-tls"},
		{"restricted", "Deployment", "statsig-operator", ctr + ".args[?(@==\"--workload-controller=false\")]}",
			"--workload-controller=false"},
		{"restricted", "ServiceMonitor", "statsig-operator", "{.spec.endpoints[0].port}", "metrics"},
		{"restricted", "ServiceMonitor", "statsig-operator", "{.metadata.labels.release}", "kube-prometheus-stack"},
		{"restricted", "NetworkPolicy", "statsig-operator", "{.spec.ingress[0].ports[0].port}", "9443"},
		{"restricted", "NetworkPolicy", "statsig-operator", "{.spec.egress[0].ports[0].port}", "53"},
		{"restricted", "ClusterRole", "statsig-operator", "{.rules[?(@.apiGroups[0]==\"apps\")].verbs}", ""},
		{"restricted", "ClusterRole", "statsig-operator", "{.rules[?(@.resources[0]==\"configmaps\")].verbs}",
			`["get","list","watch"]`},
		{"restricted", "Role", "statsig-operator", "{.rules[?(@.resources[0]==\"configmaps\")].verbs}", ""},
		{"metrics-secure", "Deployment", "statsig-operator", ctr + ".args[?(@==\"--metrics-secure=true\")]}",
			"--metrics-secure=true"},
		{"metrics-secure", "ServiceMonitor", "statsig-operator", "{.spec.endpoints[0].scheme}", "https"},
		{"metrics-secure", "ClusterRole", "statsig-operator",
			"{.rules[?(@.resources[0]==\"tokenreviews\")].verbs}", `["create"]`},
		{"metrics-secure", "ClusterRole", "statsig-operator",
			"{.rules[?(@.resources[0]==\"subjectaccessreviews\")].verbs}", `["create"]`},
		{"metrics-secure", "ClusterRole", "statsig-operator-metrics-reader", "{.rules[0].nonResourceURLs}", `["/metrics"]`},
		{"default", "ClusterRole", "statsig-operator", "{.rules[?(@.resources[0]==\"tokenreviews\")].verbs}", ""},
		{"default", "ClusterRole", "statsig-operator", "{.rules[?(@.resources[0]==\"namespaces\")].verbs}",
			`["get","list","watch"]`},
		{"default", "ClusterRole", "statsig-operator", "{.rules[?(@.apiGroups[0]==\"apps\")].verbs}",
			`["get","list","watch","patch"]`},
		{"watch-namespaces", "Deployment", "statsig-operator",
			ctr + ".args[?(@==\"--workload-namespaces=shop,web\")]}", "--workload-namespaces=shop,web"},
		{"watch-namespaces", "ClusterRole", "statsig-operator", "{.rules[?(@.apiGroups[0]==\"apps\")].verbs}", ""},
		{"watch-namespaces", "ClusterRole", "statsig-operator", "{.rules[?(@.resources[0]==\"namespaces\")].verbs}",
			`["get","list","watch"]`},
		{"watch-namespaces", "Role", "statsig-operator-workloads", "{.metadata.namespace}", "shop"},
		{"watch-namespaces", "Role", "statsig-operator-workloads", "{.rules[0].resources}",
			`["daemonsets","deployments","statefulsets"]`},
		{"watch-namespaces", "RoleBinding", "statsig-operator-workloads", "{.subjects[0].namespace}", "statsig-system"},
		{"default", "Deployment", "statsig-operator", ctr + ".args[?(@==\"--endpoint-tls=true\")]}", ""},
		{"endpoint-tls", "Deployment", "statsig-operator", ctr + ".args[?(@==\"--endpoint-tls=true\")]}",
			"--endpoint-tls=true"},
		{"endpoint-tls", "Deployment", "statsig-operator", ctr + ".args[?(@==\"--endpoint-cert-mode=self\")]}",
			"--endpoint-cert-mode=self"},
		{"endpoint-tls", "Deployment", "statsig-operator",
			ctr + ".args[?(@==\"--endpoint-cert-dir=/tmp/endpoint-serving-certs\")]}",
			"--endpoint-cert-dir=/tmp/endpoint-serving-certs"},
		{"endpoint-tls", "Deployment", "statsig-operator", ctr + ".ports[?(@.name==\"https\")].containerPort}", "8090"},
		{"endpoint-tls", "Deployment", "statsig-operator",
			ctr + ".volumeMounts[?(@.name==\"endpoint-certs\")].mountPath}", "/tmp/endpoint-serving-certs"},
		{"endpoint-tls", "Deployment", "statsig-operator",
			"{.spec.template.spec.volumes[?(@.name==\"endpoint-certs\")].emptyDir}", "{}"},
		{"endpoint-tls", "Service", "statsig-operator-endpoint", "{.spec.ports[?(@.name==\"https\")].port}", "443"},
		{"endpoint-tls", "Service", "statsig-operator-endpoint", "{.spec.ports[?(@.name==\"https\")].targetPort}",
			"https"},
		{"endpoint-tls", "Service", "statsig-operator-endpoint", "{.spec.ports[?(@.name==\"http\")].port}", ""},
		{"endpoint-tls-cert-manager", "Certificate", "statsig-operator-endpoint-cert", "{.spec.dnsNames}",
			`["statsig-operator-endpoint.statsig-system.svc","statsig-operator-endpoint.statsig-system.svc.cluster.local"]`},
		{"endpoint-tls-cert-manager", "Certificate", "statsig-operator-endpoint-cert", "{.spec.issuerRef.name}",
			"cluster-ca"},
		{"endpoint-tls-cert-manager", "Certificate", "statsig-operator-webhook-cert", "{.spec.issuerRef.kind}",
			"ClusterIssuer"},
		{"endpoint-tls-cert-manager", "Deployment", "statsig-operator",
			ctr + ".args[?(@==\"--endpoint-cert-mode=cert-manager\")]}", "--endpoint-cert-mode=cert-manager"},
		{"endpoint-tls-cert-manager", "Deployment", "statsig-operator",
			"{.spec.template.spec.volumes[?(@.name==\"endpoint-certs\")].secret.secretName}",
			"statsig-operator-endpoint-cert"},
		{"endpoint-tls-external", "Deployment", "statsig-operator",
			ctr + ".args[?(@==\"--endpoint-cert-mode=external\")]}", "--endpoint-cert-mode=external"},
		{"endpoint-tls-external", "Deployment", "statsig-operator", ctr + ".args[?(@==\"--cert-mode=self\")]}",
			"--cert-mode=self"},
		{"endpoint-tls-external", "Deployment", "statsig-operator",
			"{.spec.template.spec.volumes[?(@.name==\"endpoint-certs\")].secret.secretName}", "my-endpoint-tls"},
		{"endpoint-tls-external", "Deployment", "statsig-operator",
			ctr + ".volumeMounts[?(@.name==\"endpoint-certs\")].readOnly}", "true"},
		{"sample-statsigspec", "StatsigSpec", "my-project", "{.spec.secretKeyRef.name}", "statsig-server-key"},
		{"sample-statsigspec", "StatsigSpec", "my-project", "{.spec.secretKeyRef.namespace}", "statsig-system"},
		{"sample-statsigspec", "StatsigSpec", "my-project", "{.spec.environment}", "production"},
		{"sample-inline-key", "Secret", "statsig-server-key", "{.data.secretKey}", "c2VjcmV0LWRlbW8="},
		{"sample-inline-key", "StatsigSpec", "demo", "{.spec.secretKeyRef.key}", "secretKey"},
	}
	cache := map[string][]*unstructured.Unstructured{}
	for _, tc := range cases {
		t.Run(tc.values+"/"+tc.kind+"/"+tc.path, func(t *testing.T) {
			objs, ok := cache[tc.values]
			if !ok {
				objs = mustRender(t, tc.values)
				cache[tc.values] = objs
			}
			obj := find(objs, tc.kind, tc.name)
			if obj == nil {
				t.Fatalf("%s rendering has no %s %s", tc.values, tc.kind, tc.name)
			}
			if got := jp(t, obj, tc.path); got != tc.want {
				t.Errorf("%s %s %s = %q, want %q", tc.kind, tc.name, tc.path, got, tc.want)
			}
		})
	}
}

// TestRejectedValues checks that the schema and the templates refuse broken configurations with
// a message that says what to change.
func TestRejectedValues(t *testing.T) {
	cases := []struct {
		name string
		set  []string
		want string
	}{
		{"unknown key", []string{"replicas=3"}, "additional properties 'replicas' not allowed"},
		{"bad failure policy", []string{"webhook.failurePolicy=Open"}, "value must be one of 'Ignore', 'Fail'"},
		{"timeout too long", []string{"webhook.timeoutSeconds=31"}, "timeoutSeconds"},
		{"replicas without leader election", []string{"leaderElection.enabled=false"}, "needs leaderElection.enabled"},
		{"two certificate sources",
			[]string{"certManager.enabled=true", "webhook.externalCert.secretName=x", "webhook.externalCert.caBundle=eA=="},
			"mutually exclusive"},
		{"external cert without CA", []string{"webhook.externalCert.secretName=x"}, "caBundle is required"},
		{"two endpoint certificate sources",
			[]string{"endpoint.tls.enabled=true", "certManager.enabled=true", "endpoint.tls.externalCert.secretName=x"},
			"endpoint.tls.externalCert.secretName are mutually exclusive"},
		{"unknown endpoint TLS key", []string{"endpoint.tls.port=8443"}, "additional properties 'port' not allowed"},
		{"ServiceMonitor without metrics", []string{"metrics.enabled=false", "metrics.serviceMonitor.enabled=true"},
			"needs metrics.enabled"},
		{"StatsigSpec without key", []string{"statsigSpec.create=true"}, "needs statsigSpec.secretKey.existingSecret"},
		{
			"StatsigSpec with two keys",
			[]string{
				"statsigSpec.create=true",
				"statsigSpec.secretKey.existingSecret=k",
				"statsigSpec.secretKey.value=secret-x",
			},
			"not both",
		},
		{"secretKeyRef in spec", []string{"statsigSpec.spec.secretKeyRef.name=k"}, "'not' failed"},
		{"client key instead of server key", []string{"statsigSpec.secretKey.value=client-abc"},
			"statsigSpec/secretKey/value"},
		{"image digest malformed", []string{"image.digest=latest"}, "image/digest"},
		{"watch namespace not a name", []string{"workloadController.watchNamespaces={Shop_1}"},
			"workloadController/watchNamespaces"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var args []string
			for _, s := range tc.set {
				args = append(args, "--set", s)
			}
			out, err := render(t, "default", args...)
			if err == nil {
				t.Fatalf("rendering succeeded, want an error containing %q\n%.400s", tc.want, out)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error does not contain %q:\n%v", tc.want, err)
			}
		})
	}
}

// TestChartCRDsInSync fails when the chart's copy of the CRDs differs from config/crd/bases.
func TestChartCRDsInSync(t *testing.T) {
	bases, err := filepath.Glob(filepath.Join(root, "config", "crd", "bases", "*.yaml"))
	if err != nil || len(bases) == 0 {
		t.Fatalf("no CRDs in config/crd/bases (%v): run `make manifests`", err)
	}
	copies, _ := filepath.Glob(filepath.Join(chartDir, "files", "crds", "*.yaml"))
	if len(copies) != len(bases) {
		t.Errorf("chart has %d CRD files, config/crd/bases has %d: run hack/sync-chart-crds.sh", len(copies), len(bases))
	}
	for _, base := range bases {
		want, err := os.ReadFile(base)
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join(chartDir, "files", "crds", filepath.Base(base)))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf(
				"charts/statsig-operator/files/crds/%s differs from config/crd/bases: run hack/sync-chart-crds.sh",
				filepath.Base(base),
			)
		}
	}
}

// TestRenderedCRDMatchesBase checks that templating only adds metadata to the generated CRD.
func TestRenderedCRDMatchesBase(t *testing.T) {
	objs := mustRender(t, "default")
	bases, _ := filepath.Glob(filepath.Join(root, "config", "crd", "bases", "*.yaml"))
	for _, base := range bases {
		raw, err := os.ReadFile(base)
		if err != nil {
			t.Fatal(err)
		}
		var want map[string]any
		if err := yaml.Unmarshal(raw, &want); err != nil {
			t.Fatal(err)
		}
		name := want["metadata"].(map[string]any)["name"].(string)
		got := find(objs, "CustomResourceDefinition", name)
		if got == nil {
			t.Fatalf("default rendering has no CRD %s", name)
		}
		if !reflect.DeepEqual(got.Object["spec"], want["spec"]) {
			t.Errorf("rendered CRD %s spec differs from %s", name, base)
		}
		if v := got.GetAnnotations()["controller-gen.kubebuilder.io/version"]; v == "" {
			t.Errorf("rendered CRD %s lost the controller-gen annotation", name)
		}
	}
	// crds.install=false renders no CRD at all; crds.keep=false drops only the policy.
	for _, tc := range []struct {
		set     string
		wantCRD bool
	}{{"crds.install=false", false}, {"crds.keep=false", true}} {
		out, err := render(t, "default", "--set", tc.set)
		if err != nil {
			t.Fatal(err)
		}
		objs, _ := decodeAll(out)
		crd := find(objs, "CustomResourceDefinition", "statsigspecs.flags.statsig-operator.io")
		if (crd != nil) != tc.wantCRD {
			t.Errorf("--set %s: CRD rendered = %v, want %v", tc.set, crd != nil, tc.wantCRD)
		}
		if crd != nil && crd.GetAnnotations()["helm.sh/resource-policy"] != "" {
			t.Errorf("--set %s: CRD still has helm.sh/resource-policy", tc.set)
		}
	}
}
