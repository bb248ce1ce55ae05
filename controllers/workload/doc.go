// Package workload re-evaluates annotated Deployments, StatefulSets and DaemonSets whenever a
// new snapshot revision is served and, when their results change, server-side-applies the new
// env vars and a results hash to their pod template so Kubernetes rolls them.
package workload
