package endpoint_test

import (
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/statsig-operator/statsig-operator/endpoint"
	"github.com/statsig-operator/statsig-operator/grpcproxy"
	"github.com/statsig-operator/statsig-operator/serving"
)

// The endpoint (kind="sse") and the gRPC forward proxy (kind="grpc") register the same push
// series on one registry, in either order: both kinds must be exported.
func TestPushMetricsSharedWithGRPC(t *testing.T) {
	for _, grpcFirst := range []bool{false, true} {
		prom := prometheus.NewRegistry()
		reg := serving.NewRegistry()
		mk := []func(){
			func() {
				if _, err := endpoint.NewServer(endpoint.Options{Registry: reg, Metrics: prom}); err != nil {
					t.Fatal(err)
				}
			},
			func() {
				if _, err := grpcproxy.NewServer(grpcproxy.Options{Addr: "127.0.0.1:0", Registry: reg, Metrics: prom}); err != nil {
					t.Fatal(err)
				}
			},
		}
		if grpcFirst {
			mk[0], mk[1] = mk[1], mk[0]
		}
		mk[0]()
		mk[1]()
		mfs, err := prom.Gather()
		if err != nil {
			t.Fatal(err)
		}
		kinds := map[string]map[string]bool{}
		for _, mf := range mfs {
			if !strings.HasPrefix(mf.GetName(), "statsig_operator_push_") {
				continue
			}
			kinds[mf.GetName()] = map[string]bool{}
			for _, m := range mf.GetMetric() {
				for _, l := range m.GetLabel() {
					if l.GetName() == "kind" {
						kinds[mf.GetName()][l.GetValue()] = true
					}
				}
			}
		}
		for _, name := range []string{"statsig_operator_push_streams", "statsig_operator_push_messages_total",
			"statsig_operator_push_latency_seconds", "statsig_operator_push_heartbeats_total",
			"statsig_operator_push_streams_rejected_total"} {
			if !kinds[name]["sse"] || !kinds[name]["grpc"] {
				t.Errorf("grpc first %v: %s kinds %v, want sse and grpc", grpcFirst, name, kinds[name])
			}
		}
	}
}
