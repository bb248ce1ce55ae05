package inject

import (
	"fmt"
	"slices"

	corev1 "k8s.io/api/core/v1"
)

// CheckContainers reports rollout annotations that name containers the pod spec lacks.
func CheckContainers(spec *corev1.PodSpec, r *Rollout) []string {
	if r == nil {
		return nil
	}
	have := map[string]bool{}
	for _, c := range spec.InitContainers {
		have[c.Name] = true
	}
	for _, c := range spec.Containers {
		have[c.Name] = true
	}
	var problems []string
	for _, set := range []struct {
		prefix string
		names  []string
	}{{AnnRolloutImagePrefix, sortedKeys(r.Images)}, {AnnRolloutEnvPrefix, sortedKeys(r.Env)}} {
		for _, c := range set.names {
			if !have[c] {
				problems = append(problems, fmt.Sprintf("annotation %s%s: the pod has no container %q", set.prefix, c, c))
			}
		}
	}
	return problems
}

// ApplyToPodSpec adds the outcome's env vars (and the rollout variant when its gate passed)
// to every init container and container. An env var the container already defines is left
// as it is unless owned[name] (the workload controller's own earlier values); such vars are
// returned as "<container>/<NAME>". Env entries take precedence over envFrom, so injected
// values win over a ConfigMap or Secret imported with envFrom.
func ApplyToPodSpec(spec *corev1.PodSpec, o *Outcome, owned map[string]bool) (userSet []string) {
	apply := func(c *corev1.Container) {
		vars := o.Env
		if o.Variant != nil {
			if img, ok := o.Variant.Images[c.Name]; ok {
				c.Image = img
			}
			for _, k := range sortedKeys(o.Variant.Env[c.Name]) {
				vars = append(slices.Clip(vars), EnvVar{Name: k, Value: o.Variant.Env[c.Name][k]})
			}
		}
		for _, v := range vars {
			i := envIndex(c.Env, v.Name)
			switch {
			case i < 0:
				c.Env = append(c.Env, v.Core())
			case owned[v.Name]:
				c.Env[i] = v.Core()
			default:
				userSet = append(userSet, c.Name+"/"+v.Name)
			}
		}
	}
	for i := range spec.InitContainers {
		apply(&spec.InitContainers[i])
	}
	for i := range spec.Containers {
		apply(&spec.Containers[i])
	}
	return userSet
}

func envIndex(env []corev1.EnvVar, name string) int {
	for i := range env {
		if env[i].Name == name {
			return i
		}
	}
	return -1
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
