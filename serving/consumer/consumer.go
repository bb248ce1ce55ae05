// Package consumer loads the snapshot revision named in each StatsigSpec's status into the
// serving registry of this replica. It runs in every replica (not leader-elected).
package consumer

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/source"

	flagsv1alpha1 "github.com/statsig-operator/statsig-operator/api/v1alpha1"
	"github.com/statsig-operator/statsig-operator/evaluator"
	"github.com/statsig-operator/statsig-operator/memrelease"
	"github.com/statsig-operator/statsig-operator/serving"
	"github.com/statsig-operator/statsig-operator/snapshot"
	"github.com/statsig-operator/statsig-operator/speclog"
	"github.com/statsig-operator/statsig-operator/tenancy"
)

// consumerRefsIndex indexes StatsigSpecs by the Secrets the consumer reads ("ns/name").
const consumerRefsIndex = "statsig-operator.io/consumer-refs"

// Consumer loads the revision named in each StatsigSpec's status into a serving.Registry. It
// runs in every replica (not leader-elected) and reads only the cluster, so a replica starts
// serving the stored snapshot while Statsig is unreachable.
type Consumer struct {
	reader    client.Reader
	store     *snapshot.Store
	refs      *snapshot.Refs
	registry  *serving.Registry
	handoff   *serving.Handoff
	eventSink EventSinkFunc
	namespace string

	// guard decides which namespaces' StatsigOverrides apply (nil: overrides are off).
	guard *tenancy.Guard

	mu     sync.Mutex
	loaded map[string]*loadedProject
	hits   map[string]*atomic.Uint64 // override answers per StatsigSpec
}

// EventSinkFunc gives a published project its exposure/event sink (nil: nothing is logged).
// It is called with the StatsigSpec and its server secret key.
type EventSinkFunc func(spec *flagsv1alpha1.StatsigSpec, serverKey string) serving.EventSink

// Options configure New.
type Options struct {
	// Registry is what the consumer fills. Required.
	Registry *serving.Registry
	// Refs reads key Secrets (the operator namespace's cache, shared with the controller).
	// Required; its namespace is where snapshot chunks are read.
	Refs *snapshot.Refs
	// Handoff, when set, offers the specs the controller of this process already loaded.
	Handoff *serving.Handoff
	// EventSink, when set, gives each published project its event sink.
	EventSink EventSinkFunc
	// Overrides applies StatsigOverrides (overrideset.Index must be registered with the
	// manager first).
	Overrides bool
	// Metrics registers statsig_operator_override_evaluations_total (nil: not registered).
	Metrics prometheus.Registerer
}

// loadedProject is what the consumer last published for a StatsigSpec.
type loadedProject struct {
	revision    string
	idListsRev  string
	specs       *evaluator.Specs
	ids         evaluator.IDLists
	payload     *serving.Payload
	fingerprint string // evaluator options and keys
	overrides   string // overrideset.Set.Fingerprint applied
}

// New registers a non-leader-elected controller with mgr that keeps the registry in sync
// with the stored snapshots of every StatsigSpec. Chunk Secrets are read through the
// manager's cache (see snapshot.RestrictSecretCache); key Secrets through o.Refs. Add
// c.ReadyzCheck() as the manager's readyz check.
func New(mgr ctrl.Manager, o Options) (*Consumer, error) {
	if o.Registry == nil || o.Refs == nil {
		return nil, errors.New("consumer: Options.Registry and Options.Refs are required")
	}
	namespace := o.Refs.Namespace()
	chunkREST, err := snapshot.NewSecretsREST(mgr.GetConfig(), mgr.GetHTTPClient(), mgr.GetScheme())
	if err != nil {
		return nil, err
	}
	c := &Consumer{
		reader: mgr.GetClient(),
		// Chunk metadata from the cache (metadata only), chunk data from the apiserver.
		store: &snapshot.Store{
			Reader: mgr.GetClient(), APIReader: mgr.GetAPIReader(), REST: chunkREST, Namespace: namespace,
		},
		refs: o.Refs, registry: o.Registry, handoff: o.Handoff, eventSink: o.EventSink,
		namespace: namespace,
		loaded:    map[string]*loadedProject{},
		hits:      map[string]*atomic.Uint64{},
	}
	indexRefs := func(o client.Object) []string { return c.secretRefs(o.(*flagsv1alpha1.StatsigSpec)) }
	err = mgr.GetFieldIndexer().
		IndexField(context.Background(), &flagsv1alpha1.StatsigSpec{}, consumerRefsIndex, indexRefs)
	if err != nil {
		return nil, err
	}
	chunkToSpec := handler.TypedEnqueueRequestsFromMapFunc(func(
		_ context.Context,
		s *metav1.PartialObjectMetadata,
	) []reconcile.Request {
		if name := s.Annotations[snapshot.AnnotationSpecName]; name != "" {
			return []reconcile.Request{{NamespacedName: client.ObjectKey{Name: name}}}
		}
		return nil
	})
	refToSpecs := handler.TypedEnqueueRequestsFromMapFunc(func(ctx context.Context, s *corev1.Secret) []reconcile.Request {
		var list flagsv1alpha1.StatsigSpecList
		ref := s.Namespace + "/" + s.Name
		if err := mgr.GetClient().List(ctx, &list, client.MatchingFields{consumerRefsIndex: ref}); err != nil {
			return nil
		}
		out := make([]reconcile.Request, 0, len(list.Items))
		for _, sp := range list.Items {
			out = append(out, reconcile.Request{NamespacedName: client.ObjectKey{Name: sp.Name}})
		}
		return out
	})
	isChunk := predicate.NewTypedPredicateFuncs(func(s *metav1.PartialObjectMetadata) bool {
		return snapshot.IsChunk(s.Labels)
	})
	// Chunk Secrets are watched as metadata only: their data is read once per revision by
	// Store.Read, never cached (snapshot.RestrictSecretCache).
	chunks := &metav1.PartialObjectMetadata{}
	chunks.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("Secret"))
	b := ctrl.NewControllerManagedBy(mgr).
		Named("snapshot-consumer").
		For(&flagsv1alpha1.StatsigSpec{}).
		WatchesRawSource(source.Kind(mgr.GetCache(), chunks, chunkToSpec, isChunk)).
		WatchesRawSource(source.Kind(o.Refs.Cache, &corev1.Secret{}, refToSpecs)).
		WithOptions(controller.Options{NeedLeaderElection: new(false), MaxConcurrentReconciles: 2})
	if o.Metrics != nil {
		if err := o.Metrics.Register(hitsCollector{c}); err != nil {
			return nil, fmt.Errorf("consumer: register override metrics: %w", err)
		}
	}
	if o.Overrides {
		if c.guard, err = tenancy.New(context.Background(), mgr.GetCache()); err != nil {
			return nil, err
		}
		b = b.Watches(&flagsv1alpha1.StatsigOverride{}, overrideToSpec()).
			WatchesMetadata(tenancy.NamespaceMeta(), namespaceToSpecs(mgr.GetClient()))
	}
	err = b.Complete(c)
	if err != nil {
		return nil, err
	}
	return c, nil
}

// secretRefs lists the Secrets ("ns/name") whose data the consumer publishes as keys.
func (c *Consumer) secretRefs(spec *flagsv1alpha1.StatsigSpec) []string {
	ns := spec.Spec.SecretKeyRef.Namespace
	if ns == "" {
		ns = c.namespace
	}
	out := []string{ns + "/" + spec.Spec.SecretKeyRef.Name}
	if ref := spec.Annotations[flagsv1alpha1.AnnotationClientKeysSecret]; ref != "" {
		kns, name := c.splitRef(ref)
		out = append(out, kns+"/"+name)
	}
	return out
}

func (c *Consumer) splitRef(ref string) (ns, name string) {
	if ns, name, ok := strings.Cut(ref, "/"); ok {
		return ns, name
	}
	return c.namespace, ref
}

// Reconcile publishes the StatsigSpec's current revision, or keeps the last one loaded when
// the new one cannot be assembled yet or fails to load.
func (c *Consumer) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	log := logf.FromContext(ctx)
	var spec flagsv1alpha1.StatsigSpec
	if err := c.reader.Get(ctx, req.NamespacedName, &spec); err != nil {
		if apierrors.IsNotFound(err) {
			c.registry.Delete(req.Name)
			c.mu.Lock()
			delete(c.loaded, req.Name)
			c.mu.Unlock()
			return ctrl.Result{}, nil
		}
		return ctrl.Result{}, err
	}
	log = speclog.Filter(log, string(spec.Spec.OutputLogLevel))
	ctx = logf.IntoContext(ctx, log)
	rev := spec.Status.Revision
	if rev == "" {
		return ctrl.Result{}, nil
	}
	keys := c.keys(ctx, &spec)
	fp := fingerprint(&spec, keys)
	c.mu.Lock()
	cur := c.loaded[spec.Name]
	c.mu.Unlock()
	set := c.overrideSet(ctx, &spec)
	again := ctrl.Result{RequeueAfter: untilExpiry(set)}
	if cur != nil && cur.revision == rev && cur.idListsRev == spec.Status.IDListsRevision && cur.fingerprint == fp {
		if set.Fingerprint != cur.overrides && set.Fingerprint != listFailed {
			if p := c.registry.Get(spec.Name); p != nil {
				p.Evaluator.SetOverrides(set.Overrides)
				c.mu.Lock()
				cur.overrides = set.Fingerprint
				c.mu.Unlock()
				c.registry.Notify(spec.Name)
				log.Info("Applied overrides", "statsigspec", spec.Name, "active", len(set.Active))
			}
		}
		return again, nil
	}
	if cur != nil && cur.revision != rev {
		// A new revision beside the served one: keep the garbage collector close behind the
		// load until the swap (memrelease.Tighten), so the peak stays near the two revisions.
		defer memrelease.Tighten()()
	}
	next, err := c.load(ctx, &spec, cur)
	if err != nil {
		if errors.Is(err, snapshot.ErrIncomplete) {
			// The chunk informer lags the StatsigSpec informer; the chunk watch requeues too.
			return ctrl.Result{RequeueAfter: 500 * time.Millisecond}, nil
		}
		log.Error(err, "Failed to load snapshot, serving the previous one",
			"statsigspec", spec.Name, "revision", rev, "servingRevision", revisionOf(cur))
		return ctrl.Result{RequeueAfter: 10 * time.Second}, nil
	}
	next.fingerprint = fp
	opts := evaluatorOptions(&spec)
	opts.OverrideHits = c.hitsFor(spec.Name)
	ev := evaluator.New(opts)
	ev.SetSpecs(next.specs)
	if set.Fingerprint == listFailed && cur != nil {
		set.Fingerprint = cur.overrides
		if p := c.registry.Get(spec.Name); p != nil {
			set.Overrides = p.Evaluator.Overrides()
		}
	}
	ev.SetOverrides(set.Overrides)
	next.overrides = set.Fingerprint
	if next.ids != nil {
		ev.SetIDLists(next.ids)
	}
	var files serving.IDListFiles
	if f, ok := next.ids.(serving.IDListFiles); ok {
		files = f
	}
	p := &serving.Project{
		Name: spec.Name, Revision: next.revision, IDListsRevision: next.idListsRev,
		Evaluator: ev, Payload: next.payload, DisableAllLogging: spec.Spec.DisableAllLogging, IDLists: files,
	}
	p.SetKeys(keys...)
	if server := serverKey(keys); c.eventSink != nil && !spec.Spec.DisableAllLogging && server != "" {
		p.Events = c.eventSink(&spec, server)
	}
	changed := cur == nil || cur.revision != next.revision
	c.registry.Set(p)
	if cur != nil && cur.revision == next.revision && cur.overrides != next.overrides {
		c.registry.Notify(spec.Name) // the same revision answers differently
	}
	c.mu.Lock()
	c.loaded[spec.Name] = next
	c.mu.Unlock()
	if changed {
		// Decoding a revision leaves garbage of a multiple of the payload, and the previous
		// revision (its evaluator snapshot, payload and encodings) is garbage too once
		// c.loaded and the registry no longer hold it (so the GC runs after the swap, not
		// before: it used to keep the previous revision's heap until the next GC, minutes
		// later). Return it all to the OS now, one GC per revision, so the replica's RSS
		// stays close to what it serves.
		memrelease.AfterLoad()
		log.Info("Loaded snapshot", "statsigspec", spec.Name, "revision", next.revision, "bytes", next.payload.Size)
	}
	return again, nil
}

func revisionOf(p *loadedProject) string {
	if p == nil {
		return ""
	}
	return p.revision
}

// load assembles the revisions named in the status that differ from cur.
func (c *Consumer) load(
	ctx context.Context,
	spec *flagsv1alpha1.StatsigSpec,
	cur *loadedProject,
) (*loadedProject, error) {
	next := &loadedProject{revision: spec.Status.Revision, idListsRev: spec.Status.IDListsRevision}
	if cur != nil && cur.revision == next.revision {
		next.specs, next.payload = cur.specs, cur.payload
	} else {
		// The manifest from the cache (chunk 0's metadata); the payload from the controller
		// of this process when it just stored it, else from the apiserver.
		m, err := c.store.ReadManifest(ctx, spec.Name, snapshot.KindSpecs, next.revision)
		if err != nil {
			return nil, err
		}
		data := c.handoff.Compressed(spec.Name, m.SHA256)
		if int64(len(data)) != m.CompressedSize {
			if m, data, err = c.store.Read(ctx, spec.Name, snapshot.KindSpecs, next.revision); err != nil {
				return nil, err
			}
		}
		specs := c.handoff.Specs(spec.Name, m.SHA256)
		if specs == nil {
			var prev *evaluator.Specs
			if cur != nil {
				prev = cur.specs
			}
			if specs, err = loadSpecs(data, prev); err != nil {
				return nil, fmt.Errorf("load revision %s: %w", m.Revision, err)
			}
		}
		next.specs = specs
		next.payload = serving.NewPayload(m.Format, m.Time, m.Size, m.SHA256, data)
	}
	switch {
	case next.idListsRev == "":
	case cur != nil && cur.idListsRev == next.idListsRev:
		next.ids = cur.ids
	default:
		_, data, err := c.store.Read(ctx, spec.Name, snapshot.KindIDLists, next.idListsRev)
		if err != nil {
			return nil, err
		}
		ids, err := decodeIDLists(data)
		if err != nil {
			return nil, fmt.Errorf("load ID lists %s: %w", next.idListsRev, err)
		}
		next.ids = ids
	}
	return next, nil
}

// loadSpecs decodes a stored payload as a stream into the evaluator.
func loadSpecs(data []byte, prev *evaluator.Specs) (*evaluator.Specs, error) {
	r, err := snapshot.Decompress(data)
	if err != nil {
		return nil, err
	}
	defer func() { _ = r.Close() }()
	return evaluator.Load(r, evaluator.LoadOptions{Previous: prev})
}

// keys returns the server secret key (ScopeServer) and the additional client keys
// (ScopeClient) of spec; missing Secrets mean fewer accepted keys, never a failed load.
func (c *Consumer) keys(ctx context.Context, spec *flagsv1alpha1.StatsigSpec) []serving.Key {
	var keys []serving.Key
	sel := spec.Spec.SecretKeyRef
	k := sel.Key
	if k == "" {
		k = flagsv1alpha1.DefaultSecretKeyField
	}
	var sec corev1.Secret
	if err := c.refs.Get(ctx, sel.Namespace, sel.Name, &sec); err == nil {
		if v := strings.TrimSpace(string(sec.Data[k])); v != "" {
			keys = append(keys, serving.ServerKey(v))
		}
	}
	if ref := spec.Annotations[flagsv1alpha1.AnnotationClientKeysSecret]; ref != "" {
		ns, name := c.splitRef(ref)
		var ck corev1.Secret
		if err := c.refs.Get(ctx, ns, name, &ck); err == nil {
			names := make([]string, 0, len(ck.Data))
			for n := range ck.Data {
				names = append(names, n)
			}
			slices.Sort(names)
			for _, n := range names {
				if v := strings.TrimSpace(string(ck.Data[n])); v != "" {
					keys = append(keys, serving.ClientKey(v))
				}
			}
		}
	}
	return keys
}

// serverKey is the server secret key among keys ("" when its Secret is missing): it is the
// key events are sent to Statsig with, never a client key.
func serverKey(keys []serving.Key) string {
	for _, k := range keys {
		if k.Scope == serving.ScopeServer {
			return k.Value
		}
	}
	return ""
}

// fingerprint identifies the evaluator options and accepted keys (hashed: keys are never
// kept in plain text outside the Secret cache).
func fingerprint(spec *flagsv1alpha1.StatsigSpec, keys []serving.Key) string {
	h := sha256.New()
	opts, _ := json.Marshal([]any{
		spec.Spec.Environment,
		spec.Spec.GlobalCustomFields,
		spec.Spec.DisableUserAgentParsing,
		spec.Spec.DisableCountryLookup,
		spec.Spec.DisableAllLogging,
	})
	h.Write(opts)
	for _, k := range keys {
		h.Write([]byte{0, byte(k.Scope)})
		h.Write([]byte(k.Value))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// evaluatorOptions maps the StatsigSpec's evaluation options.
func evaluatorOptions(spec *flagsv1alpha1.StatsigSpec) evaluator.Options {
	o := evaluator.Options{
		Environment:             spec.Spec.Environment,
		DisableUserAgentParsing: spec.Spec.DisableUserAgentParsing,
		DisableCountryLookup:    spec.Spec.DisableCountryLookup,
	}
	if g := spec.Spec.GlobalCustomFields; g != nil && len(g.Raw) > 0 {
		var m map[string]any
		if json.Unmarshal(g.Raw, &m) == nil {
			o.GlobalCustomFields = m
		}
	}
	return o
}

// ReadyzCheck reports ready once every Ready StatsigSpec has a snapshot loaded in this
// replica (any revision: a flip in progress does not make the replica unready).
func (c *Consumer) ReadyzCheck() healthz.Checker {
	return func(req *http.Request) error {
		var list flagsv1alpha1.StatsigSpecList
		if err := c.reader.List(req.Context(), &list); err != nil {
			return err
		}
		c.mu.Lock()
		defer c.mu.Unlock()
		var missing []string
		for _, s := range list.Items {
			if s.Status.Revision != "" && meta.IsStatusConditionTrue(s.Status.Conditions, flagsv1alpha1.ConditionReady) &&
				c.loaded[s.Name] == nil {
				missing = append(missing, s.Name)
			}
		}
		if len(missing) > 0 {
			return fmt.Errorf("snapshots not loaded yet: %s", strings.Join(missing, ", "))
		}
		return nil
	}
}
