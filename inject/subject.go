package inject

import (
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Subject is the object being evaluated, as far as the Statsig user is concerned.
type Subject struct {
	Namespace string
	// PodID is the per-pod unit ID (see PodUnitID); empty for workloads.
	PodID string
	// Workload and WorkloadKind name the top-level owner (see WorkloadOf).
	Workload, WorkloadKind string
	// Labels become custom fields "labels.<key>" (per-pod labels excluded).
	Labels map[string]string
}

// perPodLabels differ between pods of one workload; they are left out of the user so that a
// workload-unit evaluation gives the same answer for all its pods and for the workload itself.
var perPodLabels = map[string]bool{
	"pod-template-hash":                        true,
	"controller-revision-hash":                 true,
	"statefulset.kubernetes.io/pod-name":       true,
	"apps.kubernetes.io/pod-index":             true,
	"pod-template-generation":                  true,
	"batch.kubernetes.io/controller-uid":       true,
	"controller-uid":                           true,
	"batch.kubernetes.io/job-completion-index": true,
}

// PodUnitID is the per-pod unit: the pod's name when the request carries one, else (pods
// created with generateName, as every controller-made pod is: the apiserver assigns the name
// and UID only after admission) the admission request's UID, which is unique per pod creation.
func PodUnitID(name, requestUID string) string {
	if name != "" {
		return name
	}
	return requestUID
}

// WorkloadOf resolves the top-level owner of a pod from its metadata alone (admission must
// not read the API): a ReplicaSet controller owner whose name ends in "-<pod-template-hash
// label>" is a Deployment's, so the suffix is cut; any other controller owner is used as is;
// without one, the app.kubernetes.io/name label, else the pod's name (or generateName
// without its trailing "-").
func WorkloadOf(meta *metav1.ObjectMeta) (name, kind string) {
	if ref := metav1.GetControllerOfNoCopy(meta); ref != nil {
		if ref.Kind == "ReplicaSet" {
			if h := meta.Labels["pod-template-hash"]; h != "" {
				if base, ok := strings.CutSuffix(ref.Name, "-"+h); ok && base != "" {
					return base, "Deployment"
				}
			}
		}
		return ref.Name, ref.Kind
	}
	if n := meta.Labels["app.kubernetes.io/name"]; n != "" {
		return n, "App"
	}
	if meta.Name != "" {
		return meta.Name, "Pod"
	}
	return strings.TrimSuffix(meta.GenerateName, "-"), "Pod"
}

// unitID returns the ID for u; ok is false when it resolves to nothing.
func (s Subject) unitID(u Unit) (string, bool) {
	var id string
	switch u.Kind {
	case UnitPod:
		id = s.PodID
	case UnitWorkload:
		id = s.Workload
	case UnitNamespace:
		id = s.Namespace
	case UnitLiteral:
		id = u.Literal
	}
	return id, id != ""
}
