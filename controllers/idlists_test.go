package controllers

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	flagsv1alpha1 "github.com/statsig-operator/statsig-operator/api/v1alpha1"
	"github.com/statsig-operator/statsig-operator/test/standin"
)

var _ = Describe("ID lists", func() {
	It("are synced incrementally, all or nothing, into their own revisioned snapshot", func() {
		srv := startStandin(standin.Options{})
		Expect(srv.SetPayloadFile(standin.V1, fixtureDCS)).To(Succeed())
		srv.SetIDList("list_1", []byte("+7NRRgGd0\n+ungWv48B\n"), "file-1", 1000)
		keySecret("ids-key", "secret-ids")
		spec := statsigSpec("ids", "ids-key", srv, standin.V1)
		spec.Spec.EnableIDLists = true
		spec.Spec.IDListsURL = srv.IDListsURL()
		spec.Spec.IDListsSyncIntervalMs = 1000
		Expect(k8sClient.Create(ctx, spec)).To(Succeed())

		var first string
		Eventually(func(g Gomega) {
			s := getSpec(g, "ids")
			g.Expect(s.Status.IDListsRevision).NotTo(BeEmpty())
			g.Expect(s.Status.Counts.IDLists).To(Equal(int32(1)))
			first = s.Status.IDListsRevision
		}, 15*time.Second, 100*time.Millisecond).Should(Succeed())
		Eventually(func() string {
			if p := op.registry.Get("ids"); p != nil {
				return p.IDListsRevision
			}
			return ""
		}, 10*time.Second).Should(Equal(first))

		By("an appended list is fetched from the consumed offset")
		srv.ResetRequests()
		Expect(srv.AppendIDList("list_1", []byte("+abcdefgh\n"))).To(BeTrue())
		var second string
		Eventually(func(g Gomega) {
			s := getSpec(g, "ids")
			g.Expect(s.Status.IDListsRevision).NotTo(Equal(first))
			second = s.Status.IDListsRevision
		}, 15*time.Second, 100*time.Millisecond).Should(Succeed())
		files := srv.RequestsTo(standin.RouteIDListFile)
		Expect(files).NotTo(BeEmpty())
		Expect(files[len(files)-1].Header.Get("Range")).To(Equal("bytes=20-"))

		By("a failing list file changes nothing and is reported")
		Expect(srv.InjectFault(standin.RouteIDListFile, standin.Fault{Kind: standin.Status500})).To(Succeed())
		DeferCleanup(srv.ClearFaults)
		Expect(srv.AppendIDList("list_1", []byte("+zzzzzzzz\n"))).To(BeTrue())
		Eventually(func(g Gomega) {
			s := getSpec(g, "ids")
			g.Expect(condition(s, flagsv1alpha1.ConditionSynced).Reason).To(Equal(flagsv1alpha1.ReasonIDListsFailed))
			g.Expect(s.Status.IDListsRevision).To(Equal(second))
		}, 20*time.Second, 100*time.Millisecond).Should(Succeed())
		srv.ClearFaults()
		Eventually(func(g Gomega) {
			s := getSpec(g, "ids")
			g.Expect(condition(s, flagsv1alpha1.ConditionSynced).Status).To(BeEquivalentTo("True"))
			g.Expect(s.Status.IDListsRevision).NotTo(Equal(second))
		}, 20*time.Second, 100*time.Millisecond).Should(Succeed())
	})
})
