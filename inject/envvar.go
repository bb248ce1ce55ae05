package inject

import corev1 "k8s.io/api/core/v1"

// EnvVar is one injected variable: a literal Value, or a key of a Secret in the object's own
// namespace (SecretKey) that the kubelet resolves, so the operator never reads the Secret.
type EnvVar struct {
	Name, Value string
	SecretKey   *SecretKeyRef
}

// SecretKeyRef names a key of a Secret in the object's namespace.
type SecretKeyRef struct{ Name, Key string }

func (r SecretKeyRef) String() string { return r.Name + "/" + r.Key }

// Core is v as a container env entry.
func (v EnvVar) Core() corev1.EnvVar {
	if v.SecretKey == nil {
		return corev1.EnvVar{Name: v.Name, Value: v.Value}
	}
	return corev1.EnvVar{Name: v.Name, ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
		LocalObjectReference: corev1.LocalObjectReference{Name: v.SecretKey.Name}, Key: v.SecretKey.Key,
	}}}
}

// Display is the value for messages and hashes: the literal, or "secret:<name>/<key>".
func (v EnvVar) Display() string {
	if v.SecretKey != nil {
		return "secret:" + v.SecretKey.String()
	}
	return v.Value
}

// DisplayOf is Display for an env entry already in a container.
func DisplayOf(e corev1.EnvVar) string {
	if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
		return "secret:" + e.ValueFrom.SecretKeyRef.Name + "/" + e.ValueFrom.SecretKeyRef.Key
	}
	return e.Value
}
