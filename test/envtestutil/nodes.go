package envtestutil

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// KwokNodeAnnotation marks the Nodes kwok simulates (it is started with this selector).
const KwokNodeAnnotation = "kwok.x-k8s.io/node"

// StartScheduler starts kube-scheduler against the kubeconfig; it serves nothing (no
// secure port) and stops when ctx is cancelled.
func StartScheduler(ctx context.Context, kubeconfig, logFile string) (waitFn func() error, err error) {
	return startAsset(ctx, "kube-scheduler", []string{
		"--kubeconfig=" + kubeconfig,
		"--authentication-kubeconfig=" + kubeconfig,
		"--authorization-kubeconfig=" + kubeconfig,
		"--leader-elect=false",
		"--bind-address=127.0.0.1",
		"--secure-port=0",
	}, nil, logFile)
}

// StartKwok starts kwok, which plays the kubelet for the annotated Nodes: it keeps them Ready
// (status and leases) and moves their pods to Running/Ready, and finishes deleting them, with
// the default stages kwokctl would use (kwok-stages.yaml, cached by hack/kwok-assets.sh). It
// opens no port. workDir replaces ~/.kwok so a user's kwok config is not picked up.
func StartKwok(ctx context.Context, kubeconfig, workDir, logFile string) (waitFn func() error, err error) {
	dir, err := AssetsDir()
	if err != nil {
		return nil, err
	}
	return startAsset(ctx, "kwok", []string{
		"--kubeconfig=" + kubeconfig,
		"--config=" + filepath.Join(dir, "kwok-stages.yaml"),
		"--manage-nodes-with-annotation-selector=" + KwokNodeAnnotation + "=fake",
		// Leases, as kubelets keep them: kwok's default (0) keeps none, and then
		// node-lifecycle-controller marks the nodes NotReady and their pods unready after 50s.
		"--node-lease-duration-seconds=40",
		// Pod IPs come from here; the default /24 runs out in the 200-pod e2e spec.
		"--cidr=10.244.0.0/16",
	}, []string{"KWOK_WORKDIR=" + workDir}, logFile)
}

// CreateNodes creates n kwok Nodes (kwok-node-0, ...) and waits until the scheduler can use
// them and they stay usable: Ready, without taints, and with a Lease kwok renews.
func CreateNodes(ctx context.Context, c client.Client, n int, timeout time.Duration) error {
	for i := range n {
		name := fmt.Sprintf("kwok-node-%d", i)
		node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{
			Name:        name,
			Annotations: map[string]string{KwokNodeAnnotation: "fake"},
			Labels: map[string]string{
				"type": "kwok", "kubernetes.io/hostname": name,
				"kubernetes.io/os": "linux", "kubernetes.io/arch": runtime.GOARCH,
			},
		}}
		if err := c.Create(ctx, node); err != nil {
			return fmt.Errorf("create node %s: %w", name, err)
		}
	}
	var last string
	err := wait.PollUntilContextTimeout(ctx, 250*time.Millisecond, timeout, true, func(ctx context.Context) (bool, error) {
		var nodes corev1.NodeList
		if err := c.List(ctx, &nodes); err != nil {
			last = err.Error()
			return false, nil
		}
		var leases coordinationv1.LeaseList
		if err := c.List(ctx, &leases, client.InNamespace(corev1.NamespaceNodeLease)); err != nil {
			last = err.Error()
			return false, nil
		}
		held := map[string]bool{}
		for _, l := range leases.Items {
			held[l.Name] = l.Spec.RenewTime != nil
		}
		ready := 0
		for _, node := range nodes.Items {
			if schedulable(node) && held[node.Name] {
				ready++
			} else {
				last = fmt.Sprintf("node %s: lease %v, conditions %v, taints %v",
					node.Name, held[node.Name], node.Status.Conditions, node.Spec.Taints)
			}
		}
		return ready >= n, nil
	})
	if err != nil {
		return fmt.Errorf("nodes not Ready, untainted and leased within %s (%s): %w", timeout, last, err)
	}
	return nil
}

func schedulable(node corev1.Node) bool {
	if len(node.Spec.Taints) > 0 {
		return false
	}
	for _, c := range node.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}
