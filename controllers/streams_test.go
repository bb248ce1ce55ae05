package controllers

import (
	"path/filepath"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	flagsv1alpha1 "github.com/statsig-operator/statsig-operator/api/v1alpha1"
	"github.com/statsig-operator/statsig-operator/evaluator"
	"github.com/statsig-operator/statsig-operator/test/standin"
)

// A StatsigSpec with a network_grpc_websocket adapter stores what the stream pushes at once,
// though its specsURL poll is an hour away; when the stream breaks it reconnects with its lcut.
var _ = Describe("A StatsigSpec streaming from a gRPC forward proxy", Ordered, func() {
	const (
		name = "streamed"
		key  = "secret-streamed"
	)
	var (
		srv  *standin.Server
		addr string
	)
	gateValue := func() bool {
		p := op.registry.Get(name)
		if p == nil || p.Evaluator == nil {
			return false
		}
		return p.Evaluator.CheckGate(&evaluator.User{UserID: evaluator.StringValue("u1")}, "new_checkout").Value
	}
	BeforeAll(func() {
		srv = startStandin(standin.Options{Keys: []string{key}})
		payloadFile := filepath.Join("..", "config", "samples", "statsig", "dcs_v2.json")
		Expect(srv.SetPayloadFile(standin.V2, payloadFile)).To(Succeed())
		var err error
		addr, err = srv.StartGRPC()
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(srv.StopGRPC)
		keySecret("streamed-key", key)
	})

	It("stores each pushed revision without waiting for the poll", func() {
		s := statsigSpec(name, "streamed-key", srv, standin.V2)
		s.Spec.SpecsSyncIntervalMs = 3600000
		s.Spec.SpecAdaptersConfig = []flagsv1alpha1.SpecAdapterConfig{{
			AdapterType: flagsv1alpha1.SpecAdapterGRPC, SpecsURL: "http://" + addr, InitTimeoutMs: 3000,
		}}
		Expect(k8sClient.Create(ctx, s)).To(Succeed())
		Eventually(gateValue, 20*time.Second, 50*time.Millisecond).Should(BeTrue())
		first := getSpec(Default, name).Status.Revision

		Expect(srv.SetGate("new_checkout", 0)).To(Succeed())
		Eventually(gateValue, 10*time.Second, 50*time.Millisecond).Should(BeFalse())
		st := getSpec(Default, name)
		Expect(st.Status.Revision).NotTo(Equal(first))
		Expect(st.Status.Source).To(Equal(flagsv1alpha1.SyncSourceStream))
		Expect(srv.RequestsTo(standin.RouteDCSV2)).To(HaveLen(1), "only the first sync polls specsURL")
	})

	It("reconnects after the service restarts and gets what changed meanwhile", func() {
		srv.StopGRPC()
		Expect(srv.SetGate("new_checkout", 100)).To(Succeed())
		var err error
		// The same port is not guaranteed; the spec is edited to the new address, which also
		// restarts its stream (a changed adapter is a new stream).
		addr, err = srv.StartGRPC()
		Expect(err).NotTo(HaveOccurred())
		s := getSpec(Default, name)
		s.Spec.SpecAdaptersConfig[0].SpecsURL = "http://" + addr
		Expect(k8sClient.Update(ctx, s)).To(Succeed())
		Eventually(gateValue, 20*time.Second, 50*time.Millisecond).Should(BeTrue())
	})

	It("stops streaming when the adapter is removed", func() {
		s := getSpec(Default, name)
		s.Spec.SpecAdaptersConfig = nil
		Expect(k8sClient.Update(ctx, s)).To(Succeed())
		Eventually(func() bool { return hasStream(name) },
			10*time.Second, 50*time.Millisecond).Should(BeFalse())
	})
})

func hasStream(name string) bool {
	s := op.rec.streams
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.streams[name] != nil
}
