package controllers

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"strings"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	flagsv1alpha1 "github.com/statsig-operator/statsig-operator/api/v1alpha1"
	"github.com/statsig-operator/statsig-operator/snapshot"
)

// refsIndex indexes StatsigSpecs by the objects they reference ("Secret/ns/name",
// "ConfigMap/ns/name"), so a change to one of them reconciles exactly its StatsigSpecs.
const refsIndex = "statsig-operator.io/refs"

// referencedObjects lists the index keys of the objects spec reads, namespaces defaulted.
func referencedObjects(spec *flagsv1alpha1.StatsigSpec, defaultNS string) []string {
	ns := func(n string) string {
		if n == "" {
			return defaultNS
		}
		return n
	}
	out := []string{refKey("Secret", ns(spec.Spec.SecretKeyRef.Namespace), spec.Spec.SecretKeyRef.Name)}
	if s := spec.Spec.Source.ConfigMap; s != nil {
		out = append(out, refKey("ConfigMap", ns(s.Namespace), s.Name))
	}
	if s := spec.Spec.Source.Secret; s != nil {
		out = append(out, refKey("Secret", ns(s.Namespace), s.Name))
	}
	if p := spec.Spec.Proxy; p != nil {
		if p.CredentialsSecretRef != nil {
			out = append(out, refKey("Secret", ns(p.CredentialsSecretRef.Namespace), p.CredentialsSecretRef.Name))
		}
		if p.CABundleConfigMapRef != nil {
			out = append(out, refKey("ConfigMap", ns(p.CABundleConfigMapRef.Namespace), p.CABundleConfigMapRef.Name))
		}
	}
	if a := grpcAdapter(spec); a != nil && a.CABundleConfigMapRef != nil {
		out = append(out, refKey("ConfigMap", ns(a.CABundleConfigMapRef.Namespace), a.CABundleConfigMapRef.Name))
	}
	return out
}

func refKey(kind, ns, name string) string { return kind + "/" + ns + "/" + name }

// specsReferencing maps a changed Secret or ConfigMap to the StatsigSpecs that read it.
func specsReferencing(ctx context.Context, c client.Reader, kind string, obj client.Object) []reconcile.Request {
	var list flagsv1alpha1.StatsigSpecList
	key := refKey(kind, obj.GetNamespace(), obj.GetName())
	if err := c.List(ctx, &list, client.MatchingFields{refsIndex: key}); err != nil {
		return nil
	}
	reqs := make([]reconcile.Request, 0, len(list.Items))
	for _, s := range list.Items {
		reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKey{Name: s.Name}})
	}
	return reqs
}

// readSecretKey reads one key of a referenced Secret, returning a condition-ready error.
func readSecretKey(
	ctx context.Context,
	refs *snapshot.Refs,
	sel flagsv1alpha1.SecretKeySelector,
	what string,
) (string, string, *syncError) {
	key := sel.Key
	if key == "" {
		key = flagsv1alpha1.DefaultSecretKeyField
	}
	ns := sel.Namespace
	if ns == "" {
		ns = refs.Namespace()
	}
	var sec corev1.Secret
	if err := refs.Get(ctx, ns, sel.Name, &sec); err != nil {
		if apierrors.IsNotFound(err) {
			return "", "", failf(flagsv1alpha1.ReasonSecretNotFound, err,
				"Secret %s/%s holding the %s was not found: create it with the key %q.", ns, sel.Name, what, key)
		}
		return "", "", failf(flagsv1alpha1.ReasonSecretNotFound, err,
			"Secret %s/%s holding the %s could not be read (%s): check the operator's RBAC for that namespace.",
			ns, sel.Name, what, reasonOf(err))
	}
	v := strings.TrimSpace(string(sec.Data[key]))
	if v == "" {
		return "", "", failf(flagsv1alpha1.ReasonSecretKeyMissing, nil,
			"Secret %s/%s has no key %q (or it is empty): add the %s under that key or set the key in the StatsigSpec.",
			ns, sel.Name, key, what)
	}
	return v, sec.ResourceVersion, nil
}

func reasonOf(err error) string {
	if s := apierrors.ReasonForError(err); s != "" {
		return string(s)
	}
	return "error"
}

// sourcePayload is a user-provided payload read from a ConfigMap or Secret.
type sourcePayload struct {
	data            []byte // uncompressed
	resourceVersion string
	source          flagsv1alpha1.SyncSource
}

// sourceVersion returns the resourceVersion of the payload object (from the cache), so a
// poll that is not due does not read or decompress the payload.
func sourceVersion(ctx context.Context, refs *snapshot.Refs, src flagsv1alpha1.SourceSpec) (string, *syncError) {
	var (
		obj  client.Object
		sel  *flagsv1alpha1.PayloadKeySelector
		kind string
	)
	switch src.Type {
	case flagsv1alpha1.SourceConfigMap:
		obj, sel, kind = &corev1.ConfigMap{}, src.ConfigMap, "ConfigMap"
	case flagsv1alpha1.SourceSecret:
		obj, sel, kind = &corev1.Secret{}, src.Secret, "Secret"
	}
	if sel == nil {
		return "", failf(flagsv1alpha1.ReasonSourceNotFound, nil,
			"source.type %q has no payload object: set source.configMap or source.secret.", src.Type)
	}
	if err := refs.Get(ctx, sel.Namespace, sel.Name, obj); err != nil {
		ns := sel.Namespace
		if ns == "" {
			ns = refs.Namespace()
		}
		return "", failf(flagsv1alpha1.ReasonSourceNotFound, err,
			"%s %s/%s holding the payload could not be read (%s): create it with the key %q.",
			kind, ns, sel.Name, reasonOf(err), sel.Key)
	}
	return obj.GetResourceVersion(), nil
}

// maxSourceBytes caps a decompressed user payload, like the download limit of the client.
const maxSourceBytes = 512 << 20

// readSourcePayload reads the payload of a ConfigMap or Secret source, decompressing gzip
// or zstd when the bytes start with their magic numbers.
func readSourcePayload(
	ctx context.Context,
	refs *snapshot.Refs,
	src flagsv1alpha1.SourceSpec,
) (*sourcePayload, *syncError) {
	var (
		raw  []byte
		rv   string
		sel  = src.ConfigMap
		kind = "ConfigMap"
		from = flagsv1alpha1.SyncSourceConfigMap
		err  error
		ok   bool
	)
	if src.Type == flagsv1alpha1.SourceSecret {
		sel, kind, from = src.Secret, "Secret", flagsv1alpha1.SyncSourceSecret
	}
	if sel == nil || (src.Type != flagsv1alpha1.SourceConfigMap && src.Type != flagsv1alpha1.SourceSecret) {
		return nil, failf(flagsv1alpha1.ReasonSourceNotFound, nil,
			"source.type %q has no payload object: set source.configMap or source.secret.", src.Type)
	}
	if src.Type == flagsv1alpha1.SourceConfigMap {
		var cm corev1.ConfigMap
		if err = refs.Get(ctx, sel.Namespace, sel.Name, &cm); err == nil {
			rv = cm.ResourceVersion
			if s, has := cm.Data[sel.Key]; has {
				raw, ok = []byte(s), true
			} else {
				raw, ok = cm.BinaryData[sel.Key]
			}
		}
	} else {
		var sec corev1.Secret
		if err = refs.Get(ctx, sel.Namespace, sel.Name, &sec); err == nil {
			rv = sec.ResourceVersion
			raw, ok = sec.Data[sel.Key]
		}
	}
	ns := sel.Namespace
	if ns == "" {
		ns = refs.Namespace()
	}
	if err != nil {
		return nil, failf(flagsv1alpha1.ReasonSourceNotFound, err,
			"%s %s/%s holding the payload could not be read (%s): create it with the key %q.",
			kind, ns, sel.Name, reasonOf(err), sel.Key)
	}
	if !ok || len(raw) == 0 {
		return nil, failf(flagsv1alpha1.ReasonSourceNotFound, nil,
			"%s %s/%s has no key %q: put the download_config_specs JSON under that key.", kind, ns, sel.Name, sel.Key)
	}
	data, derr := decompressPayload(raw)
	if derr != nil {
		return nil, failf(flagsv1alpha1.ReasonInvalidPayload, derr,
			"%s %s/%s key %q could not be decompressed (%v): store plain, gzip or zstd JSON.", kind, ns, sel.Name, sel.Key, derr)
	}
	return &sourcePayload{data: data, resourceVersion: rv, source: from}, nil
}

var errSourceTooLarge = errors.New("decompressed payload exceeds 512 MiB")

func decompressPayload(raw []byte) ([]byte, error) {
	var r io.Reader
	switch {
	case bytes.HasPrefix(raw, []byte{0x1f, 0x8b}):
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			return nil, err
		}
		r = zr
	case bytes.HasPrefix(raw, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		zr, err := zstd.NewReader(bytes.NewReader(raw), zstd.WithDecoderConcurrency(1))
		if err != nil {
			return nil, err
		}
		defer zr.Close()
		r = zr
	default:
		return raw, nil
	}
	out, err := io.ReadAll(io.LimitReader(r, maxSourceBytes+1))
	if err != nil {
		return nil, err
	}
	if len(out) > maxSourceBytes {
		return nil, errSourceTooLarge
	}
	return out, nil
}

// redact removes the secret key from a message that may quote it (for example a URL of
// the form {specsURL}/{key}.json inside a transport error).
func redact(msg string, secrets ...string) string {
	for _, s := range secrets {
		if len(s) >= 4 {
			msg = strings.ReplaceAll(msg, s, "[redacted]")
		}
	}
	return msg
}

func shortHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:8])
}
