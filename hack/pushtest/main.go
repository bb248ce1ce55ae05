// Command pushtest checks push end to end with real parts (hack/test-push.sh runs it): the
// Statsig stand-in; operator A, in a control plane of its own (etcd + kube-apiserver), polling
// the stand-in; operator B, in a second control plane (another cluster of a fleet), whose
// StatsigSpec chains from A: specsURL is A's HTTP forward proxy and its network_grpc_websocket
// spec adapter streams from A's gRPC forward proxy; and real clients (the commands after the
// flags, e.g. Server Core with its gRPC specs adapter on A), which must see each gate flip made
// in the stand-in without polling. It prints the latency of every client per flip, checks that
// only operator A downloads from the stand-in, and fails past a bound.
//
// A client command gets STATSIG_KEY, PUSH_GRPC (host:port of A's gRPC forward proxy),
// PUSH_ENDPOINT (A's endpoint URL), PUSH_CHAIN_ENDPOINT (B's), PUSH_GATE and PUSH_USER, and
// prints "ready <value>" once
// it evaluates the gate, then "value <value>" each time the value it evaluates changes.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"

	flagsv1alpha1 "github.com/statsig-operator/statsig-operator/api/v1alpha1"
	"github.com/statsig-operator/statsig-operator/test/envtestutil"
	"github.com/statsig-operator/statsig-operator/test/standin"
)

const (
	key      = "secret-pushtest"
	gate     = "new_checkout"
	user     = "push-user"
	specName = "my-project"
	// syncA is operator A's polling interval: a flip reaches A within it, then is pushed.
	syncA = 1000 * time.Millisecond
)

type operatorPorts struct{ metrics, probes, endpoint, grpc int }

var (
	portsA = operatorPorts{18480, 18481, 18490, 18491}
	portsB = operatorPorts{18580, 18581, 18590, 18591}
)

func main() {
	operator := flag.String("operator", "bin/statsig-operator", "Path of the operator binary.")
	dir := flag.String("dir", "", "Directory for kubeconfigs and logs (default: a temporary one).")
	flips := flag.Int("flips", 3, "Gate flips to make.")
	bound := flag.Duration("bound", syncA+4*time.Second,
		"Fail when a client sees a flip later than this "+
			"(the target is the sync interval + 1 s; the bound leaves room for a loaded machine).")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *dir == "" {
		d, err := os.MkdirTemp("", "pushtest-")
		if err != nil {
			fail(err)
		}
		*dir = d
	}
	if err := run(ctx, *operator, *dir, flag.Args(), *flips, *bound); err != nil {
		fail(fmt.Errorf("%w (logs in %s)", err, *dir))
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "pushtest:", err)
	os.Exit(1)
}

func step(format string, args ...any) { fmt.Printf("pushtest: "+format+"\n", args...) }

func run(ctx context.Context, operator, dir string, clients []string, flips int, bound time.Duration) error {
	si := standin.New(standin.Options{Keys: []string{key}})
	payloadFile := filepath.Join(envtestutil.RepoRoot(), "config", "samples", "statsig", "dcs_v2.json")
	if err := si.SetPayloadFile(standin.V2, payloadFile); err != nil {
		return err
	}
	if err := si.Start(); err != nil {
		return err
	}
	defer si.Close()

	step("cluster A: control plane, operator polling the stand-in every %s", syncA)
	stopA, err := startCluster(ctx, operator, filepath.Join(dir, "a"), portsA, func(s *flagsv1alpha1.StatsigSpec) {
		s.Spec.SpecsURL = si.SpecsURL(standin.V2)
		s.Spec.SpecsSyncIntervalMs = syncA.Milliseconds()
	}, si)
	if err != nil {
		return err
	}
	defer stopA()
	endpointA := fmt.Sprintf("http://127.0.0.1:%d", portsA.endpoint)
	if err := waitGate(ctx, endpointA, 120*time.Second); err != nil {
		return fmt.Errorf("operator A never served the gate: %w", err)
	}

	step("cluster B: control plane, operator chained from A (HTTP %s, gRPC stream 127.0.0.1:%d), polling every 10 min",
		endpointA, portsA.grpc)
	stopB, err := startCluster(ctx, operator, filepath.Join(dir, "b"), portsB, func(s *flagsv1alpha1.StatsigSpec) {
		s.Spec.SpecsURL = endpointA + "/v2/download_config_specs"
		s.Spec.SpecsSyncIntervalMs = 600000 // push only: a poll cannot explain what B sees
		s.Spec.SpecAdaptersConfig = []flagsv1alpha1.SpecAdapterConfig{{
			AdapterType:   flagsv1alpha1.SpecAdapterGRPC,
			SpecsURL:      fmt.Sprintf("http://127.0.0.1:%d", portsA.grpc),
			InitTimeoutMs: 3000,
		}}
	}, si)
	if err != nil {
		return err
	}
	defer stopB()
	endpointB := fmt.Sprintf("http://127.0.0.1:%d", portsB.endpoint)
	if err := waitGate(ctx, endpointB, 120*time.Second); err != nil {
		return fmt.Errorf("operator B never served the gate: %w", err)
	}
	downloadsBefore := si.Stats().FullPayloads[string(standin.V2)]

	observers := []*observer{newEndpointObserver(ctx, "operator B endpoint (fleet chaining)", endpointB)}
	for i, c := range clients {
		logPath := filepath.Join(dir, fmt.Sprintf("client-%d.log", i))
		o, err := startClient(ctx, c, logPath, portsA, endpointA, endpointB)
		if err != nil {
			return err
		}
		defer o.stop()
		observers = append(observers, o)
	}
	for _, o := range observers {
		if err := o.waitReady(60 * time.Second); err != nil {
			return fmt.Errorf("%s: %w", o.name, err)
		}
	}

	want := false
	var worst time.Duration
	for i := range flips {
		pct := 0.0
		if want {
			pct = 100
		}
		t0 := time.Now()
		if err := si.SetGate(gate, pct); err != nil {
			return err
		}
		for _, o := range observers {
			at, err := o.waitValue(want, bound+2*time.Second)
			if err != nil {
				return fmt.Errorf("flip %d: %s: %w", i+1, o.name, err)
			}
			d := at.Sub(t0)
			worst = max(worst, d)
			step("flip %d (%s -> %v): %s saw it after %d ms", i+1, gate, want, o.name, d.Milliseconds())
			if d > bound {
				return fmt.Errorf("flip %d: %s saw it after %s, past the bound %s", i+1, o.name, d, bound)
			}
		}
		want = !want
	}
	downloads := si.Stats().FullPayloads[string(standin.V2)] - downloadsBefore
	step("the stand-in served %d full payloads for %d flips (operator A only; B chains from A)", downloads, flips)
	if downloads > flips {
		return fmt.Errorf("the stand-in served %d full payloads for %d flips: "+
			"something besides operator A downloaded from it", downloads, flips)
	}
	step("OK: every client saw every flip; worst %d ms (target: sync interval %d ms + 1 s)",
		worst.Milliseconds(), syncA.Milliseconds())
	return nil
}

// startCluster starts a control plane, applies the sample project (edited by edit), and runs
// the operator (controller and endpoint roles) against it; stop ends both.
func startCluster(ctx context.Context, operator, dir string, p operatorPorts, edit func(*flagsv1alpha1.StatsigSpec),
	si *standin.Server) (func(), error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	env, err := envtestutil.NewEnvironment()
	if err != nil {
		return nil, err
	}
	cfg, err := env.Start()
	if err != nil {
		return nil, fmt.Errorf("start the control plane: %w", err)
	}
	stops := make([]func(), 0, 2)
	stops = append(stops, func() { _ = env.Stop() })
	stop := func() {
		for _, s := range slices.Backward(stops) {
			s()
		}
	}
	fail := func(err error) (func(), error) { stop(); return nil, err }
	kubeconfig := filepath.Join(dir, "kubeconfig")
	if err := envtestutil.WriteAdminKubeconfig(env, kubeconfig); err != nil {
		return fail(err)
	}
	scheme := runtime.NewScheme()
	_ = clientgoscheme.AddToScheme(scheme)
	_ = flagsv1alpha1.AddToScheme(scheme)
	c, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		return fail(err)
	}
	spec := &flagsv1alpha1.StatsigSpec{
		ObjectMeta: metav1.ObjectMeta{Name: specName},
		Spec: flagsv1alpha1.StatsigSpecSpec{
			SecretKeyRef:  flagsv1alpha1.SecretKeySelector{Name: "statsig-server-key", Key: "secretKey"},
			Source:        flagsv1alpha1.SourceSpec{Type: flagsv1alpha1.SourceType("Statsig")},
			PayloadFormat: flagsv1alpha1.PayloadFormat("v2"),
			LogEventURL:   si.LogEventURL(),
		},
	}
	edit(spec)
	for _, o := range []client.Object{
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "statsig-system"}},
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "statsig-server-key", Namespace: "statsig-system"},
			StringData: map[string]string{"secretKey": key}},
		spec,
	} {
		if err := c.Create(ctx, o); err != nil {
			return fail(fmt.Errorf("create %T: %w", o, err))
		}
	}
	cmd := exec.CommandContext(ctx, operator, "--leader-elect=false", "--webhook=false", "--workload-controller=false",
		fmt.Sprintf("--metrics-bind-address=127.0.0.1:%d", p.metrics),
		fmt.Sprintf("--health-probe-bind-address=127.0.0.1:%d", p.probes),
		fmt.Sprintf("--endpoint-bind-address=127.0.0.1:%d", p.endpoint),
		fmt.Sprintf("--grpc-bind-address=127.0.0.1:%d", p.grpc),
		"--namespace=statsig-system", "--zap-log-level=info")
	cmd.Env = append(os.Environ(), "KUBECONFIG="+kubeconfig, "POD_NAMESPACE=statsig-system")
	logFile, err := os.Create(filepath.Join(dir, "operator.log"))
	if err != nil {
		return fail(err)
	}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		return fail(err)
	}
	stops = append(stops, func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
		_ = logFile.Close()
	})
	return stop, nil
}

// checkGate asks an endpoint for the gate's value for the test user.
func checkGate(ctx context.Context, endpoint string) (bool, error) {
	body := fmt.Sprintf(`{"gateName":%q,"user":{"userID":%q}}`, gate, user)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint+"/v1/check_gate", strings.NewReader(body))
	if err != nil {
		return false, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("statsig-api-key", key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false, err
	}
	defer func() { _ = resp.Body.Close() }()
	var out struct {
		Value bool `json:"value"`
	}
	if resp.StatusCode != http.StatusOK {
		return false, fmt.Errorf("check_gate: %s", resp.Status)
	}
	err = json.NewDecoder(resp.Body).Decode(&out)
	return out.Value, err
}

// waitGate waits for the endpoint to evaluate the gate, whatever its value.
func waitGate(ctx context.Context, endpoint string, within time.Duration) error {
	deadline := time.Now().Add(within)
	for {
		_, err := checkGate(ctx, endpoint)
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return err
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// observer is something that evaluates the gate and reports when its value changes.
type observer struct {
	name   string
	mu     sync.Mutex
	ready  bool
	values []sample
	stop   func()
}

type sample struct {
	value bool
	at    time.Time
}

func (o *observer) record(v bool, at time.Time) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if n := len(o.values); n == 0 || o.values[n-1].value != v {
		o.values = append(o.values, sample{v, at})
	}
	o.ready = true
}

func (o *observer) waitReady(within time.Duration) error {
	deadline := time.Now().Add(within)
	for {
		o.mu.Lock()
		ready := o.ready
		o.mu.Unlock()
		if ready {
			return nil
		}
		if time.Now().After(deadline) {
			return errors.New("not ready")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitValue returns when the observer's current value became want.
func (o *observer) waitValue(want bool, within time.Duration) (time.Time, error) {
	deadline := time.Now().Add(within)
	for {
		o.mu.Lock()
		last := o.values[len(o.values)-1]
		o.mu.Unlock()
		if last.value == want {
			return last.at, nil
		}
		if time.Now().After(deadline) {
			return time.Time{}, fmt.Errorf("still evaluates %v after %s", last.value, within)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// newEndpointObserver watches an endpoint by asking it every 10 ms (the probe, not a client).
func newEndpointObserver(ctx context.Context, name, endpoint string) *observer {
	o := &observer{name: name}
	ctx, cancel := context.WithCancel(ctx)
	o.stop = cancel
	go func() {
		for ctx.Err() == nil {
			if v, err := checkGate(ctx, endpoint); err == nil {
				o.record(v, time.Now())
			}
			time.Sleep(10 * time.Millisecond)
		}
	}()
	return o
}

// startClient runs a client command and reads its "ready"/"value" lines.
func startClient(
	ctx context.Context, command, logPath string, a operatorPorts, endpointA, endpointB string,
) (*observer, error) {
	cmd := exec.CommandContext(ctx, "sh", "-c", command)
	cmd.Env = append(os.Environ(), "STATSIG_KEY="+key, fmt.Sprintf("PUSH_GRPC=127.0.0.1:%d", a.grpc),
		"PUSH_ENDPOINT="+endpointA, "PUSH_CHAIN_ENDPOINT="+endpointB, "PUSH_GATE="+gate, "PUSH_USER="+user)
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd.Stderr = logFile
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	o := &observer{name: command}
	if f := strings.Fields(command); len(f) > 0 {
		o.name = filepath.Base(f[len(f)-1])
	}
	o.stop = func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
		_ = logFile.Close()
	}
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			line := sc.Bytes()
			_, _ = logFile.Write(append(bytes.Clone(line), '\n'))
			f := strings.Fields(string(line))
			if len(f) >= 2 && (f[0] == "ready" || f[0] == "value") {
				o.record(f[1] == "true", time.Now())
			}
		}
	}()
	return o, nil
}
