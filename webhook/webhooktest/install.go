// Package webhooktest registers the generated webhook configurations
// (config/webhook/manifests.yaml, shaped by the install conventions: names, opt-in label,
// namespace exclusions) with an envtest control plane, for the webhook and e2e suites.
package webhooktest

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/yaml"

	"github.com/statsig-operator/statsig-operator/inject"
	"github.com/statsig-operator/statsig-operator/test/envtestutil"
	"github.com/statsig-operator/statsig-operator/webhook"
)

// InstallOptions reads the generated manifests and applies what config/default patches in:
// the conventional names, the Pod webhook's objectSelector (inject label) and a
// namespaceSelector excluding kube-system and operatorNamespace.
func InstallOptions(operatorNamespace string) (envtest.WebhookInstallOptions, error) {
	var opts envtest.WebhookInstallOptions
	raw, err := os.ReadFile(filepath.Join(envtestutil.RepoRoot(), "config", "webhook", "manifests.yaml"))
	if err != nil {
		return opts, fmt.Errorf("run `make manifests`: %w", err)
	}
	dec := utilyaml.NewDocumentDecoder(io.NopCloser(bytes.NewReader(raw)))
	buf := make([]byte, len(raw))
	for {
		n, err := dec.Read(buf)
		if err == io.EOF {
			break
		}
		if err != nil {
			return opts, err
		}
		doc := buf[:n]
		var meta metav1.TypeMeta
		if err := yaml.Unmarshal(doc, &meta); err != nil {
			return opts, err
		}
		switch meta.Kind {
		case "MutatingWebhookConfiguration":
			var m admissionregistrationv1.MutatingWebhookConfiguration
			if err := yaml.Unmarshal(doc, &m); err != nil {
				return opts, err
			}
			m.Name = webhook.MutatingConfigName
			for i := range m.Webhooks {
				m.Webhooks[i].ObjectSelector = &metav1.LabelSelector{
					MatchLabels: map[string]string{inject.LabelInject: inject.LabelInjectValue},
				}
				m.Webhooks[i].NamespaceSelector = &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{
					Key:      "kubernetes.io/metadata.name",
					Operator: metav1.LabelSelectorOpNotIn,
					Values:   []string{"kube-system", operatorNamespace},
				}}}
			}
			opts.MutatingWebhooks = append(opts.MutatingWebhooks, &m)
		case "ValidatingWebhookConfiguration":
			var v admissionregistrationv1.ValidatingWebhookConfiguration
			if err := yaml.Unmarshal(doc, &v); err != nil {
				return opts, err
			}
			v.Name = webhook.ValidatingConfigName
			opts.ValidatingWebhooks = append(opts.ValidatingWebhooks, &v)
		}
	}
	if len(opts.MutatingWebhooks) == 0 || len(opts.ValidatingWebhooks) == 0 {
		return opts, fmt.Errorf("config/webhook/manifests.yaml lacks a webhook configuration: run `make manifests`")
	}
	return opts, nil
}
