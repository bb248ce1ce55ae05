package workload

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/statsig-operator/statsig-operator/inject"
	"github.com/statsig-operator/statsig-operator/serving"
	"github.com/statsig-operator/statsig-operator/tenancy"
)

// Field managers: one for the pod-template fields and a separate one for the dry-run
// annotation, so a dry-run apply never releases (and so removes) the template fields.
const (
	FieldManager       = "statsig-operator"
	DryRunFieldManager = "statsig-operator-dry-run"
)

// reconciler keeps one kind of workload's pod template in line with its Statsig results.
type reconciler struct {
	client   client.Client
	kind     kind
	registry *serving.Registry
	ofrep    string
	events   events.EventRecorder
	tenancy  *tenancy.Guard
	// watched is false for namespaces outside --workload-namespaces: every path (watch,
	// revision pass, namespace and StatsigSpec events) ends in Reconcile, which skips them.
	watched func(namespace string) bool
}

// evaluation is the outcome of evaluating a workload's annotations.
type evaluation struct {
	req      inject.Request
	out      *inject.Outcome
	problems []string
	// managed is false when the workload asks for nothing.
	managed bool
	// denied says why the workload's namespace may not use the StatsigSpec ("" when it may);
	// such a workload is not evaluated.
	denied string
}

// evaluate is shared by Reconcile and the revision pre-filter; it has no side effects.
func (r *reconciler) evaluate(ctx context.Context, obj client.Object) evaluation {
	ann := obj.GetAnnotations()
	if !inject.Requested(ann) {
		return evaluation{}
	}
	req, problems := inject.Parse(ann, inject.Unit{Kind: inject.UnitWorkload})
	e := evaluation{req: req, managed: true, problems: problems}
	if len(problems) > 0 || req.Paused {
		return e
	}
	if req.Rollout != nil && len(req.Rollout.Images) > 0 {
		e.problems = append(e.problems, fmt.Sprintf(
			"annotation %s<container> is for pods only: on a %s use %s<container>, "+
				"so the image stays owned by whoever applies the manifest",
			inject.AnnRolloutImagePrefix, r.kind.name, inject.AnnRolloutEnvPrefix))
	}
	if req.Rollout != nil && req.Rollout.Unit.Kind == inject.UnitPod {
		req.Rollout.Unit = inject.Unit{Kind: inject.UnitWorkload}
		e.req = req
	}
	tmpl := r.kind.template(obj)
	e.problems = append(e.problems, inject.CheckContainers(&tmpl.Spec, req.Rollout)...)
	p, why := inject.Project(r.registry, req.Spec)
	if p == nil {
		e.problems = append(e.problems, why)
	} else if r.tenancy != nil {
		if e.denied = r.tenancy.Denied(ctx, p.Name, obj.GetNamespace()); e.denied != "" {
			return e
		}
	}
	if len(e.problems) > 0 {
		return e
	}
	subject := inject.Subject{
		Namespace:    obj.GetNamespace(),
		Workload:     obj.GetName(),
		WorkloadKind: r.kind.name,
		Labels:       tmpl.Labels,
	}
	e.out, e.problems = inject.Evaluate(p, &e.req, subject, r.ofrep)
	return e
}

// current reports whether obj already carries the outcome (template hash, or the dry-run
// annotation in dry-run mode).
func (r *reconciler) current(obj client.Object, e evaluation) bool {
	hash := e.out.Hash()
	if e.req.DryRun {
		return dryRunHash(obj.GetAnnotations()[inject.AnnDryRunResults]) == hash
	}
	return r.kind.template(obj).Annotations[inject.AnnResultsHash] == hash &&
		obj.GetAnnotations()[inject.AnnDryRunResults] == ""
}

// Reconcile evaluates one workload and applies its results when they changed.
func (r *reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	log := logf.FromContext(ctx)
	if !r.watched(req.Namespace) {
		return ctrl.Result{}, nil
	}
	obj := r.kind.newObj()
	if err := r.client.Get(ctx, req.NamespacedName, obj); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	e := r.evaluate(ctx, obj)
	tmpl := r.kind.template(obj)
	switch {
	case !e.managed:
		if tmpl.Annotations[inject.AnnResultsHash] == "" && obj.GetAnnotations()[inject.AnnDryRunResults] == "" {
			return ctrl.Result{}, nil
		}
		// Annotations removed: give the fields up, which removes them.
		if err := r.release(ctx, obj, FieldManager, DryRunFieldManager); err != nil {
			return ctrl.Result{}, err
		}
		updates.WithLabelValues(r.kind.name, "release").Inc()
		r.events.Eventf(obj, nil, corev1.EventTypeNormal, "StatsigReleased", "Release",
			"Removed the Statsig env vars: the workload no longer has statsig-operator.io annotations")
		return ctrl.Result{}, nil
	case e.req.Paused:
		return ctrl.Result{}, nil
	case e.denied != "":
		// Left as it is: no evaluation, no patch (and no re-roll) until the namespace may use it.
		r.events.Eventf(obj, nil, corev1.EventTypeWarning, "StatsigNamespaceNotAllowed", "Evaluate", "%s", e.denied)
		return ctrl.Result{}, nil
	case len(e.problems) > 0:
		r.events.Eventf(obj, nil, corev1.EventTypeWarning, "StatsigEvaluationFailed", "Evaluate",
			"%s", strings.Join(e.problems, "; "))
		return ctrl.Result{}, nil
	case r.current(obj, e):
		return ctrl.Result{}, nil
	}
	owned := ownedEnv(obj, FieldManager)
	containers, userSet, changes := desiredEnv(tmpl, e.out, owned)
	e.out.Results.UserSet = userSet
	hash := e.out.Hash()
	if e.req.DryRun {
		note := dryRunNote{Hash: hash, Changes: changes, Results: e.out.Results}
		if err := r.applyDryRun(ctx, obj, note); err != nil {
			return ctrl.Result{}, err
		}
		updates.WithLabelValues(r.kind.name, "dry-run").Inc()
		r.events.Eventf(obj, nil, corev1.EventTypeNormal, "StatsigDryRun", "Evaluate",
			"Would update the pod template (revision %s): %s", e.out.Results.Revision, summary(changes))
		return ctrl.Result{}, nil
	}
	ac := applyConfig(obj, r.kind.name)
	_ = unstructured.SetNestedStringMap(ac.Object, map[string]string{
		inject.AnnResultsHash: hash, inject.AnnResults: e.out.Results.Annotation(),
	}, "spec", "template", "metadata", "annotations")
	for _, list := range []string{"initContainers", "containers"} {
		if items := containers[list]; len(items) > 0 {
			_ = unstructured.SetNestedSlice(ac.Object, items, "spec", "template", "spec", list)
		}
	}
	err := r.client.Apply(ctx, client.ApplyConfigurationFromUnstructured(ac),
		client.FieldOwner(FieldManager), client.ForceOwnership)
	if err != nil {
		if apierrors.IsConflict(err) || apierrors.IsNotFound(err) {
			// A rate-limited requeue on purpose: the retry goes through the controller's limiter
			// (per-item backoff and the updates-per-second bucket), which RequeueAfter bypasses.
			return ctrl.Result{Requeue: true}, nil //nolint:staticcheck // SA1019: keeps the limiter, see above
		}
		return ctrl.Result{}, err
	}
	if obj.GetAnnotations()[inject.AnnDryRunResults] != "" {
		if err := r.release(ctx, obj, DryRunFieldManager); err != nil {
			return ctrl.Result{}, err
		}
	}
	e.out.LogExposures()
	updates.WithLabelValues(r.kind.name, "apply").Inc()
	log.Info("Applied Statsig results", "kind", r.kind.name, "revision", e.out.Results.Revision, "hash", hash)
	r.events.Eventf(obj, nil, corev1.EventTypeNormal, "StatsigResultsChanged", "Update",
		"Updated the pod template for revision %s: %s", e.out.Results.Revision, summary(changes))
	return ctrl.Result{}, nil
}

// applyEnv is one env entry of the apply configuration: a literal value, or a reference to
// a key of a Secret in the workload's namespace (the operator never reads it).
func applyEnv(v inject.EnvVar) map[string]any {
	const name = "name"
	if v.SecretKey == nil {
		return map[string]any{name: v.Name, "value": v.Value}
	}
	return map[string]any{name: v.Name, "valueFrom": map[string]any{
		"secretKeyRef": map[string]any{name: v.SecretKey.Name, "key": v.SecretKey.Key},
	}}
}

// desiredEnv is the env each container should get: the outcome's vars (and the rollout
// variant's when it passed), except vars another manager set, which are reported as
// "<container>/<NAME>". changes lists what differs from the live template.
func desiredEnv(
	tmpl *corev1.PodTemplateSpec,
	out *inject.Outcome,
	owned map[string]map[string]bool,
) (map[string][]any, []string, []string) {
	res := map[string][]any{}
	var userSet, changes []string
	seen := map[string]bool{}
	for _, list := range []struct {
		name string
		cs   []corev1.Container
	}{{"initContainers", tmpl.Spec.InitContainers}, {"containers", tmpl.Spec.Containers}} {
		for _, c := range list.cs {
			live := map[string]string{}
			for _, ev := range c.Env {
				live[ev.Name] = inject.DisplayOf(ev)
			}
			vars := append([]inject.EnvVar(nil), out.Env...)
			if out.Variant != nil {
				env := out.Variant.Env[c.Name]
				keys := make([]string, 0, len(env))
				for k := range env {
					keys = append(keys, k)
				}
				slices.Sort(keys)
				for _, k := range keys {
					vars = append(vars, inject.EnvVar{Name: k, Value: env[k]})
				}
			}
			var env []any
			for _, v := range vars {
				old, exists := live[v.Name]
				if exists && !owned[c.Name][v.Name] {
					userSet = append(userSet, c.Name+"/"+v.Name)
					continue
				}
				env = append(env, applyEnv(v))
				val := v.Display()
				if (!exists || old != val) && !seen[v.Name+"="+val] {
					seen[v.Name+"="+val] = true
					if exists {
						changes = append(changes, fmt.Sprintf("%s %s → %s", v.Name, short(old), short(val)))
					} else {
						changes = append(changes, fmt.Sprintf("%s=%s", v.Name, short(val)))
					}
				}
			}
			if len(env) > 0 {
				res[list.name] = append(res[list.name], map[string]any{"name": c.Name, "env": env})
			}
		}
	}
	return res, userSet, changes
}

func applyConfig(obj client.Object, kindName string) *unstructured.Unstructured {
	ac := &unstructured.Unstructured{}
	ac.SetAPIVersion("apps/v1")
	ac.SetKind(kindName)
	ac.SetNamespace(obj.GetNamespace())
	ac.SetName(obj.GetName())
	return ac
}

// release applies an empty configuration as each manager: the fields only it owned go away.
func (r *reconciler) release(ctx context.Context, obj client.Object, managers ...string) error {
	for _, m := range managers {
		ac := client.ApplyConfigurationFromUnstructured(applyConfig(obj, r.kind.name))
		if err := r.client.Apply(ctx, ac, client.FieldOwner(m), client.ForceOwnership); err != nil {
			return client.IgnoreNotFound(err)
		}
	}
	return nil
}

// dryRunNote is the dry-run annotation: what an apply would change.
type dryRunNote struct {
	Hash    string         `json:"hash"`
	Changes []string       `json:"changes"`
	Results inject.Results `json:"results"`
}

func dryRunHash(v string) string {
	var n dryRunNote
	if v == "" || json.Unmarshal([]byte(v), &n) != nil {
		return ""
	}
	return n.Hash
}

func (r *reconciler) applyDryRun(ctx context.Context, obj client.Object, note dryRunNote) error {
	b, err := json.Marshal(note)
	if err != nil {
		return err
	}
	ac := applyConfig(obj, r.kind.name)
	ac.SetAnnotations(map[string]string{inject.AnnDryRunResults: string(b)})
	return r.client.Apply(ctx, client.ApplyConfigurationFromUnstructured(ac), client.FieldOwner(DryRunFieldManager),
		client.ForceOwnership)
}

func summary(changes []string) string {
	if len(changes) == 0 {
		return "no env var changes (annotations only)"
	}
	if len(changes) > 10 {
		return strings.Join(changes[:10], ", ") + fmt.Sprintf(" and %d more", len(changes)-10)
	}
	return strings.Join(changes, ", ")
}

func short(v string) string {
	if len(v) > 64 {
		return v[:61] + "..."
	}
	return v
}
