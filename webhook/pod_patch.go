package webhook

import (
	"strconv"
	"strings"

	"gomodules.xyz/jsonpatch/v2"
	corev1 "k8s.io/api/core/v1"
)

// podBefore is what admission may change in a pod, remembered before mutate so the JSON
// patch can be written directly: diffing two full pod documents (marshal, decode both into
// generic trees, compare) was most of the handler's time.
type podBefore struct {
	hadAnnotations bool
	init, main     []containerBefore
}

type containerBefore struct {
	image string
	env   []corev1.EnvVar
}

func rememberPod(pod *corev1.Pod) podBefore {
	return podBefore{
		hadAnnotations: pod.Annotations != nil,
		init:           rememberContainers(pod.Spec.InitContainers),
		main:           rememberContainers(pod.Spec.Containers),
	}
}

func rememberContainers(cs []corev1.Container) []containerBefore {
	out := make([]containerBefore, len(cs))
	for i := range cs {
		out[i] = containerBefore{image: cs[i].Image, env: append([]corev1.EnvVar(nil), cs[i].Env...)}
	}
	return out
}

// patch lists the operations that turn the pod as it was into pod: changed images, changed
// or appended environment variables, and the given annotation keys.
func (b podBefore) patch(pod *corev1.Pod, annotationKeys ...string) []jsonpatch.Operation {
	var ops []jsonpatch.Operation
	ops = containerPatch(ops, "/spec/initContainers/", b.init, pod.Spec.InitContainers)
	ops = containerPatch(ops, "/spec/containers/", b.main, pod.Spec.Containers)
	if !b.hadAnnotations {
		return append(ops, jsonpatch.NewOperation("add", "/metadata/annotations", pod.Annotations))
	}
	for _, k := range annotationKeys {
		ops = append(ops, jsonpatch.NewOperation("add", "/metadata/annotations/"+escapePointer(k), pod.Annotations[k]))
	}
	return ops
}

func containerPatch(
	ops []jsonpatch.Operation,
	base string,
	before []containerBefore,
	after []corev1.Container,
) []jsonpatch.Operation {
	for i := range after {
		path := base + strconv.Itoa(i)
		if i >= len(before) { // admission adds no containers today; stay correct if it does
			ops = append(ops, jsonpatch.NewOperation("add", base+"-", after[i]))
			continue
		}
		c, was := &after[i], before[i]
		if c.Image != was.image {
			ops = append(ops, jsonpatch.NewOperation("replace", path+"/image", c.Image))
		}
		if len(was.env) == 0 {
			if len(c.Env) > 0 {
				ops = append(ops, jsonpatch.NewOperation("add", path+"/env", c.Env))
			}
			continue
		}
		for j := range was.env {
			if c.Env[j] != was.env[j] {
				ops = append(ops, jsonpatch.NewOperation("replace", path+"/env/"+strconv.Itoa(j), c.Env[j]))
			}
		}
		for j := len(was.env); j < len(c.Env); j++ {
			ops = append(ops, jsonpatch.NewOperation("add", path+"/env/-", c.Env[j]))
		}
	}
	return ops
}

// escapePointer escapes a key for a JSON pointer (RFC 6901): "~" as "~0", "/" as "~1".
func escapePointer(k string) string { return pointerEscaper.Replace(k) }

var pointerEscaper = strings.NewReplacer("~", "~0", "/", "~1")
