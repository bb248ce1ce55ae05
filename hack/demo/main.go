// Command demo runs the whole operator locally with no cluster, no Docker and no internet:
// a real etcd, kube-apiserver, kube-controller-manager and kube-scheduler, and kwok simulating
// two nodes that run the pods (all built by hack/envtest-assets.sh), the Statsig stand-in
// serving config/samples/statsig/dcs_v2.json, the operator with every role, the sample
// StatsigSpec and an annotated Deployment. Ctrl-C stops everything it started.
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
	"strconv"
	"syscall"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/statsig-operator/statsig-operator/test/envtestutil"
	"github.com/statsig-operator/statsig-operator/test/standin"
)

const demoKey = "secret-demo"

func main() {
	operator := flag.String("operator", "bin/statsig-operator", "Path of the operator binary (make build).")
	dir := flag.String("dir", ".demo", "Directory for the kubeconfig and logs.")
	standinAddr := flag.String("standin-listen", "127.0.0.1:18000", "Address of the Statsig stand-in.")
	endpointAddr := flag.String("endpoint-listen", "127.0.0.1:8090", "Address of the operator's evaluation endpoint.")
	grpcAddr := flag.String("grpc-listen", "127.0.0.1:50051", "Address of the operator's gRPC forward proxy.")
	smoke := flag.Bool("smoke", false, "Exit once the annotated pods are Running with their results.")
	flag.Parse()
	if err := run(*operator, *dir, *standinAddr, *endpointAddr, *grpcAddr, *smoke); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

func run(operator, dir, standinAddr, endpointAddr, grpcAddr string, smoke bool) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	abs, _ := filepath.Abs(dir)
	root := envtestutil.RepoRoot()

	step("Starting the Statsig stand-in on " + standinAddr)
	si := standin.New(standin.Options{Keys: []string{demoKey}})
	samplePayload := filepath.Join(root, "config", "samples", "statsig", "dcs_v2.json")
	if err := si.SetPayloadFile(standin.V2, samplePayload); err != nil {
		return err
	}
	if err := si.StartOn(standinAddr); err != nil {
		return fmt.Errorf("start the stand-in: %w", err)
	}
	defer si.Close()

	step("Starting etcd and kube-apiserver")
	env, err := envtestutil.NewEnvironment()
	if err != nil {
		return err
	}
	env.WebhookInstallOptions = envtest.WebhookInstallOptions{
		Paths: []string{filepath.Join(root, "config", "webhook")}, LocalServingHost: "127.0.0.1",
	}
	if _, err := env.Start(); err != nil {
		return fmt.Errorf("start the control plane: %w", err)
	}
	defer func() { step("Stopping the control plane"); _ = env.Stop() }()

	step("Starting kube-controller-manager, kube-scheduler and kwok with 2 simulated nodes")
	cluster, err := envtestutil.StartCluster(ctx, env, abs, 2)
	if err != nil {
		return err
	}
	defer func() { step("Stopping kube-controller-manager, kube-scheduler and kwok"); _ = cluster.Stop() }()
	kubeconfig := cluster.Kubeconfig

	assets, _ := envtestutil.AssetsDir()
	kubectlBin := filepath.Join(assets, "kubectl")
	kubectl := func(args ...string) error {
		cmd := exec.CommandContext(ctx, kubectlBin, append([]string{"--kubeconfig", kubeconfig}, args...)...)
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		return cmd.Run()
	}

	step("Applying config/samples (Secret + StatsigSpec), pointed at the stand-in")
	if err := kubectl("create", "namespace", "statsig-system"); err != nil {
		return err
	}
	if err := kubectl("apply", "-f", filepath.Join(root, "config", "samples")); err != nil {
		return err
	}
	patch := fmt.Sprintf(
		`{"spec":{"specsURL":"%s","logEventURL":"%s","specsSyncIntervalMs":2000}}`,
		si.SpecsURL(standin.V2),
		si.LogEventURL(),
	)
	if err := kubectl("patch", "statsigspec", "my-project", "--type=merge", "-p", patch); err != nil {
		return err
	}

	wh := env.WebhookInstallOptions
	step("Starting the operator (" + operator + ") with every role")
	op := exec.CommandContext(ctx, operator, "--leader-elect=false",
		"--metrics-bind-address=127.0.0.1:8080", "--health-probe-bind-address=127.0.0.1:8081",
		"--endpoint-bind-address="+endpointAddr, "--grpc-bind-address="+grpcAddr, "--namespace=statsig-system",
		"--cert-mode=external", "--webhook-cert-dir="+wh.LocalServingCertDir,
		"--webhook-host="+wh.LocalServingHost, "--webhook-port="+strconv.Itoa(wh.LocalServingPort))
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
		return fmt.Errorf("start the operator: %w", err)
	}
	opDone := make(chan error, 1)
	go func() { opDone <- op.Wait() }()

	step("Waiting for the snapshot to be served")
	if err := waitReady(ctx, "http://127.0.0.1:8081/readyz", 90*time.Second); err != nil {
		return fmt.Errorf("%w (see %s/operator.log)", err, abs)
	}
	step("Applying the annotated Deployment (config/samples/demo)")
	if err := kubectl("apply", "-f", filepath.Join(root, "config", "samples", "demo")); err != nil {
		return err
	}
	k := kubectlBin + " --kubeconfig " + kubeconfig
	//nolint:lll // the hints are commands to copy into a shell as they are
	fmt.Printf(`
Everything is running. In another terminal:

  export KUBECONFIG=%[1]s
  %[2]s get ssp                                   # Ready, Revision, Gates, Configs, Experiments
  %[2]s get nodes                                 # two nodes simulated by kwok
  %[2]s -n demo get pods -o custom-columns=NAME:.metadata.name,NODE:.spec.nodeName,PHASE:.status.phase,IMAGE:.spec.containers[0].image
  %[2]s -n demo get pod -l app=checkout -o yaml | grep -A1 STATSIG_     # injected results
  curl -s -H 'content-type: application/json' -H 'statsig-api-key: %[3]s' -d '{"gateName":"new_checkout","user":{"userID":"u1"}}' http://%[4]s/v1/check_gate
  curl -s -H 'content-type: application/json' -H 'Authorization: Bearer %[3]s' -d '{"context":{"targetingKey":"u1"}}' http://%[4]s/ofrep/v1/evaluate/flags/button_color
  # "Flip" new_checkout off in the stand-in; within a few seconds (2 s sync interval) the
  # workload controller rolls the Deployment and the rolling update runs to completion:
  curl -s -X POST '%[5]s/_standin/gate?name=new_checkout&pass_percentage=0'
  sleep 5; %[2]s -n demo rollout status deployment/checkout
  %[2]s -n demo get rs                            # the new ReplicaSet has every replica
  %[2]s -n demo get pod -l app=checkout -o yaml | grep -A1 STATSIG_GATE_NEW_CHECKOUT   # now "false"

Logs: %[6]s/*.log (operator, kube-controller-manager, kube-scheduler, kwok). Press Ctrl-C to stop everything.
`, kubeconfig, k, demoKey, endpointAddr, si.URL(), abs)
	if smoke {
		if err := waitPods(ctx, kubectlBin, kubeconfig, 90*time.Second); err != nil {
			return err
		}
		step("Smoke check passed: annotated pods are Running and carry their results")
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
	if err := <-opDone; err != nil && !errors.Is(err, context.Canceled) && ctx.Err() == nil {
		return fmt.Errorf("operator exited: %w (see %s/operator.log)", err, abs)
	}
	return nil
}

func step(msg string) { fmt.Printf("==> %s\n", msg) }
