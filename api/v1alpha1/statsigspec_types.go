package v1alpha1

import (
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// Default values of the Statsig server SDK options (Statsig Server Core), used by the CRD
// defaults below and by the controller when a field is unset.
const (
	DefaultSpecsURLV2           = "https://api.statsigcdn.com/v2/download_config_specs"
	DefaultSpecsURLV1           = "https://api.statsigcdn.com/v1/download_config_specs"
	DefaultIDListsURL           = "https://api.statsigcdn.com/v1/get_id_lists"
	DefaultLogEventURL          = "https://prodregistryv2.org/v1/log_event"
	DefaultSecretKeyField       = "secretKey"
	DefaultSpecsSyncIntervalMs  = 10000
	DefaultInitTimeoutMs        = 3000
	DefaultFlushIntervalMs      = 60000
	DefaultMaxQueueSize         = 2000
	DefaultMaxPendingBatches    = 100
	DefaultExposureDedupeKeys   = 100000
	DefaultIDListsSyncInterval  = 60000
	DefaultOutputLogLevel       = LogLevelWarn
	DefaultPayloadFormat        = PayloadFormatV2
	MinimumSyncIntervalMs       = 1000
	MaximumEventLoggingQueueLen = 2000
	DefaultMaxSkippedSpecsPct   = 10
)

// AnnotationClientKeysSecret on a StatsigSpec names a Secret ("name" in the operator's
// namespace, or "namespace/name") whose every data value is an additional client key the
// project accepts, besides its server secret key.
const AnnotationClientKeysSecret = "statsig-operator.io/client-keys-secret"

// SourceType says where the config specs come from.
// +kubebuilder:validation:Enum=Statsig;ConfigMap;Secret
type SourceType string

const (
	// SourceStatsig downloads the specs from Statsig (the default).
	SourceStatsig SourceType = "Statsig"
	// SourceConfigMap loads a user-provided payload from a ConfigMap key (air-gapped clusters).
	SourceConfigMap SourceType = "ConfigMap"
	// SourceSecret loads a user-provided payload from a Secret key (air-gapped clusters).
	SourceSecret SourceType = "Secret"
)

// PayloadFormat is the config-spec payload format requested from Statsig.
// +kubebuilder:validation:Enum=v2;v1
type PayloadFormat string

const (
	// PayloadFormatV2 is Server Core's dcs-v2 JSON (maps keyed by name, shared condition map).
	PayloadFormatV2 PayloadFormat = "v2"
	// PayloadFormatV1 is the legacy SDKs' dcs-v1 JSON (arrays with inline conditions).
	PayloadFormatV1 PayloadFormat = "v1"
)

// LogLevel is the operator's log verbosity for this project, as the SDKs' output_log_level.
// +kubebuilder:validation:Enum=none;error;warn;info;debug
type LogLevel string

const (
	LogLevelNone  LogLevel = "none"
	LogLevelError LogLevel = "error"
	LogLevelWarn  LogLevel = "warn"
	LogLevelInfo  LogLevel = "info"
	LogLevelDebug LogLevel = "debug"
)

// SecretKeySelector points at one key of a Secret.
type SecretKeySelector struct {
	// Namespace of the Secret. Empty means the operator's own namespace (the only namespace
	// the operator may read Secrets from with the default RBAC).
	// +optional
	// +kubebuilder:validation:MaxLength=63
	Namespace string `json:"namespace,omitempty"`
	// Name of the Secret.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Name string `json:"name"`
	// Key within the Secret's data.
	// +optional
	// +kubebuilder:default=secretKey
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Key string `json:"key,omitempty"`
}

// PayloadKeySelector points at one key of a ConfigMap or Secret holding a config-spec payload.
type PayloadKeySelector struct {
	// Namespace of the object. Empty means the operator's own namespace.
	// +optional
	// +kubebuilder:validation:MaxLength=63
	Namespace string `json:"namespace,omitempty"`
	// Name of the object.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Name string `json:"name"`
	// Key holding the download_config_specs JSON (v2 or v1; the format is detected).
	// The value may be gzip- or zstd-compressed when stored as binaryData / Secret data.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Key string `json:"key"`
}

// SourceSpec selects where the config specs come from: Statsig, or a payload the user provides.
// +kubebuilder:validation:XValidation:rule="self.type != 'Statsig' || (!has(self.configMap) && !has(self.secret))",message="source.type Statsig takes neither source.configMap nor source.secret: set exactly one source"
// +kubebuilder:validation:XValidation:rule="self.type != 'ConfigMap' || (has(self.configMap) && !has(self.secret))",message="source.type ConfigMap needs source.configMap and no source.secret: set exactly one source"
// +kubebuilder:validation:XValidation:rule="self.type != 'Secret' || (has(self.secret) && !has(self.configMap))",message="source.type Secret needs source.secret and no source.configMap: set exactly one source"
type SourceSpec struct {
	// Type of the source.
	// +kubebuilder:default=Statsig
	Type SourceType `json:"type"`
	// ConfigMap holding the payload, when type is ConfigMap.
	// +optional
	ConfigMap *PayloadKeySelector `json:"configMap,omitempty"`
	// Secret holding the payload, when type is Secret.
	// +optional
	Secret *PayloadKeySelector `json:"secret,omitempty"`
}

// ProxySpec routes the operator's requests to Statsig through an HTTP(S) proxy
// (Server Core's proxy_config).
type ProxySpec struct {
	// URL of the proxy, e.g. http://proxy.internal:3128 (proxy_protocol, proxy_host, proxy_port).
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:XValidation:rule="isURL(self) && url(self).getScheme() in ['http', 'https'] && url(self).getHost() != ''",message="proxy.url must be an absolute http(s) URL such as http://proxy.internal:3128"
	URL string `json:"url"`
	// Secret key holding "user:password" for the proxy (proxy_auth). Never inline.
	// +optional
	CredentialsSecretRef *SecretKeySelector `json:"credentialsSecretRef,omitempty"`
	// ConfigMap key holding a PEM CA bundle to trust for the proxy (ca_cert_path).
	// +optional
	CABundleConfigMapRef *PayloadKeySelector `json:"caBundleConfigMapRef,omitempty"`
}

// StatsigSpecSpec declares one Statsig project and every Statsig server SDK option for it.
// +kubebuilder:validation:XValidation:rule="!has(self.idListsURL) || self.enableIDLists",message="idListsURL is set but enableIDLists is false: set enableIDLists: true or remove idListsURL"
type StatsigSpecSpec struct {
	// SecretKeyRef points at the Secret key holding the Statsig server secret key
	// ("secret-..."). The key itself never appears in this resource.
	SecretKeyRef SecretKeySelector `json:"secretKeyRef"`

	// Source of the config specs: Statsig (default) or a payload from a ConfigMap or Secret.
	// +optional
	// +kubebuilder:default={type: Statsig}
	Source SourceSpec `json:"source,omitempty"`

	// PayloadFormat requested from Statsig: v2 (Server Core's dcs-v2, default) or v1 (legacy).
	// +optional
	// +kubebuilder:default=v2
	PayloadFormat PayloadFormat `json:"payloadFormat,omitempty"`

	// SpecsURL is the download_config_specs base URL (specs_url); {url}/{key}.json is requested.
	// Unset means https://api.statsigcdn.com/v2/download_config_specs
	// (…/v1/download_config_specs when payloadFormat is v1).
	// +optional
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:XValidation:rule="isURL(self) && url(self).getScheme() in ['http', 'https'] && url(self).getHost() != ''",message="specsURL must be an absolute http(s) URL such as https://api.statsigcdn.com/v2/download_config_specs"
	SpecsURL string `json:"specsURL,omitempty"`

	// SpecAdaptersConfig lists Server Core's spec adapters (spec_adapters_config). A
	// network_grpc_websocket adapter streams config specs from a StatsigForwardProxy gRPC
	// service (statsig-forward-proxy, or the endpoint of another cluster's statsig-operator: fleet
	// chaining): each revision it pushes is validated and stored at once, and specsURL keeps
	// being polled as the fallback. network_http is the polling of specsURL itself.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=4
	// +kubebuilder:validation:XValidation:rule="self.filter(a, a.adapterType == 'network_grpc_websocket').size() <= 1",message="specAdaptersConfig: at most one network_grpc_websocket adapter"
	SpecAdaptersConfig []SpecAdapterConfig `json:"specAdaptersConfig,omitempty"`

	// SpecsSyncIntervalMs is the config-spec polling period (specs_sync_interval_ms).
	// +optional
	// +kubebuilder:default=10000
	// +kubebuilder:validation:Minimum=1000
	// +kubebuilder:validation:Maximum=86400000
	SpecsSyncIntervalMs int64 `json:"specsSyncIntervalMs,omitempty"`

	// InitTimeoutMs caps the first download of the specs (init_timeout_ms).
	// +optional
	// +kubebuilder:default=3000
	// +kubebuilder:validation:Minimum=100
	// +kubebuilder:validation:Maximum=600000
	InitTimeoutMs int64 `json:"initTimeoutMs,omitempty"`

	// FallbackToStatsigAPI retries a failed download from a custom specsURL or idListsURL
	// against Statsig's default URL (fallback_to_statsig_api).
	// +optional
	// +kubebuilder:default=false
	FallbackToStatsigAPI bool `json:"fallbackToStatsigAPI,omitempty"`

	// LogEventURL is where exposures and custom events are sent (log_event_url).
	// +optional
	// +kubebuilder:default="https://prodregistryv2.org/v1/log_event"
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:XValidation:rule="isURL(self) && url(self).getScheme() in ['http', 'https'] && url(self).getHost() != ''",message="logEventURL must be an absolute http(s) URL such as https://prodregistryv2.org/v1/log_event"
	LogEventURL string `json:"logEventURL,omitempty"`

	// DisableAllLogging sends no events at all: no exposures, no custom events (disable_all_logging).
	// +optional
	// +kubebuilder:default=false
	DisableAllLogging bool `json:"disableAllLogging,omitempty"`

	// EventLoggingFlushIntervalMs is the longest an event waits before its batch is sent
	// (event_logging_flush_interval_ms).
	// +optional
	// +kubebuilder:default=60000
	// +kubebuilder:validation:Minimum=1000
	// +kubebuilder:validation:Maximum=3600000
	EventLoggingFlushIntervalMs int64 `json:"eventLoggingFlushIntervalMs,omitempty"`

	// EventLoggingMaxQueueSize is the batch size: a batch is sent when it holds this many
	// events (event_logging_max_queue_size).
	// +optional
	// +kubebuilder:default=2000
	// +kubebuilder:validation:Minimum=10
	// +kubebuilder:validation:Maximum=2000
	EventLoggingMaxQueueSize int32 `json:"eventLoggingMaxQueueSize,omitempty"`

	// EventLoggingMaxPendingBatches bounds memory: at most this many batches wait to be sent;
	// beyond that the oldest events are dropped and counted (event_logging_max_pending_batch_queue_size).
	// +optional
	// +kubebuilder:default=100
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=1000
	EventLoggingMaxPendingBatches int32 `json:"eventLoggingMaxPendingBatches,omitempty"`

	// EventLoggingMaxQueueBytes bounds the same memory in bytes (an operator option, not a
	// Statsig one): events queued and waiting to be sent take at most this much (estimated from
	// their JSON size) in each replica; beyond it the oldest are dropped and counted.
	// +optional
	// +kubebuilder:default=33554432
	// +kubebuilder:validation:Minimum=1048576
	// +kubebuilder:validation:Maximum=1073741824
	EventLoggingMaxQueueBytes int64 `json:"eventLoggingMaxQueueBytes,omitempty"`

	// MaxSkippedSpecsPercent guards the served revision (an operator option): a payload in
	// which more than this share of the specs (of the served revision, or of the payload when
	// nothing is served yet) fail to decode is not published; fewer are left out, as Server
	// Core leaves them out, and reported in the SpecsSkipped condition. 100 never refuses.
	// +optional
	// +kubebuilder:default=10
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=100
	MaxSkippedSpecsPercent *int32 `json:"maxSkippedSpecsPercent,omitempty"`

	// ExposureDedupeMaxKeys caps the exposure de-duplication cache (exposure_dedupe_max_keys).
	// +optional
	// +kubebuilder:default=100000
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=10000000
	ExposureDedupeMaxKeys int32 `json:"exposureDedupeMaxKeys,omitempty"`

	// EnableIDLists downloads ID lists for segments backed by them (enable_id_lists).
	// +optional
	// +kubebuilder:default=false
	EnableIDLists bool `json:"enableIDLists,omitempty"`

	// IDListsURL is a custom ID-list manifest URL, requested with POST (id_lists_url).
	// Unset means https://api.statsigcdn.com/v1/get_id_lists/{key}.json.
	// +optional
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:XValidation:rule="isURL(self) && url(self).getScheme() in ['http', 'https'] && url(self).getHost() != ''",message="idListsURL must be an absolute http(s) URL"
	IDListsURL string `json:"idListsURL,omitempty"`

	// DownloadIDListFileAPI replaces the scheme and host of ID-list file URLs (download_id_list_file_api).
	// +optional
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:XValidation:rule="isURL(self) && url(self).getScheme() in ['http', 'https'] && url(self).getHost() != ''",message="downloadIDListFileAPI must be an absolute http(s) URL"
	DownloadIDListFileAPI string `json:"downloadIDListFileAPI,omitempty"`

	// IDListsSyncIntervalMs is the ID-list polling period (id_lists_sync_interval_ms).
	// +optional
	// +kubebuilder:default=60000
	// +kubebuilder:validation:Minimum=1000
	// +kubebuilder:validation:Maximum=86400000
	IDListsSyncIntervalMs int64 `json:"idListsSyncIntervalMs,omitempty"`

	// IDListsRequestTimeoutMs is the timeout of each ID-list request (id_lists_request_timeout_ms).
	// Unset means 10 s.
	// +optional
	// +kubebuilder:validation:Minimum=100
	// +kubebuilder:validation:Maximum=600000
	IDListsRequestTimeoutMs int64 `json:"idListsRequestTimeoutMs,omitempty"`

	// Environment is the environment tier (environment): {"tier": environment} is used by
	// environment_field conditions and logged. Unset means the payload's default_environment.
	// +optional
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9][A-Za-z0-9_.-]*$`
	Environment string `json:"environment,omitempty"`

	// GlobalCustomFields are custom user fields consulted after the user's own and logged with
	// every event (global_custom_fields).
	// +optional
	// +kubebuilder:validation:Type=object
	// +kubebuilder:pruning:PreserveUnknownFields
	GlobalCustomFields *apiextensionsv1.JSON `json:"globalCustomFields,omitempty"`

	// ServiceName is sent to Statsig as x-request-service (service_name).
	// +optional
	// +kubebuilder:validation:MaxLength=253
	ServiceName string `json:"serviceName,omitempty"`

	// OutputLogLevel is the verbosity of this project's log lines (output_log_level).
	// +optional
	// +kubebuilder:default=warn
	OutputLogLevel LogLevel `json:"outputLogLevel,omitempty"`

	// DisableUserAgentParsing makes ua_based conditions read user fields only (disable_user_agent_parsing).
	// +optional
	// +kubebuilder:default=false
	DisableUserAgentParsing bool `json:"disableUserAgentParsing,omitempty"`

	// DisableCountryLookup makes ip_based conditions read user fields only (disable_country_lookup).
	// +optional
	// +kubebuilder:default=false
	DisableCountryLookup bool `json:"disableCountryLookup,omitempty"`

	// DisableDiskAccess keeps downloaded payloads in memory instead of spooling large
	// bodies to a temporary file (disable_disk_access).
	// +optional
	// +kubebuilder:default=false
	DisableDiskAccess bool `json:"disableDiskAccess,omitempty"`

	// Proxy routes requests to Statsig through an HTTP(S) proxy (proxy_config).
	// +optional
	Proxy *ProxySpec `json:"proxy,omitempty"`

	// NamespaceSelector selects the namespaces whose pods and workloads may be evaluated
	// against this StatsigSpec (an operator option, not a Statsig one). Unset means every
	// namespace may use it; an empty selector ({}) also selects every namespace. Namespaces
	// are matched by their labels (kubernetes.io/metadata.name holds the name). A pod in
	// another namespace is admitted unchanged with a warning (denied in strict mode) and its
	// workload is not patched. Not an access boundary for the evaluation endpoint, which
	// authorizes by API key.
	// +optional
	// +kubebuilder:validation:XValidation:rule="!has(self.matchExpressions) || self.matchExpressions.all(e, e.operator in ['In', 'NotIn', 'Exists', 'DoesNotExist'] && ((e.operator in ['In', 'NotIn']) == (has(e.values) && size(e.values) > 0)))",message="namespaceSelector.matchExpressions: operator must be In, NotIn, Exists or DoesNotExist, with values for In and NotIn only"
	NamespaceSelector *metav1.LabelSelector `json:"namespaceSelector,omitempty"`
}

// SpecAdapterType is how an adapter gets config specs (Server Core's SpecsAdapterType).
// +kubebuilder:validation:Enum=network_grpc_websocket;network_http
type SpecAdapterType string

const (
	// SpecAdapterGRPC streams from a StatsigForwardProxy gRPC service.
	SpecAdapterGRPC SpecAdapterType = "network_grpc_websocket"
	// SpecAdapterHTTP polls specsURL.
	SpecAdapterHTTP SpecAdapterType = "network_http"
)

// AuthenticationMode of a gRPC spec adapter.
// +kubebuilder:validation:Enum=none;tls
type AuthenticationMode string

const (
	AuthenticationNone AuthenticationMode = "none"
	AuthenticationTLS  AuthenticationMode = "tls"
)

// SpecAdapterConfig is one spec adapter (Server Core's SpecAdapterConfig). Server Core's mtls
// mode (client certificate files) is not offered.
// +kubebuilder:validation:XValidation:rule="self.adapterType != 'network_grpc_websocket' || has(self.specsURL)",message="a network_grpc_websocket adapter needs specsURL: the gRPC service, such as http://statsig-operator-endpoint.statsig-system.svc:50051"
// +kubebuilder:validation:XValidation:rule="!has(self.specsURL) || !isURL(self.specsURL) || !has(self.authenticationMode) || self.authenticationMode != 'tls' || url(self.specsURL).getScheme() == 'https'",message="authenticationMode tls needs an https:// specsURL"
type SpecAdapterConfig struct {
	// AdapterType is network_grpc_websocket (stream from a gRPC forward proxy) or network_http.
	AdapterType SpecAdapterType `json:"adapterType"`

	// SpecsURL of the adapter: for network_grpc_websocket, the gRPC service as
	// http://host:port (HTTP/2 without TLS) or https://host:port (TLS).
	// +optional
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:XValidation:rule="isURL(self) && url(self).getScheme() in ['http', 'https'] && url(self).getHost() != ''",message="specsURL must be an absolute http(s) URL such as http://statsig-operator-endpoint.statsig-system.svc:50051"
	SpecsURL string `json:"specsURL,omitempty"`

	// InitTimeoutMs bounds connecting to the service and receiving the first message
	// (init_timeout_ms); the stream is then retried with backoff while specsURL is polled.
	// +optional
	// +kubebuilder:default=3000
	// +kubebuilder:validation:Minimum=100
	// +kubebuilder:validation:Maximum=600000
	InitTimeoutMs int64 `json:"initTimeoutMs,omitempty"`

	// AuthenticationMode is none (default) or tls (verify the server's certificate).
	// +optional
	AuthenticationMode AuthenticationMode `json:"authenticationMode,omitempty"`

	// CABundleConfigMapRef holds the PEM CA certificates the server's certificate is verified
	// with in tls mode (Server Core: ca_cert_path); unset: the system roots.
	// +optional
	CABundleConfigMapRef *PayloadKeySelector `json:"caBundleConfigMapRef,omitempty"`

	// DomainName the server's certificate must be valid for (domain_name); default: the
	// specsURL host.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	DomainName string `json:"domainName,omitempty"`
}

// SyncSource says where the snapshot being served came from.
// +kubebuilder:validation:Enum=Network;Stream;Fallback;ConfigMap;Secret;LastKnownGood
type SyncSource string

const (
	SyncSourceNetwork SyncSource = "Network"
	// SyncSourceStream: pushed by a network_grpc_websocket spec adapter.
	SyncSourceStream        SyncSource = "Stream"
	SyncSourceFallback      SyncSource = "Fallback"
	SyncSourceConfigMap     SyncSource = "ConfigMap"
	SyncSourceSecret        SyncSource = "Secret"
	SyncSourceLastKnownGood SyncSource = "LastKnownGood"
)

// EntityCounts counts what the served snapshot holds.
type EntityCounts struct {
	FeatureGates   int32 `json:"featureGates"`
	DynamicConfigs int32 `json:"dynamicConfigs"`
	Experiments    int32 `json:"experiments"`
	Layers         int32 `json:"layers"`
	Segments       int32 `json:"segments,omitempty"`
	Holdouts       int32 `json:"holdouts,omitempty"`
	IDLists        int32 `json:"idLists"`
}

// PayloadStatus describes the stored payload of the served revision.
type PayloadStatus struct {
	// Format of the payload: v2 or v1.
	// +optional
	Format PayloadFormat `json:"format,omitempty"`
	// Bytes of the uncompressed payload.
	Bytes int64 `json:"bytes"`
	// CompressedBytes of the stored (zstd) payload.
	CompressedBytes int64 `json:"compressedBytes"`
	// Chunks is the number of Secrets the stored payload is split into.
	Chunks int32 `json:"chunks"`
	// SHA256 of the uncompressed payload, hex encoded; revision is its prefix.
	// +optional
	SHA256 string `json:"sha256,omitempty"`
}

// StatsigSpecStatus is the observed state of a StatsigSpec.
type StatsigSpecStatus struct {
	// ObservedGeneration is the generation the status was computed for.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
	// Conditions: Ready, Synced and Degraded.
	// +optional
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty"`
	// Revision is the content address (sha256 prefix) of the snapshot every replica serves.
	// It is flipped only after every chunk of that revision is stored.
	// +optional
	Revision string `json:"revision,omitempty"`
	// PreviousRevision is kept stored for rollback.
	// +optional
	PreviousRevision string `json:"previousRevision,omitempty"`
	// IDListsRevision is the content address of the stored ID-list snapshot.
	// +optional
	IDListsRevision string `json:"idListsRevision,omitempty"`
	// LastSyncTime is when the controller last fetched a payload that changed the snapshot
	// or confirmed it (not rewritten on unchanged polls).
	// +optional
	LastSyncTime *metav1.Time `json:"lastSyncTime,omitempty"`
	// LastUpdateTime is the payload's own time (Statsig's lcut: last config update).
	// +optional
	LastUpdateTime *metav1.Time `json:"lastUpdateTime,omitempty"`
	// Counts of the entities in the served snapshot.
	// +optional
	Counts *EntityCounts `json:"counts,omitempty"`
	// Payload describes the stored payload.
	// +optional
	Payload *PayloadStatus `json:"payload,omitempty"`
	// Source of the served snapshot.
	// +optional
	Source SyncSource `json:"source,omitempty"`
	// ActiveOverrides counts the accepted, unexpired StatsigOverrides of this StatsigSpec.
	// +optional
	ActiveOverrides int32 `json:"activeOverrides,omitempty"`
}

// StatsigSpec declares one Statsig project: where its server secret key lives and every
// Statsig server SDK option. The operator syncs its config specs into the cluster and serves
// evaluations from them.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Cluster,shortName=ssp,categories=statsig
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Revision",type=string,JSONPath=`.status.revision`
// +kubebuilder:printcolumn:name="Gates",type=integer,JSONPath=`.status.counts.featureGates`
// +kubebuilder:printcolumn:name="Configs",type=integer,JSONPath=`.status.counts.dynamicConfigs`
// +kubebuilder:printcolumn:name="Experiments",type=integer,JSONPath=`.status.counts.experiments`
// +kubebuilder:printcolumn:name="Overrides",type=integer,JSONPath=`.status.activeOverrides`
// +kubebuilder:printcolumn:name="Last Sync",type=date,JSONPath=`.status.lastSyncTime`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type StatsigSpec struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   StatsigSpecSpec   `json:"spec"`
	Status StatsigSpecStatus `json:"status,omitempty"`
}

// StatsigSpecList is a list of StatsigSpecs.
// +kubebuilder:object:root=true
type StatsigSpecList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []StatsigSpec `json:"items"`
}

func init() {
	SchemeBuilder.Register(func(s *runtime.Scheme) error {
		s.AddKnownTypes(GroupVersion, &StatsigSpec{}, &StatsigSpecList{})
		return nil
	})
}
