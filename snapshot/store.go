package snapshot

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apimachinery/pkg/runtime/serializer/protobuf"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	flagsv1alpha1 "github.com/statsig-operator/statsig-operator/api/v1alpha1"
)

// Store limits.
const (
	// DefaultChunkSize keeps each chunk Secret well under the 1 MiB Secret data limit.
	DefaultChunkSize = 768 << 10
	// DefaultMaxChunks caps a snapshot at 48 MiB compressed.
	DefaultMaxChunks = 64
)

var (
	// ErrIncomplete means a chunk of the revision is missing (not yet written or not yet
	// in the cache).
	ErrIncomplete = errors.New("snapshot incomplete")
	// ErrCorrupt means the chunks do not decompress to the payload named in the manifest.
	ErrCorrupt = errors.New("snapshot corrupt")
)

// Store writes and reads snapshots as chunk Secrets in one namespace.
type Store struct {
	// Client writes chunks.
	Client client.Client
	// Reader reads the chunks' metadata (labels and annotations, as
	// metav1.PartialObjectMetadata): the manager's cache, which holds the chunk Secrets'
	// metadata only (RestrictSecretCache), never their data.
	Reader client.Reader
	// APIReader reads chunk data (Read), straight from the apiserver when a revision is
	// loaded, so the data is held once, by whoever assembled it, and not also in an informer
	// cache. It also double-checks what the cache may not have caught up with yet (chunks
	// this process just wrote). When nil, Reader is used for both.
	APIReader client.Reader
	// Scheme resolves the owner's kind for owner references.
	Scheme *runtime.Scheme
	// Namespace holding the chunks (the operator's namespace).
	Namespace string
	// ChunkSize and MaxChunks bound each chunk and each snapshot; zero means the defaults.
	ChunkSize int
	MaxChunks int
	// REST, when set (a core/v1 REST client: NewSecretsREST), creates chunks without the
	// garbage of a typed Create: the request body is encoded once into a buffer each writer
	// reuses, and the apiserver's response (the whole Secret again) is discarded unread
	// instead of being read, decoded and thrown away (~70 MB of garbage per 62 MB revision).
	REST rest.Interface
}

// NewSecretsREST returns the core/v1 REST client Store.REST wants, on the manager's
// configuration and HTTP client.
func NewSecretsREST(cfg *rest.Config, httpClient *http.Client, scheme *runtime.Scheme) (rest.Interface, error) {
	return apiutil.RESTClientForGVK(corev1.SchemeGroupVersion.WithKind("Secret"), false, false, cfg,
		serializer.NewCodecFactory(scheme), httpClient)
}

func (s *Store) chunkSize() int {
	if s.ChunkSize > 0 {
		return s.ChunkSize
	}
	return DefaultChunkSize
}

// MaxCompressed is the largest compressed snapshot the store accepts.
func (s *Store) MaxCompressed() int {
	n := s.MaxChunks
	if n <= 0 {
		n = DefaultMaxChunks
	}
	return n * s.chunkSize()
}

// WriteResult says what Write sent to the apiserver.
type WriteResult struct {
	Manifest Manifest
	// BytesWritten counts chunk bytes created or updated (0 when every chunk already existed).
	BytesWritten int64
}

// Write stores blob as revision blob.Revision() of owner's snapshot of the given kind. meta
// supplies Format, Time and Checksum. It is idempotent: chunks that already hold the same
// bytes are left alone, so a run interrupted before the status flip completes on retry.
func (s *Store) Write(
	ctx context.Context,
	owner *flagsv1alpha1.StatsigSpec,
	kind Kind,
	blob *Blob,
	meta Manifest,
) (*WriteResult, error) {
	size := s.chunkSize()
	if len(blob.Data) > s.MaxCompressed() {
		return nil, fmt.Errorf("%w: %d compressed bytes, limit %d", ErrTooLarge, len(blob.Data), s.MaxCompressed())
	}
	n := (len(blob.Data) + size - 1) / size
	if n == 0 {
		n = 1
	}
	m := meta
	m.Kind, m.Revision, m.Chunks = kind, blob.Revision(), n
	m.SHA256, m.Size, m.CompressedSize = blob.SHA256, blob.Size, int64(len(blob.Data))
	enc, err := m.encode()
	if err != nil {
		return nil, err
	}
	res := &WriteResult{Manifest: m}
	write := func(i int, alloc *runtime.Allocator) (int64, error) {
		lo, hi := i*size, min((i+1)*size, len(blob.Data))
		return s.writeChunk(ctx, owner, kind, m.Revision, i, enc, blob.Data[lo:hi], alloc)
	}
	// Chunks 1..n-1 in parallel, chunk 0 last: a reader that finds chunk 0 can expect the
	// others to exist.
	var (
		mu   sync.Mutex
		errs []error
		wg   sync.WaitGroup
		next = make(chan int)
	)
	for range min(writeParallelism, n-1) {
		wg.Go(func() {
			alloc := newChunkAllocator(size) // one request body per writer, reused chunk after chunk
			for i := range next {
				wrote, err := write(i, alloc)
				mu.Lock()
				res.BytesWritten += wrote
				if err != nil {
					errs = append(errs, err)
				}
				mu.Unlock()
			}
		})
	}
	for i := 1; i < n; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	wrote, err := write(0, newChunkAllocator(size))
	if err != nil {
		return nil, err
	}
	res.BytesWritten += wrote
	return res, nil
}

// writeParallelism bounds concurrent chunk writes: enough to hide apiserver latency without
// flooding it.
const writeParallelism = 4

func (s *Store) writeChunk(
	ctx context.Context,
	owner *flagsv1alpha1.StatsigSpec,
	kind Kind,
	rev string,
	i int,
	manifest string,
	data []byte,
	alloc *runtime.Allocator,
) (int64, error) {
	sec := &corev1.Secret{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
		ObjectMeta: metav1.ObjectMeta{
			Name:        ChunkName(owner.Name, kind, rev, i),
			Namespace:   s.Namespace,
			Labels:      chunkLabels(owner.Name, kind, rev, i),
			Annotations: map[string]string{AnnotationSpecName: owner.Name, AnnotationManifest: manifest},
		},
		Type:      ChunkSecretType,
		Immutable: new(true),
		Data:      map[string][]byte{DataKey: data},
	}
	if err := controllerutil.SetControllerReference(owner, sec, s.Scheme); err != nil {
		return 0, err
	}
	err := s.create(ctx, sec, alloc)
	if err == nil {
		return int64(len(data) + len(manifest)), nil
	}
	if !apierrors.IsAlreadyExists(err) {
		return 0, fmt.Errorf("create snapshot chunk %s: %w", sec.Name, err)
	}
	// Left over from an interrupted run: keep it when it is byte-identical, else replace it
	// (chunks are immutable, so replacing means delete and create).
	var cur corev1.Secret
	if err := s.apiReader().Get(ctx, client.ObjectKeyFromObject(sec), &cur); err != nil {
		return 0, fmt.Errorf("read snapshot chunk %s: %w", sec.Name, err)
	}
	if bytes.Equal(cur.Data[DataKey], data) && cur.Annotations[AnnotationManifest] == manifest &&
		metav1.IsControlledBy(&cur, owner) {
		return 0, nil
	}
	if err := s.Client.Delete(ctx, &cur, client.Preconditions{UID: &cur.UID}); client.IgnoreNotFound(err) != nil {
		return 0, fmt.Errorf("replace snapshot chunk %s: %w", sec.Name, err)
	}
	sec.ResourceVersion = ""
	if err := s.create(ctx, sec, alloc); err != nil {
		return 0, fmt.Errorf("create snapshot chunk %s: %w", sec.Name, err)
	}
	return int64(len(data) + len(manifest)), nil
}

// newChunkAllocator returns an allocator whose buffer holds any encoded chunk of size bytes
// (data plus metadata), so it never grows (runtime.Allocator grows to 2×cap+n when a
// request is a byte longer than the first, e.g. at chunk index 10).
func newChunkAllocator(size int) *runtime.Allocator {
	a := &runtime.Allocator{}
	a.Allocate(uint64(size) + 64<<10)
	return a
}

// chunkCodec encodes chunk Secrets for REST (protobuf, as the typed client sends them).
var chunkCodec = protobuf.NewSerializer(nil, nil)

// create creates sec through REST when set (see Store.REST), else with Client.
func (s *Store) create(ctx context.Context, sec *corev1.Secret, alloc *runtime.Allocator) error {
	if s.REST == nil {
		return s.Client.Create(ctx, sec)
	}
	var body capture
	if err := chunkCodec.EncodeWithAllocator(sec, &body, alloc); err != nil {
		return err
	}
	res, err := s.REST.Post().Namespace(sec.Namespace).Resource("secrets").
		SetHeader("Content-Type", runtime.ContentTypeProtobuf).Body(body.b).Stream(ctx)
	if err != nil {
		return err // an apierrors.StatusError for a refused create
	}
	defer func() { _ = res.Close() }()
	_, err = io.Copy(io.Discard, res)
	return err
}

// capture keeps the one slice the protobuf encoder writes (the allocator's buffer), so the
// request body is not copied into a growing buffer first.
type capture struct{ b []byte }

func (c *capture) Write(p []byte) (int, error) {
	if c.b != nil {
		c.b = append(c.b, p...)
	} else {
		c.b = p
	}
	return len(p), nil
}

// ReadManifest returns the manifest of a stored revision (from its chunk 0's metadata).
func (s *Store) ReadManifest(ctx context.Context, specName string, kind Kind, rev string) (*Manifest, error) {
	sec := chunkMeta()
	key := client.ObjectKey{Namespace: s.Namespace, Name: ChunkName(specName, kind, rev, 0)}
	if err := s.Reader.Get(ctx, key, sec); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, fmt.Errorf("%w: revision %s chunk 0 not found", ErrIncomplete, rev)
		}
		return nil, err
	}
	return manifestOf(sec, kind, rev)
}

// chunkMeta is an empty chunk Secret as metadata only: reading it through the manager's
// client is served by the metadata-only informer of chunk Secrets.
func chunkMeta() *metav1.PartialObjectMetadata {
	m := &metav1.PartialObjectMetadata{}
	m.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("Secret"))
	return m
}

func manifestOf(sec metav1.Object, kind Kind, rev string) (*Manifest, error) {
	m, err := decodeManifest(sec.GetAnnotations()[AnnotationManifest])
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	if m.Revision != rev || m.Kind != kind {
		return nil, fmt.Errorf("%w: chunk %s names revision %s", ErrCorrupt, sec.GetName(), m.Revision)
	}
	return m, nil
}

// readParallelism bounds concurrent chunk reads from the apiserver.
const readParallelism = 4

// Read assembles a stored revision and verifies it against its manifest's sha256. It returns
// ErrIncomplete when a chunk is missing and ErrCorrupt when the bytes do not match. The
// manifest comes from the cache (metadata); the chunks' data is read from the apiserver
// (APIReader) straight into one buffer of the compressed size: every chunk but the last has
// the size of chunk 0, so each lands at its offset as it arrives and the chunk Secrets are
// garbage at once.
func (s *Store) Read(ctx context.Context, specName string, kind Kind, rev string) (*Manifest, []byte, error) {
	m, err := s.ReadManifest(ctx, specName, kind, rev)
	if err != nil {
		return nil, nil, err
	}
	if m.Chunks < 1 || m.Chunks > 4096 || m.CompressedSize < 0 || m.CompressedSize > int64(m.Chunks)<<20 {
		// The buffer below is allocated from the manifest: never trust an absurd size (a
		// Secret holds at most 1 MiB).
		return nil, nil, fmt.Errorf("%w: revision %s: manifest says %d compressed bytes in %d chunks",
			ErrCorrupt, rev, m.CompressedSize, m.Chunks)
	}
	want := s.manifestAnnotation(m)
	data := make([]byte, m.CompressedSize)
	// get reads chunk i into data at offset i*size and returns its length.
	get := func(i, size int, rs *chunkReader) (int, error) {
		var sec corev1.Secret
		key := client.ObjectKey{Namespace: s.Namespace, Name: ChunkName(specName, kind, rev, i)}
		if err := s.getChunk(ctx, key, &sec, rs); err != nil {
			if apierrors.IsNotFound(err) {
				return 0, fmt.Errorf("%w: revision %s chunk %d of %d not found", ErrIncomplete, rev, i, m.Chunks)
			}
			return 0, err
		}
		if sec.Annotations[AnnotationManifest] != want {
			return 0, fmt.Errorf("%w: chunk %s belongs to another write of revision %s", ErrIncomplete, sec.Name, rev)
		}
		b := sec.Data[DataKey]
		lo := i * size
		switch {
		case i == 0:
		case i < m.Chunks-1 && len(b) != size, i == m.Chunks-1 && int64(lo+len(b)) != m.CompressedSize:
			return 0, fmt.Errorf("%w: revision %s chunk %d has %d bytes, not what %d compressed bytes in %d chunks of %d make",
				ErrCorrupt, rev, i, len(b), m.CompressedSize, m.Chunks, size)
		}
		if int64(lo+len(b)) > m.CompressedSize {
			return 0, fmt.Errorf("%w: revision %s has more than the %d compressed bytes its manifest says",
				ErrCorrupt, rev, m.CompressedSize)
		}
		copy(data[lo:], b)
		return len(b), nil
	}
	size, err := get(0, 0, &chunkReader{})
	if err != nil {
		return nil, nil, err
	}
	if m.Chunks == 1 && int64(size) != m.CompressedSize || m.Chunks > 1 && size == 0 {
		return nil, nil, fmt.Errorf("%w: revision %s has %d compressed bytes in chunk 0 of %d, manifest says %d",
			ErrCorrupt, rev, size, m.Chunks, m.CompressedSize)
	}
	var (
		mu   sync.Mutex
		errs []error
		wg   sync.WaitGroup
		next = make(chan int)
	)
	for range min(readParallelism, m.Chunks-1) {
		wg.Go(func() {
			rs := &chunkReader{}
			for i := range next {
				if _, err := get(i, size, rs); err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				}
			}
		})
	}
	for i := 1; i < m.Chunks; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, nil, err
	}
	if err := Verify(data, m); err != nil {
		return nil, nil, err
	}
	return m, data, nil
}

// chunkReader is one reader's buffers for chunk GETs through REST, reused chunk after chunk.
type chunkReader struct {
	body []byte
	unk  runtime.Unknown
}

// getChunk reads a chunk Secret from the apiserver. Through REST (when set) it asks for
// protobuf and decodes the body from a buffer the reader reuses, so a chunk costs one copy of
// its data (the Secret's) instead of the typed client's four or five (the growing response
// body, the envelope, the decoded object, ...): a replica without the controller allocated
// ~74 MB to read a 12.4 MB revision.
func (s *Store) getChunk(ctx context.Context, key client.ObjectKey, sec *corev1.Secret, rs *chunkReader) error {
	if s.REST == nil {
		return s.apiReader().Get(ctx, key, sec)
	}
	res, err := s.REST.Get().Namespace(key.Namespace).Resource("secrets").Name(key.Name).
		SetHeader("Accept", runtime.ContentTypeProtobuf).Stream(ctx)
	if err != nil {
		return err // an apierrors.StatusError (NotFound, ...)
	}
	defer func() { _ = res.Close() }()
	b := rs.body[:0]
	if cap(b) == 0 {
		b = make([]byte, 0, s.chunkSize()+64<<10) // a chunk and its metadata, once per reader
	}
	for {
		if len(b) == cap(b) { // a larger chunk than this store writes: double
			nb := make([]byte, len(b), 2*cap(b))
			copy(nb, b)
			b = nb
		}
		n, err := res.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("read snapshot chunk %s: %w", key.Name, err)
		}
	}
	rs.body = b
	prefix := []byte("k8s\x00")
	if !bytes.HasPrefix(b, prefix) {
		return fmt.Errorf("read snapshot chunk %s: not a protobuf response", key.Name)
	}
	if err := rs.unk.Unmarshal(b[len(prefix):]); err != nil {
		return fmt.Errorf("decode snapshot chunk %s: %w", key.Name, err)
	}
	if rs.unk.Kind != "Secret" {
		return fmt.Errorf("decode snapshot chunk %s: got a %s", key.Name, rs.unk.Kind)
	}
	if err := sec.Unmarshal(rs.unk.Raw); err != nil {
		return fmt.Errorf("decode snapshot chunk %s: %w", key.Name, err)
	}
	return nil
}

func (s *Store) manifestAnnotation(m *Manifest) string {
	enc, _ := m.encode()
	return enc
}

// Revisions lists the revisions that have chunks stored for the spec and kind, with their
// chunks' metadata (the Secrets' data is never read here). The objects may be the cache's
// own: read them, never modify them.
func (s *Store) Revisions(
	ctx context.Context,
	specName string,
	kind Kind,
) (map[string][]metav1.PartialObjectMetadata, error) {
	return s.revisions(ctx, s.Reader, specName, kind)
}

func (s *Store) revisions(
	ctx context.Context,
	r client.Reader,
	specName string,
	kind Kind,
) (map[string][]metav1.PartialObjectMetadata, error) {
	list := &metav1.PartialObjectMetadataList{}
	list.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("SecretList"))
	// Without a deep copy: every poll checks the stored revision (docs/performance.md). The
	// callers only read labels and annotations.
	if err := r.List(ctx, list, client.InNamespace(s.Namespace), client.MatchingLabels{
		LabelSnapshot: labelSnapshotValue, LabelSpec: specLabelValue(specName), LabelKind: string(kind),
	}, client.UnsafeDisableDeepCopy); err != nil {
		return nil, err
	}
	out := map[string][]metav1.PartialObjectMetadata{}
	for _, sec := range list.Items {
		if sec.Annotations[AnnotationSpecName] != specName {
			continue // a hashed label value shared by another name
		}
		rev := sec.Labels[LabelRevision]
		out[rev] = append(out[rev], sec)
	}
	return out, nil
}

// Stale lists the revisions of the spec and kind stored besides keep.
func (s *Store) Stale(ctx context.Context, specName string, kind Kind, keep ...string) ([]string, error) {
	revs, err := s.Revisions(ctx, specName, kind)
	if err != nil {
		return nil, err
	}
	kept := keepSet(keep)
	var out []string
	for rev := range revs {
		if !kept[rev] {
			out = append(out, rev)
		}
	}
	return out, nil
}

func keepSet(keep []string) map[string]bool {
	kept := map[string]bool{}
	for _, k := range keep {
		if k != "" {
			kept[k] = true
		}
	}
	return kept
}

// GC deletes the chunks of every revision of the spec and kind except keep (the served and
// the previous revision). It also removes half-written revisions left by an interrupted run.
func (s *Store) GC(ctx context.Context, specName string, kind Kind, keep ...string) (deleted int, err error) {
	revs, err := s.Revisions(ctx, specName, kind)
	if err != nil {
		return 0, err
	}
	kept := keepSet(keep)
	var errs []error
	for rev, secs := range revs {
		if kept[rev] {
			continue
		}
		for i := range secs {
			uid := secs[i].UID
			chunk := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: secs[i].Name, Namespace: secs[i].Namespace}}
			err := s.Client.Delete(ctx, chunk, client.Preconditions{UID: &uid})
			if client.IgnoreNotFound(err) != nil {
				errs = append(errs, fmt.Errorf("delete snapshot chunk %s: %w", secs[i].Name, err))
				continue
			}
			deleted++
		}
	}
	return deleted, errors.Join(errs...)
}

// chunkIndex parses a chunk's index label.
func chunkIndex(sec metav1.Object) int {
	i, err := strconv.Atoi(sec.GetLabels()[LabelIndex])
	if err != nil {
		return -1
	}
	return i
}

func (s *Store) apiReader() client.Reader {
	if s.APIReader != nil {
		return s.APIReader
	}
	return s.Reader
}

// Complete returns the manifest of a stored revision after checking that all its chunks are
// present, or ErrIncomplete / ErrCorrupt. It reads the cache and asks the apiserver only
// when the cache looks incomplete.
func (s *Store) Complete(ctx context.Context, specName string, kind Kind, rev string) (*Manifest, error) {
	m, err := s.complete(ctx, s.Reader, specName, kind, rev)
	if errors.Is(err, ErrIncomplete) && s.APIReader != nil {
		return s.complete(ctx, s.APIReader, specName, kind, rev)
	}
	return m, err
}

func (s *Store) complete(
	ctx context.Context,
	r client.Reader,
	specName string,
	kind Kind,
	rev string,
) (*Manifest, error) {
	revs, err := s.revisions(ctx, r, specName, kind)
	if err != nil {
		return nil, err
	}
	secs := revs[rev]
	var m *Manifest
	seen := map[int]bool{}
	for i := range secs {
		if chunkIndex(&secs[i]) == 0 {
			if m, err = manifestOf(&secs[i], kind, rev); err != nil {
				return nil, err
			}
		}
		seen[chunkIndex(&secs[i])] = true
	}
	if m == nil {
		return nil, fmt.Errorf("%w: revision %s chunk 0 not found", ErrIncomplete, rev)
	}
	for i := 0; i < m.Chunks; i++ {
		if !seen[i] {
			return nil, fmt.Errorf("%w: revision %s chunk %d of %d not found", ErrIncomplete, rev, i, m.Chunks)
		}
	}
	return m, nil
}
