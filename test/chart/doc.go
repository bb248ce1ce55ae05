// Package chart holds the tests of the Helm chart (charts/statsig-operator) and of the kustomize
// install (config/default): lint, golden renderings, a server-side apply against a real
// kube-apiserver, and agreement between the two on RBAC, CRDs and webhooks.
//
// It is its own Go module so that Helm's and kustomize's dependencies stay out of the
// operator's go.mod; Helm itself is a binary built by hack/helm.sh.
package chart
