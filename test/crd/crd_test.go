package crd_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	flagsv1alpha1 "github.com/statsig-operator/statsig-operator/api/v1alpha1"
)

var seq atomic.Int64

func uniqueName(prefix string) string { return fmt.Sprintf("%s-%d", prefix, seq.Add(1)) }

// specObject builds an unstructured StatsigSpec so tests can send shapes the typed API cannot.
func specObject(name string, spec map[string]any) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": flagsv1alpha1.GroupVersion.String(),
		"kind":       "StatsigSpec",
		"metadata":   map[string]any{"name": name},
		"spec":       spec,
	}}
	return u
}

func validSpec() map[string]any {
	return map[string]any{"secretKeyRef": map[string]any{"name": "statsig-server-key"}}
}

func with(overrides map[string]any) map[string]any {
	s := validSpec()
	for k, v := range overrides {
		if v == nil {
			delete(s, k)
			continue
		}
		s[k] = v
	}
	return s
}

var _ = Describe("StatsigSpec CRD", func() {
	It("applies the SDK defaults", func() {
		name := uniqueName("defaults")
		Expect(k8sClient.Create(ctx, specObject(name, validSpec()))).To(Succeed())
		var got flagsv1alpha1.StatsigSpec
		Expect(k8sClient.Get(ctx, client.ObjectKey{Name: name}, &got)).To(Succeed())
		s := got.Spec
		Expect(s.SecretKeyRef.Key).To(Equal("secretKey"))
		Expect(s.Source.Type).To(Equal(flagsv1alpha1.SourceStatsig))
		Expect(s.PayloadFormat).To(Equal(flagsv1alpha1.PayloadFormatV2))
		Expect(s.SpecsURL).To(BeEmpty(), "the effective specs URL depends on payloadFormat; the controller resolves it")
		Expect(s.SpecsSyncIntervalMs).To(Equal(int64(10000)))
		Expect(s.InitTimeoutMs).To(Equal(int64(3000)))
		Expect(s.LogEventURL).To(Equal(flagsv1alpha1.DefaultLogEventURL))
		Expect(s.DisableAllLogging).To(BeFalse())
		Expect(s.EventLoggingFlushIntervalMs).To(Equal(int64(60000)))
		Expect(s.EventLoggingMaxQueueSize).To(Equal(int32(2000)))
		Expect(s.EventLoggingMaxPendingBatches).To(Equal(int32(100)))
		Expect(s.ExposureDedupeMaxKeys).To(Equal(int32(100000)))
		Expect(s.EnableIDLists).To(BeFalse())
		Expect(s.IDListsSyncIntervalMs).To(Equal(int64(60000)))
		Expect(s.FallbackToStatsigAPI).To(BeFalse())
		Expect(s.OutputLogLevel).To(Equal(flagsv1alpha1.LogLevelWarn))
		Expect(s.DisableUserAgentParsing).To(BeFalse())
		Expect(s.DisableCountryLookup).To(BeFalse())
	})

	It("accepts a fully specified StatsigSpec", func() {
		spec := with(map[string]any{
			"secretKeyRef":                  map[string]any{"namespace": "statsig-system", "name": "k", "key": "serverKey"},
			"payloadFormat":                 "v1",
			"specsURL":                      "https://statsig-proxy.internal:8443/v1/download_config_specs",
			"specsSyncIntervalMs":           int64(1000),
			"initTimeoutMs":                 int64(5000),
			"fallbackToStatsigAPI":          true,
			"logEventURL":                   "http://events.internal/v1/log_event",
			"disableAllLogging":             true,
			"eventLoggingFlushIntervalMs":   int64(5000),
			"eventLoggingMaxQueueSize":      int64(10),
			"eventLoggingMaxPendingBatches": int64(5),
			"enableIDLists":                 true,
			"idListsURL":                    "https://statsig-proxy.internal/v1/get_id_lists",
			"idListsSyncIntervalMs":         int64(120000),
			"idListsRequestTimeoutMs":       int64(2000),
			"environment":                   "staging",
			"globalCustomFields":            map[string]any{"cluster": "prod-eu-1", "shard": int64(3)},
			"serviceName":                   "checkout",
			"outputLogLevel":                "debug",
			"disableUserAgentParsing":       true,
			"disableCountryLookup":          true,
			"disableDiskAccess":             true,
			"proxy": map[string]any{
				"url":                  "http://proxy.internal:3128",
				"credentialsSecretRef": map[string]any{"name": "proxy-auth", "key": "auth"},
			},
			"specAdaptersConfig": []any{
				map[string]any{
					"adapterType": "network_grpc_websocket", "specsURL": "https://statsig-operator-endpoint.hub.svc:50051",
					"initTimeoutMs": int64(5000), "authenticationMode": "tls", "domainName": "hub.example.com",
					"caBundleConfigMapRef": map[string]any{"name": "hub-ca", "key": "ca.crt"},
				},
				map[string]any{"adapterType": "network_http"},
			},
		})
		Expect(k8sClient.Create(ctx, specObject(uniqueName("full"), spec))).To(Succeed())
	})

	It("accepts a ConfigMap source for air-gapped clusters", func() {
		spec := with(map[string]any{"source": map[string]any{
			"type": "ConfigMap", "configMap": map[string]any{"name": "specs", "key": "dcs.json"},
		}})
		Expect(k8sClient.Create(ctx, specObject(uniqueName("cm"), spec))).To(Succeed())
	})

	DescribeTable("rejects bad StatsigSpecs with a clear message",
		func(spec map[string]any, wantMessage string) {
			err := k8sClient.Create(ctx, specObject(uniqueName("bad"), spec))
			Expect(err).To(HaveOccurred())
			Expect(apierrors.IsInvalid(err)).To(BeTrue(), "want 422 Invalid, got %v", err)
			Expect(err.Error()).To(ContainSubstring(wantMessage))
		},
		Entry("missing secretKeyRef", with(map[string]any{"secretKeyRef": nil}), "spec.secretKeyRef: Required value"),
		Entry("secretKeyRef without name", with(map[string]any{"secretKeyRef": map[string]any{"key": "k"}}),
			"spec.secretKeyRef.name: Required value"),
		Entry("bad URL scheme", with(map[string]any{"specsURL": "ftp://example.com/dcs"}),
			"specsURL must be an absolute http(s) URL"),
		Entry("relative URL", with(map[string]any{"specsURL": "/v2/download_config_specs"}),
			"specsURL must be an absolute http(s) URL"),
		Entry("URL without a host", with(map[string]any{"logEventURL": "https://"}),
			"logEventURL must be an absolute http(s) URL"),
		Entry("not a URL at all", with(map[string]any{"logEventURL": "statsig events"}),
			"logEventURL must be an absolute http(s) URL"),
		Entry("bad proxy URL", with(map[string]any{"proxy": map[string]any{"url": "socks5://proxy:1080"}}),
			"proxy.url must be an absolute http(s) URL"),
		Entry("gRPC adapter without specsURL",
			with(map[string]any{"specAdaptersConfig": []any{map[string]any{"adapterType": "network_grpc_websocket"}}}),
			"a network_grpc_websocket adapter needs specsURL"),
		Entry("two gRPC adapters", with(map[string]any{"specAdaptersConfig": []any{
			map[string]any{"adapterType": "network_grpc_websocket", "specsURL": "http://a:50051"},
			map[string]any{"adapterType": "network_grpc_websocket", "specsURL": "http://b:50051"},
		}}), "at most one network_grpc_websocket adapter"),
		Entry("unknown adapter type",
			with(map[string]any{"specAdaptersConfig": []any{map[string]any{"adapterType": "data_store"}}}),
			"spec.specAdaptersConfig[0].adapterType: Unsupported value"),
		Entry("tls on a plaintext URL", with(map[string]any{"specAdaptersConfig": []any{map[string]any{
			"adapterType": "network_grpc_websocket", "specsURL": "http://a:50051", "authenticationMode": "tls",
		}}}), "authenticationMode tls needs an https:// specsURL"),
		Entry("mtls (not offered)", with(map[string]any{"specAdaptersConfig": []any{map[string]any{
			"adapterType": "network_grpc_websocket", "specsURL": "https://a:50051", "authenticationMode": "mtls",
		}}}), "authenticationMode: Unsupported value"),
		Entry("bad adapter URL", with(map[string]any{"specAdaptersConfig": []any{map[string]any{
			"adapterType": "network_grpc_websocket", "specsURL": "grpc://a:50051",
		}}}), "specsURL must be an absolute http(s) URL such as http://statsig-operator-endpoint"),
		Entry("sync interval below minimum", with(map[string]any{"specsSyncIntervalMs": int64(999)}),
			"spec.specsSyncIntervalMs: Invalid value: 999: "+
				"spec.specsSyncIntervalMs in body should be greater than or equal to 1000"),
		Entry("ID-list interval below minimum", with(map[string]any{"idListsSyncIntervalMs": int64(10)}),
			"idListsSyncIntervalMs in body should be greater than or equal to 1000"),
		Entry("flush interval below minimum", with(map[string]any{"eventLoggingFlushIntervalMs": int64(0)}),
			"eventLoggingFlushIntervalMs in body should be greater than or equal to 1000"),
		Entry("negative queue size", with(map[string]any{"eventLoggingMaxQueueSize": int64(-1)}),
			"eventLoggingMaxQueueSize in body should be greater than or equal to 10"),
		Entry("queue size above maximum", with(map[string]any{"eventLoggingMaxQueueSize": int64(5000)}),
			"eventLoggingMaxQueueSize in body should be less than or equal to 2000"),
		Entry("zero pending batches", with(map[string]any{"eventLoggingMaxPendingBatches": int64(0)}),
			"eventLoggingMaxPendingBatches in body should be greater than or equal to 1"),
		Entry("unknown log level", with(map[string]any{"outputLogLevel": "verbose"}),
			`spec.outputLogLevel: Unsupported value: "verbose": supported values: "none", "error", "warn", "info", "debug"`),
		Entry("unknown payload format", with(map[string]any{"payloadFormat": "v3"}), `Unsupported value: "v3"`),
		Entry("unknown source type", with(map[string]any{"source": map[string]any{"type": "S3"}}),
			`spec.source.type: Unsupported value: "S3"`),
		Entry("two sources at once", with(map[string]any{"source": map[string]any{
			"type":      "ConfigMap",
			"configMap": map[string]any{"name": "a", "key": "k"},
			"secret":    map[string]any{"name": "b", "key": "k"},
		}}), "source.type ConfigMap needs source.configMap and no source.secret: set exactly one source"),
		Entry("Statsig source with a ConfigMap", with(map[string]any{"source": map[string]any{
			"type": "Statsig", "configMap": map[string]any{"name": "a", "key": "k"},
		}}), "source.type Statsig takes neither source.configMap nor source.secret"),
		Entry("Secret source without a secret", with(map[string]any{"source": map[string]any{"type": "Secret"}}),
			"source.type Secret needs source.secret"),
		Entry("ID-list URL without ID lists", with(map[string]any{"idListsURL": "https://x.example/v1/get_id_lists"}),
			"idListsURL is set but enableIDLists is false"),
		Entry("environment with spaces", with(map[string]any{"environment": "my env"}),
			"spec.environment in body should match"),
		Entry("init timeout too small", with(map[string]any{"initTimeoutMs": int64(1)}),
			"initTimeoutMs in body should be greater than or equal to 100"),
		Entry("global custom fields not an object", with(map[string]any{"globalCustomFields": "x"}),
			"spec.globalCustomFields: Invalid value"),
	)

	It("round-trips the status subresource and ignores status on spec updates", func() {
		name := uniqueName("status")
		Expect(k8sClient.Create(ctx, specObject(name, validSpec()))).To(Succeed())
		var ssp flagsv1alpha1.StatsigSpec
		Expect(k8sClient.Get(ctx, client.ObjectKey{Name: name}, &ssp)).To(Succeed())

		now := metav1.Now()
		ssp.Status.ObservedGeneration = ssp.Generation
		ssp.Status.Revision = "3f2a9c0d1e5b7a88"
		ssp.Status.Source = flagsv1alpha1.SyncSourceNetwork
		ssp.Status.LastSyncTime = &now
		ssp.Status.LastUpdateTime = &now
		ssp.Status.Counts = &flagsv1alpha1.EntityCounts{
			FeatureGates:   82,
			DynamicConfigs: 30,
			Experiments:    35,
			Layers:         12,
			IDLists:        1,
		}
		ssp.Status.Payload = &flagsv1alpha1.PayloadStatus{
			Format:          flagsv1alpha1.PayloadFormatV2,
			Bytes:           432327,
			CompressedBytes: 51234,
			Chunks:          1,
		}
		meta.SetStatusCondition(&ssp.Status.Conditions, metav1.Condition{
			Type: flagsv1alpha1.ConditionReady, Status: metav1.ConditionTrue,
			Reason: flagsv1alpha1.ReasonSnapshotServed, Message: "Serving revision 3f2a9c0d1e5b7a88",
			ObservedGeneration: ssp.Generation,
		})
		Expect(k8sClient.Status().Update(ctx, &ssp)).To(Succeed())

		var got flagsv1alpha1.StatsigSpec
		Expect(k8sClient.Get(ctx, client.ObjectKey{Name: name}, &got)).To(Succeed())
		Expect(got.Status.Revision).To(Equal("3f2a9c0d1e5b7a88"))
		Expect(got.Status.Counts.FeatureGates).To(Equal(int32(82)))
		Expect(got.Status.Payload.Chunks).To(Equal(int32(1)))
		Expect(meta.IsStatusConditionTrue(got.Status.Conditions, flagsv1alpha1.ConditionReady)).To(BeTrue())

		// A spec update through the main resource must not touch status.
		got.Spec.Environment = "production"
		got.Status.Revision = "should-not-stick"
		Expect(k8sClient.Update(ctx, &got)).To(Succeed())
		var again flagsv1alpha1.StatsigSpec
		Expect(k8sClient.Get(ctx, client.ObjectKey{Name: name}, &again)).To(Succeed())
		Expect(again.Spec.Environment).To(Equal("production"))
		Expect(again.Status.Revision).To(Equal("3f2a9c0d1e5b7a88"))
		Expect(again.Generation).To(BeNumerically(">", ssp.Generation))
	})

	It("serves the printer columns kubectl get shows", func() {
		Expect(k8sClient.Create(ctx, specObject(uniqueName("table"), validSpec()))).To(Succeed())
		httpClient, err := rest.HTTPClientFor(cfg)
		Expect(err).NotTo(HaveOccurred())
		req, err := http.NewRequestWithContext(ctx, http.MethodGet,
			strings.TrimSuffix(cfg.Host, "/")+"/apis/flags.statsig-operator.io/v1alpha1/statsigspecs", nil)
		Expect(err).NotTo(HaveOccurred())
		req.Header.Set("Accept", "application/json;as=Table;v=v1;g=meta.k8s.io")
		resp, err := httpClient.Do(req)
		Expect(err).NotTo(HaveOccurred())
		defer func() { _ = resp.Body.Close() }()
		Expect(resp.StatusCode).To(Equal(http.StatusOK))
		var table metav1.Table
		Expect(json.NewDecoder(resp.Body).Decode(&table)).To(Succeed())
		names := make([]string, 0, len(table.ColumnDefinitions))
		for _, c := range table.ColumnDefinitions {
			names = append(names, c.Name)
		}
		Expect(names).To(Equal([]string{
			"Name", "Ready", "Revision", "Gates", "Configs", "Experiments", "Overrides", "Last Sync", "Age",
		}))
		Expect(table.Rows).NotTo(BeEmpty())
	})

	It("is cluster-scoped with short name ssp; StatsigOverride is namespaced with short name sov", func() {
		scopes := map[string]string{}
		for _, crd := range testEnv.CRDs {
			scopes[crd.Spec.Names.Kind] = string(crd.Spec.Scope) + "/" + strings.Join(crd.Spec.Names.ShortNames, ",")
		}
		Expect(scopes).To(Equal(map[string]string{"StatsigSpec": "Cluster/ssp", "StatsigOverride": "Namespaced/sov"}))
	})
})
