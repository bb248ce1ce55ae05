// Command statsig-operator runs the operator manager: the StatsigSpec sync controller, the
// admission webhook and the in-cluster evaluation endpoint, each a role that can be turned
// off. `statsig-operator serve --specs-file FILE` runs the endpoint alone, without a cluster.
package main

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/certwatcher"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	ctrlwebhook "sigs.k8s.io/controller-runtime/pkg/webhook"

	flagsv1alpha1 "github.com/statsig-operator/statsig-operator/api/v1alpha1"
	"github.com/statsig-operator/statsig-operator/controllers"
	"github.com/statsig-operator/statsig-operator/controllers/workload"
	"github.com/statsig-operator/statsig-operator/endpoint"
	"github.com/statsig-operator/statsig-operator/evaluator"
	"github.com/statsig-operator/statsig-operator/eventlog"
	"github.com/statsig-operator/statsig-operator/grpcproxy"
	"github.com/statsig-operator/statsig-operator/metricsauth"
	"github.com/statsig-operator/statsig-operator/overrideset"
	"github.com/statsig-operator/statsig-operator/serving"
	"github.com/statsig-operator/statsig-operator/serving/consumer"
	"github.com/statsig-operator/statsig-operator/snapshot"
	"github.com/statsig-operator/statsig-operator/webhook"
)

var scheme = runtime.NewScheme()

func init() {
	utilruntime.Must(clientgoscheme.AddToScheme(scheme))
	utilruntime.Must(flagsv1alpha1.AddToScheme(scheme))
}

type config struct {
	controller, webhook, endpoint, workloadController bool
	metricsAddr, probeAddr, endpointAddr, webhookHost string
	webhookPort                                       int
	certDir, certMode                                 string
	endpointTLS                                       bool
	endpointCORSOrigins                               []string
	endpointMaxEventStreams                           int
	endpointResponseCacheBytes                        int64
	endpointCertDir, endpointCertMode                 string
	grpcAddr                                          string
	grpcMaxStreams                                    int
	grpcHeartbeat                                     time.Duration
	leaderElect, enableHTTP2, metricsSecure           bool
	leaderElectionNamespace, namespace                string
	workloadNamespaces                                []string
	pprofAddr                                         string
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "serve" {
		os.Exit(serve(os.Args[2:]))
	}
	var c config
	flag.BoolVar(&c.controller, "controller", true, "Run the StatsigSpec sync controller (leader-elected).")
	flag.BoolVar(&c.webhook, "webhook", true, "Run the admission webhooks.")
	flag.BoolVar(&c.endpoint, "endpoint", true, "Run the in-cluster evaluation endpoint.")
	flag.BoolVar(&c.workloadController, "workload-controller", true,
		"Re-evaluate annotated Deployments, StatefulSets and DaemonSets on new revisions (needs --webhook).")
	flag.Func("workload-namespaces",
		"Comma-separated namespaces whose Deployments, StatefulSets and DaemonSets the workload controller "+
			"watches and patches (default: every namespace). Pods elsewhere are still injected at admission.",
		func(v string) error { c.workloadNamespaces = splitList(v); return nil })
	flag.StringVar(&c.metricsAddr, "metrics-bind-address", ":8080",
		"Address of the Prometheus metrics endpoint; 0 disables it.")
	flag.BoolVar(&c.metricsSecure, "metrics-secure", false,
		"Serve metrics over HTTPS to authenticated, authorized clients only (TokenReview and "+
			"SubjectAccessReview: the scraper needs get on the /metrics non-resource URL).")
	flag.StringVar(&c.probeAddr, "health-probe-bind-address", ":8081", "Address of /healthz and /readyz.")
	flag.StringVar(&c.endpointAddr, "endpoint-bind-address", ":8090", "Address of the evaluation endpoint.")
	flag.StringVar(&c.webhookHost, "webhook-host", "",
		"Address the admission webhook server listens on (default: every interface).")
	flag.IntVar(&c.webhookPort, "webhook-port", 9443, "Port of the admission webhook server.")
	flag.StringVar(&c.certDir, "webhook-cert-dir", "/tmp/k8s-webhook-server/serving-certs",
		"Directory of the webhook serving certificate.")
	flag.StringVar(&c.certMode, "cert-mode", "self",
		"Webhook certificates: self (the operator issues and rotates them), cert-manager or external.")
	flag.BoolVar(&c.endpointTLS, "endpoint-tls", false,
		"Serve the evaluation endpoint over HTTPS only (and inject https:// OFREP_ENDPOINT URLs): the "+
			"certificate covers the endpoint Service's DNS names and is reloaded when it rotates.")
	flag.StringVar(&c.endpointCertDir, "endpoint-cert-dir", defaultEndpointCertDir,
		"Directory of the endpoint serving certificate (tls.crt, tls.key) with --endpoint-tls.")
	flag.StringVar(&c.endpointCertMode, "endpoint-cert-mode", "",
		"Endpoint certificates with --endpoint-tls: self (Secret "+endpointCertSecret+", issued and rotated "+
			"by the operator), cert-manager or external (mounted at --endpoint-cert-dir); default: --cert-mode.")
	flag.Func("endpoint-cors-allowed-origins",
		"Comma-separated origins (* or scheme://host[:port]) browsers may call the endpoint's client routes from "+
			"(/v1/initialize, /v1/rgstr, /v1/log_event, OFREP); empty: no CORS.",
		func(v string) error { c.endpointCORSOrigins = splitList(v); return nil })
	flag.IntVar(&c.endpointMaxEventStreams, "endpoint-max-event-streams", endpoint.DefaultMaxEventStreams,
		"OFREP event streams (SSE change notifications) open at once per replica; beyond it 503. "+
			"Negative: no event streams (OFREP providers poll).")
	flag.Int64Var(&c.endpointResponseCacheBytes, "endpoint-response-cache-bytes", endpoint.DefaultResponseCacheBytes,
		"Bytes per replica of the cache of client initialize and OFREP bulk responses, per (user, revision, options); "+
			"0 disables it.")
	flag.StringVar(&c.grpcAddr, "grpc-bind-address", grpcproxy.DefaultAddr,
		"Address of the gRPC forward proxy (statsig-forward-proxy's StatsigForwardProxy service: Server Core's "+
			"gRPC specs adapter streams each new revision from it); 0 disables it. Needs --endpoint; TLS with --endpoint-tls.")
	flag.IntVar(&c.grpcMaxStreams, "grpc-max-streams", grpcproxy.DefaultMaxStreams,
		"Config-spec streams one replica holds at most; beyond, RESOURCE_EXHAUSTED and the client retries elsewhere.")
	flag.DurationVar(&c.grpcHeartbeat, "grpc-heartbeat", grpcproxy.DefaultHeartbeat,
		"How often a stream with nothing new gets {\"has_updates\":false}, as statsig-forward-proxy sends.")
	flag.BoolVar(&c.leaderElect, "leader-elect", true, "Elect a leader so that only one replica runs the controllers.")
	flag.StringVar(&c.leaderElectionNamespace, "leader-election-namespace", "",
		"Namespace of the leader-election lease (default: the operator namespace).")
	flag.BoolVar(&c.enableHTTP2, "enable-http2", false,
		"Serve HTTP/2 on the webhook, metrics and TLS endpoint servers "+
			"(off: CVE-2023-44487, and HTTP/1.1 is faster for admission).")
	flag.StringVar(&c.namespace, "namespace", envOr("POD_NAMESPACE", "statsig-system"),
		"The operator's namespace (snapshots, key Secrets, webhook certificate).")
	flag.StringVar(&c.pprofAddr, "pprof-bind-address", "",
		"Address of net/http/pprof (heap and CPU profiles; off when empty, keep it on loopback).")
	opts := zap.Options{}
	opts.BindFlags(flag.CommandLine)
	flag.Parse()
	ctrl.SetLogger(zap.New(zap.UseFlagOptions(&opts)))
	logMemoryLimit(applyMemoryLimit())
	if err := run(c); err != nil {
		ctrl.Log.WithName("setup").Error(err, "Operator stopped with an error")
		os.Exit(1)
	}
}

func run(c config) error {
	log := ctrl.Log.WithName("setup")
	cacheOpts := cache.Options{}
	snapshot.RestrictSecretCache(&cacheOpts, c.namespace)
	workload.RestrictCache(&cacheOpts, c.workloadNamespaces)
	leNS := c.leaderElectionNamespace
	if leNS == "" {
		leNS = c.namespace
	}
	var tlsOpts []func(*tls.Config)
	if !c.enableHTTP2 {
		tlsOpts = append(tlsOpts, webhook.DisableHTTP2)
	}
	mgr, err := ctrl.NewManager(ctrl.GetConfigOrDie(), ctrl.Options{
		Scheme:                  scheme,
		Cache:                   cacheOpts,
		Metrics:                 metricsOptions(c, tlsOpts),
		HealthProbeBindAddress:  c.probeAddr,
		PprofBindAddress:        c.pprofAddr,
		LeaderElection:          c.leaderElect,
		LeaderElectionID:        "statsig-operator.flags.statsig-operator.io",
		LeaderElectionNamespace: leNS,
		WebhookServer: ctrlwebhook.NewServer(ctrlwebhook.Options{
			Host: c.webhookHost, Port: c.webhookPort, CertDir: c.certDir, TLSOpts: tlsOpts,
		}),
	})
	if err != nil {
		return fmt.Errorf("create manager: %w", err)
	}
	if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
		return err
	}
	// The objects the roles share are built here and passed in: one cache of the operator
	// namespace's referenced objects, one registry of what this replica serves, one handoff of
	// validated specs from the controller to the consumer.
	refs, err := snapshot.NewRefs(mgr, c.namespace)
	if err != nil {
		return fmt.Errorf("set up the refs cache: %w", err)
	}
	registry := serving.NewRegistry()
	// StatsigOverrides by StatsigSpec: the consumer applies them, the controller reports them.
	if err := overrideset.Index(context.Background(), mgr.GetFieldIndexer()); err != nil {
		return fmt.Errorf("index StatsigOverrides: %w", err)
	}
	var handoff *serving.Handoff
	serves := c.endpoint || c.webhook
	if c.controller && serves {
		handoff = serving.NewHandoff()
	}
	if c.controller {
		opts := controllers.Options{Namespace: c.namespace, Refs: refs, Handoff: handoff}
		if err := controllers.SetupStatsigSpecReconciler(mgr, opts); err != nil {
			return fmt.Errorf("set up the StatsigSpec controller: %w", err)
		}
		if err := controllers.SetupOverrideStatusReconciler(mgr, registry); err != nil {
			return fmt.Errorf("set up the StatsigOverride status controller: %w", err)
		}
	}
	if serves {
		deps := servingDeps{registry: registry, refs: refs, handoff: handoff, tlsOpts: tlsOpts}
		if err := setupServing(mgr, c, deps); err != nil {
			return err
		}
	}
	if c.webhook {
		opts := webhook.Options{
			Registry: registry, Namespace: c.namespace, CertMode: c.certMode, CertDir: c.certDir,
			EndpointTLS: c.endpointTLS,
		}
		if err := webhook.Setup(mgr, opts); err != nil {
			return fmt.Errorf("set up the webhooks: %w", err)
		}
		if c.workloadController {
			wo := workload.Options{
				Registry: registry, Namespace: c.namespace, Namespaces: c.workloadNamespaces, EndpointTLS: c.endpointTLS,
			}
			if err := workload.Setup(mgr, wo); err != nil {
				return fmt.Errorf("set up the workload controller: %w", err)
			}
		}
	}
	log.Info("Starting manager",
		"controller", c.controller, "webhook", c.webhook, "endpoint", c.endpoint, "endpointTLS", c.endpointTLS,
		"namespace", c.namespace, "workloadNamespaces", c.workloadNamespaces)
	return mgr.Start(ctrl.SetupSignalHandler())
}

// servingDeps are the shared objects the serving side needs.
type servingDeps struct {
	registry *serving.Registry
	refs     *snapshot.Refs
	handoff  *serving.Handoff
	// tlsOpts adjust every TLS server's config (HTTP/2 off unless --enable-http2).
	tlsOpts []func(*tls.Config)
}

// setupServing wires what every replica serves from: the snapshot consumer filling the
// registry, one event logger per StatsigSpec, and the endpoint.
func setupServing(mgr ctrl.Manager, c config, d servingDeps) error {
	registry := d.registry
	sinks := eventlog.NewSet(metrics.Registry, ctrl.Log.WithName("eventlog"))
	eventSink := func(spec *flagsv1alpha1.StatsigSpec, key string) serving.EventSink {
		l, err := sinks.For(spec.Name, eventlog.Options{
			URL: spec.Spec.LogEventURL, APIKey: key,
			FlushInterval:     time.Duration(spec.Spec.EventLoggingFlushIntervalMs) * time.Millisecond,
			MaxQueueSize:      int(spec.Spec.EventLoggingMaxQueueSize),
			MaxPendingBatches: int(spec.Spec.EventLoggingMaxPendingBatches),
			MaxQueueBytes:     spec.Spec.EventLoggingMaxQueueBytes,
			DedupeMaxKeys:     int(spec.Spec.ExposureDedupeMaxKeys),
			LogLevel:          string(spec.Spec.OutputLogLevel),
		})
		if err != nil {
			ctrl.Log.WithName("eventlog").Error(err, "Event logging is off for this StatsigSpec", "statsigspec", spec.Name)
			return nil
		}
		return endpoint.NewEventSinkFor(l)
	}
	cons, err := consumer.New(mgr,
		consumer.Options{Registry: registry, Refs: d.refs, Handoff: d.handoff, EventSink: eventSink, Overrides: true,
			Metrics: metrics.Registry})
	if err != nil {
		return fmt.Errorf("set up the snapshot consumer: %w", err)
	}
	if err := mgr.Add(sinks); err != nil {
		return err
	}
	if err := mgr.AddReadyzCheck("snapshot", cons.ReadyzCheck()); err != nil {
		return err
	}
	if !c.endpoint {
		return nil
	}
	tlsConf, err := endpointTLS(mgr, c, d.tlsOpts)
	if err != nil {
		return err
	}
	srv, err := endpoint.NewServer(endpoint.Options{
		Addr:     c.endpointAddr,
		Registry: registry,
		Logger:   ctrl.Log.WithName("endpoint"),
		Metrics:  metrics.Registry,
		TLS:      tlsConf,

		CORSAllowedOrigins: c.endpointCORSOrigins,
		MaxEventStreams:    c.endpointMaxEventStreams,
		ResponseCacheBytes: c.endpointResponseCacheBytes,
	})
	if err != nil {
		return fmt.Errorf("set up the endpoint: %w", err)
	}
	if err := mgr.Add(srv); err != nil {
		return err
	}
	return setupGRPC(mgr, c, registry, tlsConf)
}

// setupGRPC adds the gRPC forward proxy beside the endpoint, with the endpoint's certificate
// when it serves TLS (gRPC needs HTTP/2 whatever --enable-http2 says; grpc-go bounds streams
// per connection, its defence against rapid reset).
func setupGRPC(mgr ctrl.Manager, c config, registry *serving.Registry, endpointTLS *endpoint.TLSOptions) error {
	if c.grpcAddr == "" || c.grpcAddr == "0" {
		return nil
	}
	var tlsConf *tls.Config
	if endpointTLS != nil {
		cw, err := certwatcher.New(filepath.Join(endpointTLS.CertDir, endpoint.CertFile),
			filepath.Join(endpointTLS.CertDir, endpoint.KeyFile))
		if err != nil {
			return fmt.Errorf("grpc forward proxy: serving certificate in %s: %w", endpointTLS.CertDir, err)
		}
		if err := mgr.Add(cw); err != nil {
			return err
		}
		tlsConf = &tls.Config{MinVersion: tls.VersionTLS12, GetCertificate: cw.GetCertificate, NextProtos: []string{"h2"}}
	}
	srv, err := grpcproxy.NewServer(grpcproxy.Options{
		Addr: c.grpcAddr, Registry: registry, MaxStreams: c.grpcMaxStreams, Heartbeat: c.grpcHeartbeat,
		TLS: tlsConf, Logger: ctrl.Log.WithName("grpcproxy"), Metrics: metrics.Registry,
	})
	if err != nil {
		return fmt.Errorf("set up the gRPC forward proxy: %w", err)
	}
	return mgr.Add(srv)
}

// serve runs the endpoint without a cluster from a payload file.
func serve(args []string) int {
	fs := flag.NewFlagSet("serve", flag.ExitOnError)
	specsFile := fs.String("specs-file", "", "download_config_specs payload (v2 or v1 JSON).")
	specsURL := fs.String("specs-url", "",
		"Instead of --specs-file: a specs_url base ({url}/{key}.json with --key) downloaded at start and every "+
			"--specs-sync-interval; each new payload is served as a new revision (and pushed to OFREP event streams).")
	syncInterval := fs.Duration("specs-sync-interval", endpoint.DefaultStandaloneSyncInterval,
		"How often --specs-url is downloaded.")
	listen := fs.String("listen", "127.0.0.1"+endpoint.DefaultAddr,
		"Address to serve on (loopback by default; another address needs an explicit --key).")
	key := fs.String("key", os.Getenv("STATSIG_SERVER_KEY"),
		"API key clients must present (also sent with events); env STATSIG_SERVER_KEY. "+
			"Default on loopback: "+localKey+".")
	logEventURL := fs.String("log-event-url", "", "Where exposures and custom events go (Statsig's default when empty).")
	disableLogging := fs.Bool("disable-logging", true, "Send no events (the default for local development).")
	environment := fs.String("environment", "",
		"Environment tier: environment_field conditions and the logged user's statsigEnvironment.")
	globalCustom := fs.String("global-custom-fields", "",
		"JSON object of custom fields every user has (evaluation and the logged user), as globalCustomFields.")
	clientKeys := fs.String("client-keys", os.Getenv("STATSIG_CLIENT_KEYS"),
		"Comma-separated client SDK keys also accepted, with client scope (initialize, evaluation, events; "+
			"never config specs); env STATSIG_CLIENT_KEYS.")
	corsOrigins := fs.String("cors-allowed-origins", "",
		"Comma-separated origins (* or scheme://host[:port]) browsers may call the client routes from.")
	overridesFile := fs.String("overrides", "",
		"YAML or JSON file of StatsigOverride objects applied to every evaluation (their statsigSpecName is ignored).")
	maxEventStreams := fs.Int("max-event-streams", endpoint.DefaultMaxEventStreams,
		"OFREP event streams (SSE change notifications) open at once; beyond it 503. Negative: none.")
	responseCacheBytes := fs.Int64("response-cache-bytes", endpoint.DefaultResponseCacheBytes,
		"Bytes of the cache of client initialize and OFREP bulk responses, per (user, revision, options); 0 disables it.")
	addrFile := fs.String("addr-file", "",
		"Write the address listened on to this file (useful with --listen 127.0.0.1:0).")
	grpcListen := fs.String("grpc-listen", "",
		"Also serve the gRPC forward proxy (statsig-forward-proxy's StatsigForwardProxy) on this address, "+
			"pushing each new --specs-url revision to Server Core's gRPC specs adapter; empty: off.")
	opts := zap.Options{Development: true}
	opts.BindFlags(fs)
	_ = fs.Parse(args)
	ctrl.SetLogger(zap.New(zap.UseFlagOptions(&opts)))
	logMemoryLimit(applyMemoryLimit())
	if (*specsFile == "") == (*specsURL == "") {
		fmt.Fprintln(os.Stderr, "serve: give one of --specs-file or --specs-url")
		return 2
	}
	k, err := serveKey(*key, *listen)
	if err == nil && *grpcListen != "" {
		k, err = serveKey(*key, *grpcListen)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "serve:", err)
		return 2
	}
	*key = k
	var custom map[string]any
	if *globalCustom != "" {
		if err := json.Unmarshal([]byte(*globalCustom), &custom); err != nil {
			fmt.Fprintln(os.Stderr, "serve: --global-custom-fields must be a JSON object:", err)
			return 2
		}
	}
	ovs, err := standaloneOverrides(*overridesFile)
	if err != nil {
		fmt.Fprintln(os.Stderr, "serve:", err)
		return 2
	}
	err = serveWith(ctrl.SetupSignalHandler(), *grpcListen, endpoint.StandaloneOptions{
		Overrides: ovs,
		SpecsFile: *specsFile, SpecsURL: *specsURL, SyncInterval: *syncInterval,
		Listen: *listen, Keys: []string{*key}, ClientKeys: splitList(*clientKeys),
		CORSAllowedOrigins: splitList(*corsOrigins), MaxEventStreams: *maxEventStreams, LogEventURL: *logEventURL,
		DisableLogging: *disableLogging, Logger: ctrl.Log.WithName("serve"), ResponseCacheBytes: *responseCacheBytes,
		Evaluator: evaluator.Options{Environment: *environment, GlobalCustomFields: custom}, AddrFile: *addrFile,
	})
	if err != nil && err != context.Canceled {
		fmt.Fprintln(os.Stderr, "serve:", err)
		return 1
	}
	return 0
}

// serveWith runs the standalone endpoint and, with grpcListen, the gRPC forward proxy on the
// same registry, until ctx ends or either stops.
func serveWith(ctx context.Context, grpcListen string, o endpoint.StandaloneOptions) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	registry, prom := serving.NewRegistry(), prometheus.NewRegistry()
	grpcDone := make(chan error, 1)
	if grpcListen != "" {
		gs, err := grpcproxy.NewServer(grpcproxy.Options{
			Registry: registry, Metrics: prom, Logger: ctrl.Log.WithName("grpcproxy"),
		})
		var ln net.Listener
		if err == nil {
			ln, err = net.Listen("tcp", grpcListen)
		}
		if err != nil {
			return fmt.Errorf("--grpc-listen: %w", err)
		}
		go func() { grpcDone <- gs.Serve(ctx, ln) }()
	} else {
		grpcDone <- nil
	}
	o.Registry, o.Metrics = registry, prom
	err := endpoint.RunStandalone(ctx, o)
	cancel() // the endpoint stopped: so does the gRPC forward proxy
	if gerr := <-grpcDone; err == nil || err == context.Canceled {
		err = gerr
	}
	return err
}

// standaloneOverrides reads serve --overrides: every object applies to the one project.
func standaloneOverrides(file string) (*evaluator.Overrides, error) {
	if file == "" {
		return nil, nil
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("--overrides: %w", err)
	}
	list, err := overrideset.ParseList(data)
	if err != nil {
		return nil, fmt.Errorf("--overrides %s: %w", file, err)
	}
	for i := range list {
		if _, err := overrideset.Convert(&list[i]); err != nil {
			return nil, fmt.Errorf("--overrides %s: %s/%s: %w", file, list[i].Namespace, list[i].Name, err)
		}
		list[i].Spec.StatsigSpecName = standaloneSpec
	}
	return overrideset.Build(list, standaloneSpec, time.Now(), nil).Overrides, nil
}

// standaloneSpec names the one project of serve.
const standaloneSpec = "standalone"

// splitList splits a comma-separated flag value, dropping blanks.
func splitList(v string) []string {
	var out []string
	for s := range strings.SplitSeq(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

// metricsOptions serves metrics over plain HTTP, or with --metrics-secure over HTTPS (a
// self-signed certificate) to clients the apiserver authenticates and authorizes, as
// kubebuilder's scaffold does.
func metricsOptions(c config, tlsOpts []func(*tls.Config)) metricsserver.Options {
	o := metricsserver.Options{BindAddress: c.metricsAddr, TLSOpts: tlsOpts}
	if c.metricsSecure {
		o.SecureServing = true
		o.FilterProvider = metricsauth.Filter
	}
	return o
}
