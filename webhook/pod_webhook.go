package webhook

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"

	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/statsig-operator/statsig-operator/inject"
	"github.com/statsig-operator/statsig-operator/serving"
	"github.com/statsig-operator/statsig-operator/tenancy"
)

// PodPath is where the Pod mutating webhook is served.
const PodPath = "/mutate--v1-pod"

// +kubebuilder:webhook:path=/mutate--v1-pod,mutating=true,failurePolicy=ignore,sideEffects=None,groups="",resources=pods,verbs=create,versions=v1,name=pods.statsig-operator.io,admissionReviewVersions=v1,timeoutSeconds=5,reinvocationPolicy=Never

// PodMutator injects Statsig results into annotated Pods. Admission is a pure function of
// the request, the in-memory registry and the manager's cache (StatsigSpecs' namespace
// selectors, Namespace labels): no API reads or writes, no network.
type PodMutator struct {
	Registry *serving.Registry
	// Tenancy enforces each StatsigSpec's namespaceSelector; nil allows every namespace.
	Tenancy *tenancy.Guard
	// OFREPEndpoint is the OFREP_ENDPOINT value for pods that ask for it.
	OFREPEndpoint string
	events        *asyncRecorder
}

var _ admission.Handler = (*PodMutator)(nil)

// Handle admits every Pod: mutated when its annotations can be served, unchanged with a
// warning (and an Event) when not, denied only when it asks for strict mode.
func (m *PodMutator) Handle(ctx context.Context, req admission.Request) admission.Response {
	if req.Operation != admissionv1.Create || req.Kind.Kind != "Pod" {
		return admission.Allowed("")
	}
	var pod corev1.Pod
	if err := json.Unmarshal(req.Object.Raw, &pod); err != nil {
		return admission.Errored(http.StatusBadRequest, err)
	}
	if !inject.Requested(pod.Annotations) {
		admissions.WithLabelValues("unchanged").Inc()
		return admission.Allowed("no statsig-operator.io annotations")
	}
	if pod.Namespace == "" {
		pod.Namespace = req.Namespace
	}
	before := rememberPod(&pod)
	// The webhook declares sideEffects: None, so a dry run (kubectl --dry-run=server, diff)
	// gets the same answer but logs no exposures and records no Events.
	dryRun := req.DryRun != nil && *req.DryRun
	out, problems := m.mutate(ctx, &pod, string(req.UID))
	if len(problems) > 0 {
		return m.reject(&pod, problems, dryRun)
	}
	admissions.WithLabelValues("mutated").Inc()
	if !dryRun {
		out.LogExposures()
	}
	return admission.Patched("", before.patch(&pod, inject.AnnResults)...)
}

// mutate evaluates the pod's annotations and, when nothing is wrong, changes pod in place.
func (m *PodMutator) mutate(ctx context.Context, pod *corev1.Pod, requestUID string) (*inject.Outcome, []string) {
	req, problems := inject.Parse(pod.Annotations, inject.Unit{Kind: inject.UnitWorkload})
	if len(problems) > 0 {
		return nil, problems
	}
	p, why := inject.Project(m.Registry, req.Spec)
	if p == nil {
		return nil, []string{why}
	}
	if m.Tenancy != nil {
		if why := m.Tenancy.Denied(ctx, p.Name, pod.Namespace); why != "" {
			return nil, []string{why}
		}
	}
	if problems := inject.CheckContainers(&pod.Spec, req.Rollout); len(problems) > 0 {
		return nil, problems
	}
	workload, kind := inject.WorkloadOf(&pod.ObjectMeta)
	subject := inject.Subject{
		Namespace: pod.Namespace, PodID: inject.PodUnitID(pod.Name, requestUID),
		Workload: workload, WorkloadKind: kind, Labels: pod.Labels,
	}
	out, problems := inject.Evaluate(p, &req, subject, m.OFREPEndpoint)
	if len(problems) > 0 {
		return nil, problems
	}
	out.Results.UserSet = inject.ApplyToPodSpec(&pod.Spec, out, nil)
	if pod.Annotations == nil {
		pod.Annotations = map[string]string{}
	}
	pod.Annotations[inject.AnnResults] = out.Results.Annotation()
	return out, nil
}

// reject admits the pod unchanged with a warning, or denies it in strict mode; either way an
// Event says what was wrong.
func (m *PodMutator) reject(pod *corev1.Pod, problems []string, dryRun bool) admission.Response {
	msg := "statsig-operator: " + strings.Join(problems, "; ")
	strict, _ := strictOf(pod.Annotations)
	if !dryRun {
		m.events.record(eventTarget(pod), corev1.EventTypeWarning, "StatsigInjectionFailed", msg)
	}
	if strict {
		admissions.WithLabelValues("denied").Inc()
		return admission.Denied(msg)
	}
	admissions.WithLabelValues("warned").Inc()
	return admission.Allowed("").WithWarnings(msg + " (pod admitted unchanged)")
}

func strictOf(ann map[string]string) (bool, bool) {
	v, ok := ann[inject.AnnStrict]
	return ok && strings.EqualFold(strings.TrimSpace(v), "true"), ok
}

// eventTarget is what an admission Event is about: the pod's controller (the pod itself
// does not exist yet and a controller-made pod has no name), else the pod by name.
func eventTarget(pod *corev1.Pod) *corev1.ObjectReference {
	if ref := metav1.GetControllerOfNoCopy(pod); ref != nil {
		return &corev1.ObjectReference{
			APIVersion: ref.APIVersion,
			Kind:       ref.Kind,
			Name:       ref.Name,
			UID:        ref.UID,
			Namespace:  pod.Namespace,
		}
	}
	name := pod.Name
	if name == "" {
		name = strings.TrimRight(pod.GenerateName, "-.")
	}
	return &corev1.ObjectReference{APIVersion: "v1", Kind: "Pod", Name: name, Namespace: pod.Namespace}
}
