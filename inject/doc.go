// Package inject turns statsig-operator.io annotations and an object's metadata into a Statsig
// user, evaluates the requested entities in memory and renders the results as env vars and an
// annotation; the pod webhook and the workload controller share it.
package inject
