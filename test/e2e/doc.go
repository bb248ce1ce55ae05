// Package e2e runs the webhook and the workload controller against a real kube-apiserver with
// the real kube-controller-manager turning Deployments into ReplicaSets and Pods, kube-scheduler
// placing them and kwok running them on simulated nodes, so rolling updates complete.
package e2e
