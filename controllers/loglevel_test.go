package controllers

import (
	"strings"
	"sync"

	"github.com/go-logr/logr/funcr"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	logf "sigs.k8s.io/controller-runtime/pkg/log"

	flagsv1alpha1 "github.com/statsig-operator/statsig-operator/api/v1alpha1"
)

// A sync that fails (its ConfigMap does not exist) logs "Sync failed" at V(0); the spec's
// outputLogLevel decides whether that line is written.
var _ = Describe("outputLogLevel", func() {
	DescribeTable("filters the lines of a StatsigSpec's sync",
		func(level flagsv1alpha1.LogLevel, wantSyncFailed bool) {
			name := "loglevel-" + string(level)
			keySecret(name+"-key", "secret-"+name)
			spec := configMapSpec(name, name+"-key", name+"-missing")
			spec.Spec.OutputLogLevel = level
			Expect(k8sClient.Create(ctx, spec)).To(Succeed())
			key := types.NamespacedName{Name: name}
			Eventually(func() error { return op.rec.Get(ctx, key, &flagsv1alpha1.StatsigSpec{}) }).Should(Succeed())

			var mu sync.Mutex
			var lines []string
			capture := funcr.New(func(_, args string) {
				mu.Lock()
				defer mu.Unlock()
				lines = append(lines, args)
			}, funcr.Options{Verbosity: 10})
			// A reconciler of its own (fresh per-spec state), so the sync runs here, logging
			// to capture, whatever the suite's operator is doing with the same spec.
			rec := &StatsigSpecReconciler{Client: op.rec.Client, APIReader: op.rec.APIReader, Store: op.rec.Store,
				Refs: op.rec.Refs, Recorder: op.rec.Recorder, Opts: op.rec.Opts}
			_, err := rec.Reconcile(logf.IntoContext(ctx, capture), ctrl.Request{NamespacedName: key})
			Expect(err).NotTo(HaveOccurred())
			Expect(rec.state(name).failures).To(Equal(1), "the sync ran and failed")

			mu.Lock()
			defer mu.Unlock()
			all := strings.Join(lines, "\n")
			if wantSyncFailed {
				Expect(all).To(ContainSubstring(`"msg"="Sync failed"`))
			} else {
				Expect(lines).To(BeEmpty(), all)
			}
		},
		Entry("warn (the default) writes it", flagsv1alpha1.LogLevelWarn, true),
		Entry("debug writes it", flagsv1alpha1.LogLevelDebug, true),
		Entry("error writes no info line", flagsv1alpha1.LogLevelError, false),
		Entry("none writes nothing", flagsv1alpha1.LogLevelNone, false),
	)
})
