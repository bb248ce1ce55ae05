// Package e2e runs the webhook and the workload controller against a real kube-apiserver with the real kube-controller-manager turning Deployments into ReplicaSets and Pods.
package e2e
