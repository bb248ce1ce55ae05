package webhook

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	crwebhook "sigs.k8s.io/controller-runtime/pkg/webhook"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	flagsv1alpha1 "github.com/statsig-operator/statsig-operator/api/v1alpha1"
	"github.com/statsig-operator/statsig-operator/inject"
	"github.com/statsig-operator/statsig-operator/serving"
	"github.com/statsig-operator/statsig-operator/tenancy"
	"github.com/statsig-operator/statsig-operator/webhook/certs"
)

// Certificate modes of --cert-mode.
const (
	CertModeSelf        = "self"
	CertModeCertManager = "cert-manager"
	CertModeExternal    = "external"
)

// Names fixed by the install conventions (Helm chart and config/).
const (
	DefaultCertDir       = "/tmp/k8s-webhook-server/serving-certs"
	DefaultSecretName    = "statsig-operator-webhook-cert"
	DefaultServiceName   = "statsig-operator-webhook"
	MutatingConfigName   = "statsig-operator-mutating"
	ValidatingConfigName = "statsig-operator-validating"
)

// initialCertTimeout bounds the certificate provisioning Setup does before the manager starts.
const initialCertTimeout = 30 * time.Second

// Options configure Setup; zero values take the conventions' defaults.
type Options struct {
	// Registry is what pods are evaluated against.
	Registry *serving.Registry
	// Namespace is the operator's (required; main passes --namespace).
	Namespace string
	// CertMode is self (default), cert-manager or external.
	CertMode string
	// CertDir must be the webhook server's cert dir (default: the server's, else
	// /tmp/k8s-webhook-server/serving-certs).
	CertDir string
	// SecretName, ServiceName and EndpointService override the conventional names.
	SecretName, ServiceName, EndpointService string
	// EndpointTLS says the endpoint serves HTTPS, so OFREP_ENDPOINT is an https URL.
	EndpointTLS bool
	// CertCheckInterval is how often the self-managed certificate is re-checked (1h).
	CertCheckInterval time.Duration
	// EventQueueSize bounds admission Events waiting to be sent (default 1024).
	EventQueueSize int
}

func (o *Options) defaults(mgr ctrl.Manager) {
	if o.CertMode == "" {
		o.CertMode = CertModeSelf
	}
	if o.CertDir == "" {
		if s, ok := mgr.GetWebhookServer().(*crwebhook.DefaultServer); ok {
			o.CertDir = s.Options.CertDir
		}
	}
	if o.CertDir == "" {
		o.CertDir = filepath.Clean(DefaultCertDir)
	}
	if o.SecretName == "" {
		o.SecretName = DefaultSecretName
	}
	if o.ServiceName == "" {
		o.ServiceName = DefaultServiceName
	}
	if o.EndpointService == "" {
		o.EndpointService = inject.DefaultEndpointService
	}
	if o.EventQueueSize == 0 {
		o.EventQueueSize = 1024
	}
}

// Setup registers the Pod and StatsigSpec webhooks with mgr's webhook server and, in self
// mode, provisions the serving certificate before returning (the webhook server reads it
// at start) and keeps rotating it while the manager runs.
func Setup(mgr ctrl.Manager, o Options) error {
	if o.Registry == nil {
		return errors.New("webhook: Options.Registry is required")
	}
	if o.Namespace == "" {
		return errors.New("webhook: Options.Namespace is required")
	}
	o.defaults(mgr)
	switch o.CertMode {
	case CertModeSelf:
		r := &certs.Rotator{
			Reader: mgr.GetAPIReader(), Writer: mgr.GetClient(),
			Namespace: o.Namespace, SecretName: o.SecretName, Service: o.ServiceName, CertDir: o.CertDir,
			MutatingConfigs: []string{MutatingConfigName}, ValidatingConfigs: []string{ValidatingConfigName},
			CheckInterval: o.CertCheckInterval, Log: mgr.GetLogger().WithName("webhook-certs"),
		}
		ctx, cancel := context.WithTimeout(context.Background(), initialCertTimeout)
		err := r.Ensure(ctx)
		cancel()
		if err != nil {
			return fmt.Errorf("webhook: provision certificate: %w", err)
		}
		if err := mgr.Add(r); err != nil {
			return err
		}
		if err := WatchCABundles(mgr, r); err != nil {
			return err
		}
	case CertModeCertManager, CertModeExternal:
	default:
		return fmt.Errorf("webhook: unknown cert mode %q (use self, cert-manager or external)", o.CertMode)
	}
	guard, err := tenancy.New(context.Background(), mgr.GetCache())
	if err != nil {
		return err
	}
	rec := newAsyncRecorder(mgr.GetEventRecorder("statsig-operator-webhook"), o.EventQueueSize)
	if err := mgr.Add(eventPump{rec}); err != nil {
		return err
	}
	srv := mgr.GetWebhookServer()
	srv.Register(PodPath, &admission.Webhook{Handler: &PodMutator{
		Registry: o.Registry, Tenancy: guard, events: rec,
		OFREPEndpoint: inject.OFREPEndpoint(o.EndpointService, o.Namespace, o.EndpointTLS),
	}})
	validator := &StatsigSpecValidator{Reader: mgr.GetAPIReader(), Namespace: o.Namespace}
	srv.Register(StatsigSpecPath, admission.WithValidator[*flagsv1alpha1.StatsigSpec](mgr.GetScheme(), validator))
	return nil
}

// eventPump sends queued admission Events in every replica.
type eventPump struct{ rec *asyncRecorder }

var _ manager.LeaderElectionRunnable = eventPump{}

func (p eventPump) Start(ctx context.Context) error {
	p.rec.run(ctx.Done())
	return nil
}

func (eventPump) NeedLeaderElection() bool { return false }

// NewPodMutator returns the Pod handler without a manager (benchmarks, tests): Events are
// dropped.
func NewPodMutator(reg *serving.Registry, ofrepEndpoint string) *PodMutator {
	return &PodMutator{Registry: reg, OFREPEndpoint: ofrepEndpoint}
}

// +kubebuilder:rbac:groups="",namespace=system,resources=secrets,verbs=get;create;update
// +kubebuilder:rbac:groups=admissionregistration.k8s.io,resources=mutatingwebhookconfigurations;validatingwebhookconfigurations,verbs=get;list;watch
// +kubebuilder:rbac:groups=admissionregistration.k8s.io,resources=mutatingwebhookconfigurations,resourceNames=statsig-operator-mutating,verbs=patch
// +kubebuilder:rbac:groups=admissionregistration.k8s.io,resources=validatingwebhookconfigurations,resourceNames=statsig-operator-validating,verbs=patch
// +kubebuilder:rbac:groups="events.k8s.io",resources=events,verbs=create;patch
// +kubebuilder:rbac:groups="",resources=namespaces,verbs=get;list;watch
// +kubebuilder:rbac:groups=flags.statsig-operator.io,resources=statsigspecs,verbs=get;list;watch
