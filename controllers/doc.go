// Package controllers holds the StatsigSpec sync controller: it fetches each project's config
// specs, validates them with the evaluator and stores them as cluster snapshots.
package controllers

// Leader election (wired in main.go) needs its lease in the operator's namespace.
// +kubebuilder:rbac:groups=coordination.k8s.io,namespace=system,resources=leases,verbs=get;create;update
