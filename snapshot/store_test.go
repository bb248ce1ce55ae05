package snapshot

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	flagsv1alpha1 "github.com/statsig-operator/statsig-operator/api/v1alpha1"
)

// payload returns n bytes of JSON-like text that compresses a few times, like a real one.
func payload(n int, seed uint64) []byte {
	rng := rand.New(rand.NewPCG(seed, 1))
	var b bytes.Buffer
	b.WriteString(`{"has_updates":true,"feature_gates":{`)
	for i := 0; b.Len() < n; i++ {
		fmt.Fprintf(&b, `"gate_%d_%x":{"salt":"%x","enabled":%v},`, i, rng.Uint64(), rng.Uint32(), i%2 == 0)
	}
	return b.Bytes()[:n]
}

func newSpec(name string) *flagsv1alpha1.StatsigSpec {
	s := &flagsv1alpha1.StatsigSpec{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: flagsv1alpha1.StatsigSpecSpec{
			SecretKeyRef: flagsv1alpha1.SecretKeySelector{Name: "key"},
			Source:       flagsv1alpha1.SourceSpec{Type: flagsv1alpha1.SourceStatsig},
		},
	}
	Expect(k8sClient.Create(ctx, s)).To(Succeed())
	return s
}

var _ = Describe("Store", func() {
	var store *Store
	BeforeEach(func() {
		store = &Store{
			Client:    k8sClient,
			Reader:    k8sClient,
			Scheme:    k8sClient.Scheme(),
			Namespace: testNS,
			ChunkSize: 64 << 10,
			REST:      secretsREST(),
		}
	})

	It("writes chunks under the size limit with owner references and reads them back verified", func() {
		spec := newSpec("store-roundtrip")
		raw := payload(3<<20, 1)
		blob, err := Compress(bytes.NewReader(raw), store.MaxCompressed())
		Expect(err).NotTo(HaveOccurred())
		res, err := store.Write(ctx, spec, KindSpecs, blob, Manifest{Format: "v2", Time: 1234, Checksum: "c1"})
		Expect(err).NotTo(HaveOccurred())
		Expect(res.Manifest.Chunks).To(BeNumerically(">", 1))
		Expect(res.BytesWritten).To(BeNumerically(">=", len(blob.Data)))

		var list corev1.SecretList
		Expect(k8sClient.List(ctx, &list, client.InNamespace(testNS), client.MatchingLabels{LabelSpec: spec.Name})).
			To(Succeed())
		Expect(list.Items).To(HaveLen(res.Manifest.Chunks))
		for _, s := range list.Items {
			Expect(s.Type).To(Equal(ChunkSecretType))
			Expect(len(s.Data[DataKey])).To(BeNumerically("<=", 64<<10))
			Expect(s.OwnerReferences).To(HaveLen(1))
			Expect(s.OwnerReferences[0].UID).To(Equal(spec.UID))
			Expect(s.OwnerReferences[0].Kind).To(Equal("StatsigSpec"))
			Expect(*s.OwnerReferences[0].Controller).To(BeTrue())
			Expect(s.Labels).To(HaveKeyWithValue(LabelRevision, blob.Revision()))
		}

		m, data, err := store.Read(ctx, spec.Name, KindSpecs, blob.Revision())
		Expect(err).NotTo(HaveOccurred())
		Expect(m.Time).To(Equal(int64(1234)))
		Expect(m.Checksum).To(Equal("c1"))
		r, err := Decompress(data)
		Expect(err).NotTo(HaveOccurred())
		got, err := io.ReadAll(r)
		Expect(err).NotTo(HaveOccurred())
		Expect(bytes.Equal(got, raw)).To(BeTrue())

		By("rewriting the same revision writes nothing (completes an interrupted run)")
		res2, err := store.Write(ctx, spec, KindSpecs, blob, Manifest{Format: "v2", Time: 1234, Checksum: "c1"})
		Expect(err).NotTo(HaveOccurred())
		Expect(res2.BytesWritten).To(BeZero())
	})

	It("detects a missing chunk and a corrupted chunk", func() {
		spec := newSpec("store-damage")
		blob, err := Compress(bytes.NewReader(payload(1<<20, 2)), store.MaxCompressed())
		Expect(err).NotTo(HaveOccurred())
		res, err := store.Write(ctx, spec, KindSpecs, blob, Manifest{Format: "v2"})
		Expect(err).NotTo(HaveOccurred())
		Expect(res.Manifest.Chunks).To(BeNumerically(">=", 3))
		rev := blob.Revision()

		_, err = store.Complete(ctx, spec.Name, KindSpecs, rev)
		Expect(err).NotTo(HaveOccurred())

		last := &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Namespace: testNS, Name: ChunkName(spec.Name, KindSpecs, rev, res.Manifest.Chunks-1)},
		}
		Expect(k8sClient.Delete(ctx, last)).To(Succeed())
		_, err = store.Complete(ctx, spec.Name, KindSpecs, rev)
		Expect(err).To(MatchError(ErrIncomplete))
		_, _, err = store.Read(ctx, spec.Name, KindSpecs, rev)
		Expect(err).To(MatchError(ErrIncomplete))

		By("a chunk with other bytes of the same length fails the sha256 check")
		var c1 corev1.Secret
		Expect(k8sClient.Get(ctx, client.ObjectKey{Namespace: testNS, Name: ChunkName(spec.Name, KindSpecs, rev, 1)}, &c1)).
			To(Succeed())
		bad := c1.DeepCopy()
		bad.ObjectMeta = metav1.ObjectMeta{Namespace: testNS, Name: c1.Name, Labels: c1.Labels, Annotations: c1.Annotations}
		bad.Data[DataKey] = bytes.Repeat([]byte{0}, len(c1.Data[DataKey]))
		Expect(k8sClient.Delete(ctx, &c1)).To(Succeed())
		Expect(k8sClient.Create(ctx, bad)).To(Succeed())
		// Restore the deleted last chunk by rewriting: only missing or differing chunks are sent.
		res2, err := store.Write(ctx, spec, KindSpecs, blob, Manifest{Format: "v2"})
		Expect(err).NotTo(HaveOccurred())
		Expect(res2.BytesWritten).To(BeNumerically("<", res.BytesWritten))
		_, _, err = store.Read(ctx, spec.Name, KindSpecs, rev)
		Expect(err).NotTo(HaveOccurred(), "the rewrite replaced the corrupted chunk (it had no owner reference)")

		c1Meta := metav1.ObjectMeta{Namespace: testNS, Name: ChunkName(spec.Name, KindSpecs, rev, 1)}
		Expect(k8sClient.Delete(ctx, &corev1.Secret{ObjectMeta: c1Meta})).To(Succeed())
		bad.ResourceVersion = ""
		bad.OwnerReferences = nil
		Expect(k8sClient.Create(ctx, bad)).To(Succeed())
		_, _, err = store.Read(ctx, spec.Name, KindSpecs, rev)
		Expect(err).To(MatchError(ErrCorrupt))
	})

	It("garbage-collects every revision but the kept ones", func() {
		spec := newSpec("store-gc")
		revs := make([]string, 0, 3)
		for i := range 3 {
			blob, err := Compress(bytes.NewReader(payload(200<<10, uint64(10+i))), store.MaxCompressed())
			Expect(err).NotTo(HaveOccurred())
			_, err = store.Write(ctx, spec, KindSpecs, blob, Manifest{})
			Expect(err).NotTo(HaveOccurred())
			revs = append(revs, blob.Revision())
		}
		n, err := store.GC(ctx, spec.Name, KindSpecs, revs[2], revs[1])
		Expect(err).NotTo(HaveOccurred())
		Expect(n).To(BeNumerically(">", 0))
		got, err := store.Revisions(ctx, spec.Name, KindSpecs)
		Expect(err).NotTo(HaveOccurred())
		Expect(got).To(HaveLen(2))
		Expect(got).To(HaveKey(revs[1]))
		Expect(got).To(HaveKey(revs[2]))
	})

	It("refuses a payload that needs more chunks than allowed", func() {
		spec := newSpec("store-too-large")
		small := &Store{
			Client:    k8sClient,
			Reader:    k8sClient,
			Scheme:    k8sClient.Scheme(),
			Namespace: testNS,
			ChunkSize: 16 << 10,
			MaxChunks: 2,
		}
		_, err := Compress(bytes.NewReader(payload(2<<20, 3)), small.MaxCompressed())
		Expect(err).To(MatchError(ErrTooLarge))
		blob, err := Compress(bytes.NewReader(payload(2<<20, 3)), 64<<20)
		Expect(err).NotTo(HaveOccurred())
		_, err = small.Write(ctx, spec, KindSpecs, blob, Manifest{})
		Expect(err).To(MatchError(ErrTooLarge))
		revs, err := small.Revisions(ctx, spec.Name, KindSpecs)
		Expect(err).NotTo(HaveOccurred())
		Expect(revs).To(BeEmpty(), "nothing is written when the size check fails")
	})
})

var _ = Describe("Store with the manager's cache", func() {
	It("caches chunk metadata only and reads chunk data from the apiserver", func() {
		opts := cache.Options{Scheme: k8sClient.Scheme()}
		RestrictSecretCache(&opts, testNS)
		c, err := cache.New(cfg, opts)
		Expect(err).NotTo(HaveOccurred())
		cctx, stop := context.WithCancel(ctx)
		defer stop()
		go func() { _ = c.Start(cctx) }()
		Expect(c.WaitForCacheSync(cctx)).To(BeTrue())
		store := &Store{
			Client: k8sClient, Reader: c, APIReader: k8sClient, Scheme: k8sClient.Scheme(),
			Namespace: testNS, ChunkSize: 64 << 10,
		}
		spec := newSpec("store-cached")
		raw := payload(2<<20, 7)
		blob, err := Compress(bytes.NewReader(raw), store.MaxCompressed())
		Expect(err).NotTo(HaveOccurred())
		res, err := store.Write(ctx, spec, KindSpecs, blob, Manifest{Format: "v2"})
		Expect(err).NotTo(HaveOccurred())
		Expect(res.Manifest.Chunks).To(BeNumerically(">", 2))

		By("the metadata-only informer sees every chunk (manifest, completeness)")
		Eventually(func() error {
			_, err := store.Complete(ctx, spec.Name, KindSpecs, blob.Revision())
			return err
		}, 10*time.Second, 50*time.Millisecond).Should(Succeed())
		_, data, err := store.Read(ctx, spec.Name, KindSpecs, blob.Revision())
		Expect(err).NotTo(HaveOccurred())
		Expect(data).To(Equal(blob.Data))
		revs, err := store.Revisions(ctx, spec.Name, KindSpecs)
		Expect(err).NotTo(HaveOccurred())
		Expect(revs[blob.Revision()]).To(HaveLen(res.Manifest.Chunks))

		By("even a typed read through the cache finds no chunk data (the transform drops it)")
		Eventually(func(g Gomega) {
			var list corev1.SecretList
			g.Expect(c.List(ctx, &list, client.InNamespace(testNS), client.MatchingLabels{LabelSpec: spec.Name})).To(Succeed())
			g.Expect(list.Items).To(HaveLen(res.Manifest.Chunks))
			for _, s := range list.Items {
				g.Expect(s.Data).To(BeEmpty())
				g.Expect(s.Annotations).To(HaveKey(AnnotationManifest))
			}
		}, 10*time.Second, 50*time.Millisecond).Should(Succeed())

		By("a chunk missing on the apiserver is ErrIncomplete, whatever the cache holds")
		last := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{
			Namespace: testNS, Name: ChunkName(spec.Name, KindSpecs, blob.Revision(), res.Manifest.Chunks-1),
		}}
		Expect(k8sClient.Delete(ctx, last)).To(Succeed())
		_, _, err = store.Read(ctx, spec.Name, KindSpecs, blob.Revision())
		Expect(err).To(MatchError(ErrIncomplete))
	})
})

// secretsREST is the REST client the controller gives its Store (chunk creates that discard
// the apiserver's response).
func secretsREST() rest.Interface {
	hc, err := rest.HTTPClientFor(cfg)
	Expect(err).NotTo(HaveOccurred())
	rc, err := NewSecretsREST(cfg, hc, k8sClient.Scheme())
	Expect(err).NotTo(HaveOccurred())
	return rc
}
