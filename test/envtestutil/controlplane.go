package envtestutil

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

// WorkloadControllers are the kube-controller-manager controllers that turn Deployments,
// StatefulSets and DaemonSets into Pods, plus node-lifecycle-controller: new Nodes get a
// not-ready NoSchedule taint at admission and only that controller lifts it once kwok
// reports them Ready.
var WorkloadControllers = []string{
	"deployment-controller", "replicaset-controller", "statefulset-controller", "daemonset-controller",
	"garbage-collector-controller", "namespace-controller", "serviceaccount-controller",
	"node-lifecycle-controller",
}

// WriteAdminKubeconfig adds a system:masters user to a started environment and writes its
// kubeconfig to path, for kubectl, kube-controller-manager, kube-scheduler, kwok and the
// operator binary.
func WriteAdminKubeconfig(env *envtest.Environment, path string) error {
	user, err := env.ControlPlane.AddUser(envtest.User{Name: "admin", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		return fmt.Errorf("add admin user: %w", err)
	}
	data, err := user.KubeConfig()
	if err != nil {
		return fmt.Errorf("render kubeconfig: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o600)
}

// StartControllerManager starts kube-controller-manager (built by hack/envtest-assets.sh)
// with the given controllers against the kubeconfig. It stops when ctx is cancelled; the
// returned wait function waits for the process to exit.
func StartControllerManager(
	ctx context.Context,
	kubeconfig string,
	controllers []string,
	logFile string,
) (wait func() error, err error) {
	return startAsset(ctx, "kube-controller-manager", []string{
		"--kubeconfig=" + kubeconfig,
		"--authentication-kubeconfig=" + kubeconfig,
		"--authorization-kubeconfig=" + kubeconfig,
		"--controllers=" + strings.Join(controllers, ","),
		"--leader-elect=false",
		"--use-service-account-credentials=false",
		"--bind-address=127.0.0.1",
		"--secure-port=0",
		"--concurrent-deployment-syncs=10",
		"--concurrent-replicaset-syncs=10",
	}, nil, logFile)
}

// startAsset starts a binary from AssetsDir with its output in logFile (discarded when
// empty). Cancelling ctx sends SIGINT, then SIGKILL after 10s; wait reaps the process.
func startAsset(ctx context.Context, name string, args, env []string, logFile string) (wait func() error, err error) {
	dir, err := AssetsDir()
	if err != nil {
		return nil, err
	}
	bin := filepath.Join(dir, name)
	if _, err := os.Stat(bin); err != nil {
		return nil, fmt.Errorf("%s not built: run `make envtest-assets`: %w", name, err)
	}
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 10 * time.Second
	if env != nil {
		cmd.Env = append(os.Environ(), env...)
	}
	var f *os.File
	if logFile != "" {
		if f, err = os.Create(logFile); err != nil {
			return nil, err
		}
		cmd.Stdout, cmd.Stderr = f, f
	}
	if err := cmd.Start(); err != nil {
		if f != nil {
			_ = f.Close()
		}
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	return func() error {
		err := cmd.Wait()
		if f != nil {
			_ = f.Close()
		}
		return err
	}, nil
}
