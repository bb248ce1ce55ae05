package snapshot

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/manager"
)

// ChunkSelector selects snapshot chunk Secrets.
func ChunkSelector() labels.Selector {
	return labels.SelectorFromSet(labels.Set{LabelSnapshot: labelSnapshotValue})
}

// RestrictSecretCache makes the manager cache only the snapshot chunk Secrets of namespace
// instead of every Secret in the cluster. Call it on the manager's cache options in main;
// other Secrets (keys, payload sources, proxy credentials) are read through Refs.
//
// The chunks are watched as metadata only (metav1.PartialObjectMetadata: the consumer's
// watch, the controller's Owns with builder.OnlyMetadata, Store's lists), so the apiserver
// sends no chunk data to the informers and no replica keeps a revision's compressed bytes in
// its cache: Store.Read reads them from the apiserver when a revision is loaded. Should a
// typed Secret informer ever be started on this cache, its transform drops the data too.
func RestrictSecretCache(opts *cache.Options, namespace string) {
	if opts.ByObject == nil {
		opts.ByObject = map[client.Object]cache.ByObject{}
	}
	opts.ByObject[&corev1.Secret{}] = cache.ByObject{
		Namespaces: map[string]cache.Config{namespace: {LabelSelector: ChunkSelector()}},
		Transform:  StripChunkData,
	}
}

// StripChunkData is a cache transform that keeps a Secret's metadata only (no data, no
// managed fields).
func StripChunkData(in any) (any, error) {
	if sec, ok := in.(*corev1.Secret); ok {
		sec.Data, sec.StringData = nil, nil
	}
	if obj, ok := in.(metav1.Object); ok && obj.GetManagedFields() != nil {
		obj.SetManagedFields(nil)
	}
	return in, nil
}

// Refs reads the objects a StatsigSpec references (key Secrets, payload ConfigMaps and
// Secrets, proxy credentials). Objects in the operator's namespace come from a dedicated
// cache of non-chunk Secrets and ConfigMaps of that namespace, so changes to them are watched;
// objects in other namespaces are read from the apiserver on every sync.
type Refs struct {
	// Cache holds the non-chunk Secrets and the ConfigMaps of Namespace.
	Cache     cache.Cache
	api       client.Reader
	namespace string
}

// refsCache runs with the manager's caches (every replica, before the controllers) and is
// waited on for sync.
type refsCache struct{ cache.Cache }

func (r refsCache) GetCache() cache.Cache { return r.Cache }

// NewRefs creates the Refs of the operator namespace and adds its cache to mgr (it runs with
// the manager's caches and is waited on for sync). main creates one and hands it to the
// controller and the consumer, so both read through one cache.
func NewRefs(mgr manager.Manager, namespace string) (*Refs, error) {
	if namespace == "" {
		return nil, fmt.Errorf("snapshot: refs namespace is required")
	}
	notChunk, err := labels.NewRequirement(LabelSnapshot, selection.DoesNotExist, nil)
	if err != nil {
		return nil, err
	}
	c, err := cache.New(mgr.GetConfig(), cache.Options{
		Scheme:            mgr.GetScheme(),
		Mapper:            mgr.GetRESTMapper(),
		DefaultNamespaces: map[string]cache.Config{namespace: {}},
		ByObject: map[client.Object]cache.ByObject{
			&corev1.Secret{}: {Label: labels.NewSelector().Add(*notChunk)},
		},
		DefaultTransform: cache.TransformStripManagedFields(),
	})
	if err != nil {
		return nil, fmt.Errorf("create refs cache: %w", err)
	}
	if err := mgr.Add(refsCache{c}); err != nil {
		return nil, err
	}
	return &Refs{Cache: c, api: mgr.GetAPIReader(), namespace: namespace}, nil
}

// Namespace is the operator's namespace, where references without a namespace point.
func (r *Refs) Namespace() string { return r.namespace }

// Get reads a referenced Secret or ConfigMap; an empty namespace means the operator's.
func (r *Refs) Get(ctx context.Context, namespace, name string, obj client.Object) error {
	if namespace == "" {
		namespace = r.namespace
	}
	key := client.ObjectKey{Namespace: namespace, Name: name}
	if namespace == r.namespace {
		return r.Cache.Get(ctx, key, obj)
	}
	return r.api.Get(ctx, key, obj)
}
