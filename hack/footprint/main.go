// Command footprint measures the resident memory of the processes users run, against the
// live Go heap, after each load of a large payload (docs/performance.md, "Process memory
// after a load"): `statsig-operator serve` on the payload file, and the operator with every
// role against a real kube-apiserver and etcd (envtest assets), its StatsigSpec pointed at the
// Statsig stand-in serving the payload, through its first sync and one resync (a gate
// flipped upstream). Each process is sampled every 250 ms from /proc (VmRSS, RssAnon,
// RssFile) and its /metrics (go_gc_heap_live_bytes). It prints a Markdown table and exits
// non-zero when RSS exceeds -max-ratio × the live heap 10 s after a load.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/go-logr/logr"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/statsig-operator/statsig-operator/test/envtestutil"
	"github.com/statsig-operator/statsig-operator/test/standin"
)

// memProfileRate is -memprofilerate.
var memProfileRate int

// key is the server key the sample Secret holds and the stand-in accepts.
const key = "secret-demo"

func main() {
	operator := flag.String("operator", "bin/statsig-operator", "Path of the operator binary (make build).")
	payload := flag.String(
		"payload",
		"",
		"v2 config-spec payload (default: generate the 62 MB preset with hack/bench/gen).",
	)
	gate := flag.String("gate", "", "Gate to flip for the resync (default: the first gate of the payload).")
	settle := flag.Duration("settle", 10*time.Second, "How long after a load RSS is compared with the live heap.")
	maxRatio := flag.Float64("max-ratio", 1.3, "Bound on RSS / live heap at -settle after each load.")
	dir := flag.String("dir", "", "Directory for logs and heap profiles (default: a temporary one).")
	serve := flag.Bool("serve", true, "Also measure the standalone `serve` (before the operator).")
	roles := flag.String("roles", "all", "The measured operator's roles: all (one replica with every role), "+
		"serve (a replica without the controller: webhook, endpoint and the snapshot consumer; another, "+
		"unmeasured process runs the controller), or both.")
	flag.IntVar(&memProfileRate, "memprofilerate", 64<<10,
		"The operator's heap profile sampling rate in bytes (GODEBUG=memprofilerate; 0: the runtime's 512 KiB).")
	summary := flag.String("summarize", "", "Only print the heap by owner of this heap profile (pprof).")
	base := flag.String("base", "", "With -summarize: a profile taken earlier, for the allocations in between.")
	flag.Parse()
	ctrllog.SetLogger(logr.Discard()) // envtest logs through controller-runtime
	if *summary != "" {
		rows, err := summarize(*summary, *base)
		if err != nil {
			fmt.Fprintln(os.Stderr, "footprint:", err)
			os.Exit(1)
		}
		printBreakdown(os.Stdout, "Heap of "+*summary+" by owner:", rows, *base != "")
		return
	}
	if err := run(*operator, *payload, *gate, *dir, *settle, *maxRatio, *serve, *roles); err != nil {
		fmt.Fprintln(os.Stderr, "footprint:", err)
		os.Exit(1)
	}
}

func run(operator, payload, gate, dir string, settle time.Duration, maxRatio float64, serve bool, roles string) error {
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	if dir == "" {
		d, err := os.MkdirTemp("", "footprint-")
		if err != nil {
			return err
		}
		dir = d
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if payload == "" {
		p, err := generate(ctx, dir)
		if err != nil {
			return err
		}
		payload = p
	}
	if gate == "" {
		g, err := firstGate(payload)
		if err != nil {
			return err
		}
		gate = g
	}
	info, err := os.Stat(payload)
	if err != nil {
		return err
	}
	var rows []row
	if serve {
		serveRows, err := measureServe(ctx, operator, payload, dir, settle)
		if err != nil {
			return fmt.Errorf("serve: %w", err)
		}
		rows = append(rows, serveRows...)
	}
	for _, serveOnly := range []bool{false, true} {
		if roles != "both" && (roles == "serve") != serveOnly {
			continue
		}
		opRows, err := measureOperator(ctx, operator, payload, gate, dir, settle, serveOnly)
		if err != nil {
			return fmt.Errorf("operator: %w (logs in %s)", err, dir)
		}
		rows = append(rows, opRows...)
	}
	fmt.Printf("Measured %s on %s with a %.1f MB payload (`go run ./hack/footprint`).\n\n",
		time.Now().UTC().Format("2006-01-02"), platform(), float64(info.Size())/1e6)
	err = printTable(rows, maxRatio)
	for _, r := range rows {
		if r.profile != "" && r.stats != nil {
			if perr := printAccount(os.Stdout, r); perr != nil {
				fmt.Fprintln(os.Stderr, "footprint: heap profile:", perr)
			}
		}
	}
	return err
}

// generate writes the 62 MB preset of the repository's payload generator into dir.
func generate(ctx context.Context, dir string) (string, error) {
	out := filepath.Join(dir, "gen62")
	cmd := exec.CommandContext(ctx, "go", "run", "./cmd/gen", "-preset", "62mb", "-out", out)
	cmd.Dir = filepath.Join(envtestutil.RepoRoot(), "hack", "bench", "gen")
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("generate the 62 MB payload: %w", err)
	}
	return filepath.Join(out, "dcs_v2.json"), nil
}

func firstGate(payload string) (string, error) {
	f, err := os.Open(payload)
	if err != nil {
		return "", err
	}
	defer func() { _ = f.Close() }()
	var p struct {
		FeatureGates map[string]json.RawMessage `json:"feature_gates"`
	}
	if err := json.NewDecoder(f).Decode(&p); err != nil {
		return "", err
	}
	for name := range p.FeatureGates {
		return name, nil
	}
	return "", fmt.Errorf("%s has no feature_gates", payload)
}

// measureServe runs `serve` on the payload and samples it after its load.
func measureServe(ctx context.Context, operator, payload, dir string, settle time.Duration) ([]row, error) {
	addr := "127.0.0.1:18391"
	cmd := exec.CommandContext(ctx, operator, "serve", "--specs-file", payload, "--listen", addr, "--key", key)
	logFile, err := os.Create(filepath.Join(dir, "serve.log"))
	if err != nil {
		return nil, err
	}
	defer func() { _ = logFile.Close() }()
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	defer func() { _ = cmd.Process.Signal(syscall.SIGTERM); _ = cmd.Wait() }()
	p := &sampler{pid: cmd.Process.Pid, metricsURL: "http://" + addr + "/metrics", trace: traceFile(dir)}
	start := time.Now()
	if err := p.until(ctx, 120*time.Second, func() bool { return p.ready("http://" + addr + "/healthz") }); err != nil {
		return nil, err
	}
	loaded := time.Since(start)
	p.sampleFor(ctx, settle)
	return []row{p.row("serve", "after the load", loaded, settle)}, nil
}

// measureOperator runs the operator with every role against envtest and the stand-in.
func measureOperator(
	ctx context.Context,
	operator, payload, gate, dir string,
	settle time.Duration,
	serveOnly bool,
) ([]row, error) {
	si := standin.New(standin.Options{Keys: []string{key}})
	if err := si.SetPayloadFile(standin.V2, payload); err != nil {
		return nil, err
	}
	if err := si.Start(); err != nil {
		return nil, err
	}
	defer si.Close()
	root := envtestutil.RepoRoot()
	env, err := envtestutil.NewEnvironment()
	if err != nil {
		return nil, err
	}
	env.WebhookInstallOptions = envtest.WebhookInstallOptions{
		Paths: []string{filepath.Join(root, "config", "webhook")}, LocalServingHost: "127.0.0.1",
	}
	if _, err := env.Start(); err != nil {
		return nil, fmt.Errorf("start the control plane: %w", err)
	}
	defer func() { _ = env.Stop() }()
	kubeconfig := filepath.Join(dir, "kubeconfig")
	if err := envtestutil.WriteAdminKubeconfig(env, kubeconfig); err != nil {
		return nil, err
	}
	if err := applyProject(ctx, kubeconfig, si); err != nil {
		return nil, err
	}
	wh := env.WebhookInstallOptions
	env0 := append(os.Environ(), "KUBECONFIG="+kubeconfig, "POD_NAMESPACE=statsig-system")
	process, tag := "operator, every role", "operator"
	if serveOnly {
		process, tag = "operator, serve only (no controller)", "serve-only"
		// The controller runs in a process of its own, as the leader would in another pod.
		leader := exec.CommandContext(ctx, operator,
			"--leader-elect=false", "--metrics-bind-address=0", "--health-probe-bind-address=127.0.0.1:18371",
			"--namespace=statsig-system", "--webhook=false", "--endpoint=false", "--workload-controller=false")
		leader.Env = env0
		leaderLog, err := os.Create(filepath.Join(dir, "controller.log"))
		if err != nil {
			return nil, err
		}
		defer func() { _ = leaderLog.Close() }()
		leader.Stdout, leader.Stderr = leaderLog, leaderLog
		if err := leader.Start(); err != nil {
			return nil, err
		}
		defer func() { _ = leader.Process.Signal(syscall.SIGTERM); _ = leader.Wait() }()
	}
	args := []string{
		"--leader-elect=false",
		"--metrics-bind-address=127.0.0.1:18380",
		"--health-probe-bind-address=127.0.0.1:18381",
		"--endpoint-bind-address=127.0.0.1:18390",
		"--grpc-bind-address=127.0.0.1:18391",
		"--namespace=statsig-system",
		"--pprof-bind-address=127.0.0.1:18382",
		"--cert-mode=external",
		"--webhook-cert-dir=" + wh.LocalServingCertDir,
		"--webhook-host=" + wh.LocalServingHost,
		"--webhook-port=" + strconv.Itoa(wh.LocalServingPort),
	}
	if serveOnly {
		args = append(args, "--controller=false", "--workload-controller=false")
	}
	cmd := exec.CommandContext(ctx, operator, args...)
	cmd.Env = env0
	if memProfileRate > 0 {
		// A finer sample than the default 512 KiB, so the breakdown by owner is within a few
		// percent of the live heap (the snapshot is made of many 32 KiB chunks).
		cmd.Env = append(cmd.Env, "GODEBUG=memprofilerate="+strconv.Itoa(memProfileRate))
	}
	logFile, err := os.Create(filepath.Join(dir, tag+".log"))
	if err != nil {
		return nil, err
	}
	defer func() { _ = logFile.Close() }()
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	defer func() { _ = cmd.Process.Signal(syscall.SIGTERM); _ = cmd.Wait() }()
	p := &sampler{
		pid: cmd.Process.Pid, metricsURL: "http://127.0.0.1:18380/metrics", log: logFile.Name(), trace: traceFile(dir),
		pprofURL: "http://127.0.0.1:18382", profDir: dir,
	}
	start := time.Now()
	// Ready and the first revision swapped in (readiness alone may come before it).
	if err := p.until(ctx, 180*time.Second, func() bool {
		return p.ready("http://127.0.0.1:18381/readyz") && p.loads() > 0
	}); err != nil {
		return nil, err
	}
	first := time.Since(start)
	p.sampleFor(ctx, settle)
	rows := make([]row, 0, 2)
	rows = append(rows, p.row(process, "after the first sync", first, settle))
	rows[0].profile = p.heapProfile(tag + "-heap-first")

	// A gate flipped upstream: the leader downloads, validates and stores a new revision, the
	// consumer swaps it in; the peak covers both, the settled figure is taken after the swap.
	before := p.loads()
	p.reset()
	if err := si.SetGate(gate, 0); err != nil {
		return nil, err
	}
	start = time.Now()
	if err := p.until(ctx, 120*time.Second, func() bool { return p.loads() > before }); err != nil {
		return nil, fmt.Errorf("the resync was not served: %w", err)
	}
	resync := time.Since(start)
	p.sampleFor(ctx, settle)
	r := p.row(process, "after a resync (a gate flipped)", resync, settle)
	r.profile = p.heapProfile(tag + "-heap-resync")
	r.base = rows[0].profile
	return append(rows, r), nil
}

// applyProject creates the operator namespace, the key Secret and the sample StatsigSpec
// pointed at the stand-in.
func applyProject(ctx context.Context, kubeconfig string, si *standin.Server) error {
	assets, err := envtestutil.AssetsDir()
	if err != nil {
		return err
	}
	kubectl := func(args ...string) error {
		cmd := exec.CommandContext(
			ctx,
			filepath.Join(assets, "kubectl"),
			append([]string{"--kubeconfig", kubeconfig}, args...)...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			return fmt.Errorf("kubectl %v: %w: %s", args, err, out)
		}
		return nil
	}
	root := envtestutil.RepoRoot()
	if err := kubectl("create", "namespace", "statsig-system"); err != nil {
		return err
	}
	if err := kubectl("apply", "-f", filepath.Join(root, "config", "samples")); err != nil {
		return err
	}
	patch := fmt.Sprintf(`{"spec":{"specsURL":%q,"logEventURL":%q,"specsSyncIntervalMs":5000}}`,
		si.SpecsURL(standin.V2), si.LogEventURL())
	return kubectl("patch", "statsigspec", "my-project", "--type=merge", "-p", patch)
}

// traceFile appends every sample (process, moment, time, RSS, anon and file KiB, live heap
// bytes) to samples.csv in dir, for plotting a run.
func traceFile(dir string) io.Writer {
	f, err := os.OpenFile(filepath.Join(dir, "samples.csv"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return nil
	}
	return f
}
