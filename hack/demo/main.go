// Command demo runs the whole operator locally with no cluster, no Docker and no internet:
// a real kube-apiserver + etcd + kube-controller-manager (built by hack/envtest-assets.sh),
// the operator with every role, and the samples applied. Ctrl-C stops everything it started.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/statsig-operator/statsig-operator/test/envtestutil"
)

func main() {
	operator := flag.String("operator", "bin/statsig-operator", "Path of the operator binary (make build).")
	dir := flag.String("dir", ".demo", "Directory for the kubeconfig and logs.")
	smoke := flag.Bool("smoke", false, "Exit once everything is up (used by tests).")
	flag.Parse()
	if err := run(*operator, *dir, *smoke); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

func run(operator, dir string, smoke bool) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	abs, _ := filepath.Abs(dir)
	kubeconfig := filepath.Join(abs, "kubeconfig")

	step("Starting etcd and kube-apiserver")
	env, err := envtestutil.NewEnvironment()
	if err != nil {
		return err
	}
	if _, err := env.Start(); err != nil {
		return fmt.Errorf("start control plane: %w", err)
	}
	defer func() { step("Stopping the control plane"); _ = env.Stop() }()
	if err := envtestutil.WriteAdminKubeconfig(env, kubeconfig); err != nil {
		return err
	}

	step("Starting kube-controller-manager")
	kcmWait, err := envtestutil.StartControllerManager(ctx, kubeconfig, envtestutil.WorkloadControllers, filepath.Join(abs, "kube-controller-manager.log"))
	if err != nil {
		return err
	}
	defer func() { _ = kcmWait() }()

	kubectl := func(args ...string) error {
		assets, _ := envtestutil.AssetsDir()
		cmd := exec.CommandContext(ctx, filepath.Join(assets, "kubectl"), append([]string{"--kubeconfig", kubeconfig}, args...)...)
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		return cmd.Run()
	}
	step("Creating namespace statsig-system and applying config/samples")
	if err := kubectl("create", "namespace", "statsig-system"); err != nil {
		return err
	}
	if err := kubectl("apply", "-f", filepath.Join(envtestutil.RepoRoot(), "config", "samples")); err != nil {
		return err
	}

	step("Starting the operator (" + operator + ")")
	op := exec.CommandContext(ctx, operator, "--leader-elect=false", "--metrics-bind-address=127.0.0.1:8080", "--health-probe-bind-address=127.0.0.1:8081")
	op.Env = append(os.Environ(), "KUBECONFIG="+kubeconfig, "POD_NAMESPACE=statsig-system")
	logFile, err := os.Create(filepath.Join(abs, "operator.log"))
	if err != nil {
		return err
	}
	defer func() { _ = logFile.Close() }()
	op.Stdout, op.Stderr = logFile, logFile
	op.Cancel = func() error { return op.Process.Signal(syscall.SIGTERM) }
	op.WaitDelay = 15 * time.Second
	if err := op.Start(); err != nil {
		return fmt.Errorf("start operator: %w", err)
	}
	opDone := make(chan error, 1)
	go func() { opDone <- op.Wait() }()

	fmt.Printf(`
The operator is running. In another terminal:

  export KUBECONFIG=%s
  %s/kubectl get ssp                 # the sample StatsigSpec with its printer columns
  tail -f %s/operator.log

Press Ctrl-C to stop everything.
`, kubeconfig, mustAssets(), abs)
	if smoke {
		stop()
	}
	select {
	case <-ctx.Done():
	case err := <-opDone:
		if err != nil && !errors.Is(err, context.Canceled) {
			return fmt.Errorf("operator exited: %w (see %s/operator.log)", err, abs)
		}
	}
	step("Shutting down")
	<-opDone
	return nil
}

func mustAssets() string { d, _ := envtestutil.AssetsDir(); return d }

func step(msg string) { fmt.Printf("==> %s\n", msg) }
