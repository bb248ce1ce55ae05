package chart_test

import (
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
)

// kustomizeBuild builds a kustomization directory the way `kustomize build` does.
func kustomizeBuild(t *testing.T, dir string) []*unstructured.Unstructured {
	t.Helper()
	// Every directory config/default includes needs its own kustomization.yaml.
	for _, sub := range []string{"crd", "rbac", "webhook", "manager"} {
		if _, err := os.Stat(filepath.Join(root, "config", sub, "kustomization.yaml")); err != nil {
			t.Fatalf("config/default includes config/%s, which has no kustomization.yaml: %v", sub, err)
		}
	}
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	m, err := k.Run(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		t.Fatalf("kustomize build %s: %v", dir, err)
	}
	out, err := m.AsYaml()
	if err != nil {
		t.Fatal(err)
	}
	objs, err := decodeAll(string(out))
	if err != nil {
		t.Fatal(err)
	}
	return objs
}

// rbacGrants flattens every rule bound to the operator's ServiceAccount into one string per
// (scope, apiGroup, resource, resourceName, verb), so two installs can be compared whatever
// their Roles are called or however their rules are grouped.
func rbacGrants(t *testing.T, objs []*unstructured.Unstructured) []string {
	t.Helper()
	roles := map[string]*unstructured.Unstructured{}
	for _, o := range objs {
		if o.GetKind() == "Role" || o.GetKind() == "ClusterRole" {
			roles[o.GetKind()+"/"+o.GetNamespace()+"/"+o.GetName()] = o
		}
	}
	set := map[string]bool{}
	for _, b := range objs {
		if b.GetKind() != "RoleBinding" && b.GetKind() != "ClusterRoleBinding" {
			continue
		}
		subjects, _, _ := unstructured.NestedSlice(b.Object, "subjects")
		bound := false
		for _, s := range subjects {
			s := s.(map[string]any)
			if s["kind"] == "ServiceAccount" && s["name"] == "statsig-operator" && s["namespace"] == namespace {
				bound = true
			}
		}
		if !bound {
			continue
		}
		refKind, _, _ := unstructured.NestedString(b.Object, "roleRef", "kind")
		refName, _, _ := unstructured.NestedString(b.Object, "roleRef", "name")
		roleNS := ""
		if refKind == "Role" {
			roleNS = b.GetNamespace()
		}
		role := roles[refKind+"/"+roleNS+"/"+refName]
		if role == nil {
			t.Errorf("%s %s refers to %s %s, which is not in the install", b.GetKind(), b.GetName(), refKind, refName)
			continue
		}
		// A ClusterRole bound by a RoleBinding grants only in that namespace.
		scope := "cluster"
		if b.GetKind() == "RoleBinding" {
			scope = "namespace " + b.GetNamespace()
		}
		rules, _, _ := unstructured.NestedSlice(role.Object, "rules")
		for _, r := range rules {
			r := r.(map[string]any)
			names := strs(r["resourceNames"])
			if len(names) == 0 {
				names = []string{"*"}
			}
			for _, g := range strs(r["apiGroups"]) {
				for _, res := range strs(r["resources"]) {
					for _, n := range names {
						for _, v := range strs(r["verbs"]) {
							set[strings.Join([]string{scope, g, res, n, v}, " | ")] = true
						}
					}
				}
			}
		}
	}
	return slices.Sorted(maps.Keys(set))
}

func strs(v any) []string {
	vs := asSlice(v)
	out := make([]string, 0, len(vs))
	for _, s := range vs {
		out = append(out, s.(string))
	}
	return out
}

func asSlice(v any) []any {
	s, _ := v.([]any)
	return s
}

// webhookEssentials keeps the fields of a webhook configuration that decide what reaches the
// operator and how; caBundle and fields the apiserver defaults are left out.
func webhookEssentials(o *unstructured.Unstructured) []map[string]any {
	hooks, _, _ := unstructured.NestedSlice(o.Object, "webhooks")
	out := make([]map[string]any, 0, len(hooks))
	for _, h := range hooks {
		h := h.(map[string]any)
		svc, _, _ := unstructured.NestedMap(h, "clientConfig", "service")
		e := map[string]any{
			"name": h["name"], "failurePolicy": h["failurePolicy"], "sideEffects": h["sideEffects"],
			"timeoutSeconds": h["timeoutSeconds"], "admissionReviewVersions": h["admissionReviewVersions"],
			"objectSelector": h["objectSelector"], "namespaceSelector": h["namespaceSelector"],
			"service": []any{svc["name"], svc["namespace"], svc["path"]},
		}
		hookRules := asSlice(h["rules"])
		rules := make([]any, 0, len(hookRules))
		for _, r := range hookRules {
			r := r.(map[string]any)
			rules = append(rules, []any{r["apiGroups"], r["apiVersions"], r["operations"], r["resources"]})
		}
		e["rules"] = rules
		out = append(out, e)
	}
	return out
}

// containerEssentials keeps what the binary sees of the manager container.
func containerEssentials(t *testing.T, d *unstructured.Unstructured) map[string]any {
	t.Helper()
	containers, _, _ := unstructured.NestedSlice(d.Object, "spec", "template", "spec", "containers")
	if len(containers) != 1 {
		t.Fatalf("Deployment %s has %d containers, want 1", d.GetName(), len(containers))
	}
	c := containers[0].(map[string]any)
	args := strs(c["args"])
	slices.Sort(args)
	volumeMounts := asSlice(c["volumeMounts"])
	mounts := make([]string, 0, len(volumeMounts))
	for _, m := range volumeMounts {
		mounts = append(mounts, m.(map[string]any)["mountPath"].(string))
	}
	slices.Sort(mounts)
	podSC, _, _ := unstructured.NestedMap(d.Object, "spec", "template", "spec", "securityContext")
	sa, _, _ := unstructured.NestedString(d.Object, "spec", "template", "spec", "serviceAccountName")
	replicas, _, _ := unstructured.NestedInt64(d.Object, "spec", "replicas")
	return map[string]any{
		"args": args, "ports": c["ports"], "env": c["env"], "securityContext": c["securityContext"],
		"livenessProbe": c["livenessProbe"], "readinessProbe": c["readinessProbe"], "mounts": mounts,
		"podSecurityContext": podSC, "serviceAccountName": sa, "replicas": replicas,
	}
}

// TestKustomizeAgreesWithChart builds config/default and compares it with the chart's default
// rendering: the same RBAC grants, CRDs, webhooks, Services and manager container.
func TestKustomizeAgreesWithChart(t *testing.T) {
	chart := mustRender(t, "default")
	kust := kustomizeBuild(t, filepath.Join(root, "config", "default"))

	t.Run("RBAC", func(t *testing.T) {
		want, got := rbacGrants(t, chart), rbacGrants(t, kust)
		for _, g := range want {
			if !slices.Contains(got, g) {
				t.Errorf("chart grants, config/default does not: %s", g)
			}
		}
		for _, g := range got {
			if !slices.Contains(want, g) {
				t.Errorf("config/default grants, chart does not: %s", g)
			}
		}
		if len(want) == 0 {
			t.Error("the chart grants nothing to ServiceAccount statsig-operator")
		}
	})
	t.Run("CRDs", func(t *testing.T) {
		for _, c := range chart {
			if c.GetKind() != "CustomResourceDefinition" {
				continue
			}
			k := find(kust, c.GetKind(), c.GetName())
			if k == nil {
				t.Errorf("config/default has no CRD %s", c.GetName())
				continue
			}
			if !reflect.DeepEqual(c.Object["spec"], k.Object["spec"]) {
				t.Errorf(
					"CRD %s: chart and config/default specs differ (run `make manifests` and hack/sync-chart-crds.sh)",
					c.GetName(),
				)
			}
		}
	})
	t.Run("webhooks", func(t *testing.T) {
		for _, kind := range []string{"MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"} {
			for _, c := range chart {
				if c.GetKind() != kind {
					continue
				}
				k := find(kust, kind, c.GetName())
				if k == nil {
					t.Errorf("config/default has no %s %s", kind, c.GetName())
					continue
				}
				if w, g := webhookEssentials(c), webhookEssentials(k); !reflect.DeepEqual(w, g) {
					t.Errorf("%s %s differs:\n chart:     %v\n kustomize: %v", kind, c.GetName(), w, g)
				}
			}
		}
	})
	t.Run("workloads", func(t *testing.T) {
		for _, c := range chart {
			switch c.GetKind() {
			case "Service", "ServiceAccount", "PodDisruptionBudget", "Deployment":
			default:
				continue
			}
			k := find(kust, c.GetKind(), c.GetName())
			if k == nil || k.GetNamespace() != namespace {
				t.Errorf("config/default has no %s %s/%s", c.GetKind(), namespace, c.GetName())
				continue
			}
			switch c.GetKind() {
			case "Service":
				cp, _, _ := unstructured.NestedSlice(c.Object, "spec", "ports")
				kp, _, _ := unstructured.NestedSlice(k.Object, "spec", "ports")
				if !reflect.DeepEqual(cp, kp) {
					t.Errorf("Service %s ports differ:\n chart:     %v\n kustomize: %v", c.GetName(), cp, kp)
				}
			case "Deployment":
				if w, g := containerEssentials(t, c), containerEssentials(t, k); !reflect.DeepEqual(w, g) {
					for key := range w {
						if !reflect.DeepEqual(w[key], g[key]) {
							t.Errorf("Deployment %s %s differs:\n chart:     %v\n kustomize: %v", c.GetName(), key, w[key], g[key])
						}
					}
				}
			}
		}
	})
}

// TestKustomizeOptionalComponents builds config/default with every optional part enabled, as the
// comments in config/default/kustomization.yaml describe.
func TestKustomizeOptionalComponents(t *testing.T) {
	dir := t.TempDir()
	rel := func(p string) string {
		r, err := filepath.Rel(dir, filepath.Join(root, "config", p))
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	overlay := "resources:\n- " + rel("default") + "\n- " + rel("prometheus") + "\n- " + rel("network-policy") +
		"\ncomponents:\n- " + rel("certmanager") + "\n- " + rel("metrics-auth") + "\n- " + rel("endpoint-tls") +
		"\nnamespace: " + namespace + "\n"
	if err := os.WriteFile(filepath.Join(dir, "kustomization.yaml"), []byte(overlay), 0o644); err != nil {
		t.Fatal(err)
	}
	objs := kustomizeBuild(t, dir)
	cases := []struct{ kind, name, path, want string }{
		{"ServiceMonitor", "statsig-operator", "{.spec.endpoints[0].port}", "metrics"},
		{"NetworkPolicy", "statsig-operator-allow-webhook", "{.spec.ingress[0].ports[0].port}", "9443"},
		{"NetworkPolicy", "statsig-operator-allow-metrics", "{.spec.ingress[0].ports[0].port}", "8080"},
		{"Certificate", "statsig-operator-webhook-cert", "{.spec.secretName}", "statsig-operator-webhook-cert"},
		{"Certificate", "statsig-operator-webhook-cert", "{.spec.dnsNames[0]}",
			"statsig-operator-webhook.statsig-system.svc"},
		{"Issuer", "statsig-operator-selfsigned", "{.metadata.namespace}", namespace},
		{"MutatingWebhookConfiguration", "statsig-operator-mutating",
			"{.metadata.annotations.cert-manager\\.io/inject-ca-from}", "statsig-system/statsig-operator-webhook-cert"},
		{"ValidatingWebhookConfiguration", "statsig-operator-validating",
			"{.metadata.annotations.cert-manager\\.io/inject-ca-from}", "statsig-system/statsig-operator-webhook-cert"},
		{"Deployment", "statsig-operator", "{.spec.template.spec.containers[0].args[?(@==\"--cert-mode=cert-manager\")]}",
			"--cert-mode=cert-manager"},
		{"Deployment", "statsig-operator", "{.spec.template.spec.volumes[?(@.name==\"webhook-certs\")].secret.secretName}",
			"statsig-operator-webhook-cert"},
		{"Deployment", "statsig-operator", "{.spec.template.spec.containers[0].args[?(@==\"--metrics-secure=true\")]}",
			"--metrics-secure=true"},
		{"ClusterRole", "statsig-operator-metrics-auth", "{.rules[0].resources[0]}", "tokenreviews"},
		{"ClusterRoleBinding", "statsig-operator-metrics-auth", "{.subjects[0].namespace}", namespace},
		{"ClusterRole", "statsig-operator-metrics-reader", "{.rules[0].nonResourceURLs[0]}", "/metrics"},
		{"Deployment", "statsig-operator", "{.spec.template.spec.containers[0].args[?(@==\"--endpoint-tls=true\")]}",
			"--endpoint-tls=true"},
		{"Deployment", "statsig-operator",
			"{.spec.template.spec.containers[0].args[?(@==\"--endpoint-cert-mode=self\")]}", "--endpoint-cert-mode=self"},
		{"Deployment", "statsig-operator",
			"{.spec.template.spec.containers[0].ports[?(@.name==\"https\")].containerPort}", "8090"},
		{"Service", "statsig-operator-endpoint", "{.spec.ports[0].port}", "443"},
		{"Service", "statsig-operator-endpoint", "{.spec.ports[0].targetPort}", "https"},
	}
	for _, tc := range cases {
		obj := find(objs, tc.kind, tc.name)
		if obj == nil {
			t.Errorf("no %s %s in the build", tc.kind, tc.name)
			continue
		}
		if got := jp(t, obj, tc.path); got != tc.want {
			t.Errorf("%s %s %s = %q, want %q", tc.kind, tc.name, tc.path, got, tc.want)
		}
	}
	d := find(objs, "Deployment", "statsig-operator")
	if d != nil && strings.Contains(jp(t, d, "{.spec.template.spec.containers[0].args}"), "--cert-mode=self") {
		t.Error("the certmanager component left --cert-mode=self in place")
	}
}

// Changing the one `namespace:` line of config/default moves everything, the webhooks'
// Service reference and the namespace the Pod webhook skips included.
func TestKustomizeNamespaceFollows(t *testing.T) {
	dir := t.TempDir()
	if err := os.CopyFS(filepath.Join(dir, "config"), os.DirFS(filepath.Join(root, "config"))); err != nil {
		t.Fatal(err)
	}
	kfile := filepath.Join(dir, "config", "default", "kustomization.yaml")
	b, err := os.ReadFile(kfile)
	if err != nil {
		t.Fatal(err)
	}
	b = []byte(strings.Replace(string(b), "namespace: statsig-system", "namespace: flags-platform", 1))
	if err := os.WriteFile(kfile, b, 0o644); err != nil {
		t.Fatal(err)
	}
	found := 0
	for _, o := range kustomizeBuild(t, filepath.Join(dir, "config", "default")) {
		if o.GetKind() != "MutatingWebhookConfiguration" && o.GetKind() != "ValidatingWebhookConfiguration" {
			if ns := o.GetNamespace(); ns != "" && ns != "flags-platform" {
				t.Errorf("%s %s is in namespace %q", o.GetKind(), o.GetName(), ns)
			}
			continue
		}
		found++
		hooks, _, _ := unstructured.NestedSlice(o.Object, "webhooks")
		for _, h := range hooks {
			hm := h.(map[string]any)
			ns, _, _ := unstructured.NestedString(hm, "clientConfig", "service", "namespace")
			if ns != "flags-platform" {
				t.Errorf("%s calls the webhook Service in namespace %q", o.GetKind(), ns)
			}
			exprs, _, _ := unstructured.NestedSlice(hm, "namespaceSelector", "matchExpressions")
			if o.GetKind() == "MutatingWebhookConfiguration" {
				values := exprs[0].(map[string]any)["values"].([]any)
				if !slices.Contains(values, any("flags-platform")) || slices.Contains(values, any("statsig-system")) {
					t.Errorf("the Pod webhook skips namespaces %v, want the operator's own", values)
				}
			}
		}
	}
	if found != 2 {
		t.Fatalf("found %d webhook configurations, want 2", found)
	}
}

// Watch-namespaces mode the way config/workload-namespaces describes it (an overlay without a
// namespace: line: config/default, the component, and the Roles of roles/) grants what the
// chart grants with workloadController.watchNamespaces: [apps], and passes the same flag.
func TestKustomizeWatchNamespaces(t *testing.T) {
	out, err := render(t, "default", "--set", "workloadController.watchNamespaces={apps}")
	if err != nil {
		t.Fatal(err)
	}
	chart, err := decodeAll(out)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	rel := func(p string) string {
		r, err := filepath.Rel(dir, filepath.Join(root, "config", p))
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	overlay := "resources:\n- " + rel("default") + "\n- " + rel("workload-namespaces/roles") +
		"\ncomponents:\n- " + rel("workload-namespaces") + "\n"
	if err := os.WriteFile(filepath.Join(dir, "kustomization.yaml"), []byte(overlay), 0o644); err != nil {
		t.Fatal(err)
	}
	kust := kustomizeBuild(t, dir)

	want, got := rbacGrants(t, chart), rbacGrants(t, kust)
	if !slices.Equal(want, got) {
		t.Errorf("RBAC differs:\n chart:     %q\n kustomize: %q", want, got)
	}
	if !slices.Contains(got, "namespace apps | apps | deployments | * | patch") ||
		slices.Contains(got, "cluster | apps | deployments | * | patch") {
		t.Errorf("want deployments patched in namespace apps only: %q", got)
	}
	c, k := find(chart, "Deployment", "statsig-operator"), find(kust, "Deployment", "statsig-operator")
	if c == nil || k == nil {
		t.Fatal("no Deployment statsig-operator")
	}
	const flag = "{.spec.template.spec.containers[0].args[?(@==\"--workload-namespaces=apps\")]}"
	for name, d := range map[string]*unstructured.Unstructured{"chart": c, "kustomize": k} {
		if got := jp(t, d, flag); got != "--workload-namespaces=apps" {
			t.Errorf("%s: no --workload-namespaces=apps in the manager's args", name)
		}
	}
}
