package webhook

import (
	"encoding/json"
	"testing"

	jsonpatch "github.com/evanphx/json-patch/v5"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The direct patch must turn the pod as admitted into exactly the mutated pod.
func TestPodPatch(t *testing.T) {
	secretEnv := corev1.EnvVar{
		Name:      "TOKEN",
		ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{Key: "t"}},
	}
	base := func() *corev1.Pod {
		return &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: "p", Annotations: map[string]string{"a/b~c": "x"}},
			Spec: corev1.PodSpec{
				InitContainers: []corev1.Container{{Name: "init", Image: "init:1"}},
				Containers: []corev1.Container{
					{Name: "app", Image: "app:1", Env: []corev1.EnvVar{{Name: "KEEP", Value: "1"}, secretEnv}},
					{Name: "side", Image: "side:1"},
				},
			},
		}
	}
	cases := []struct {
		name   string
		mutate func(*corev1.Pod)
		keys   []string
	}{
		{"nothing", func(*corev1.Pod) {}, nil},
		{"env appended and added", func(p *corev1.Pod) {
			for i := range p.Spec.Containers {
				p.Spec.Containers[i].Env = append(p.Spec.Containers[i].Env, corev1.EnvVar{Name: "STATSIG_GATE_X", Value: "true"})
			}
			p.Spec.InitContainers[0].Env = []corev1.EnvVar{{Name: "STATSIG_GATE_X", Value: "true"}}
		}, nil},
		{"env replaced in place", func(p *corev1.Pod) {
			p.Spec.Containers[0].Env[1] = corev1.EnvVar{Name: "TOKEN", Value: "v"}
		}, nil},
		{"image and annotations", func(p *corev1.Pod) {
			p.Spec.Containers[1].Image = "side:2"
			p.Annotations["statsig-operator.io/results"] = `{"r":"1"}`
			p.Annotations["a/b~c"] = "y"
		}, []string{"statsig-operator.io/results", "a/b~c"}},
		{"no annotations before", func(p *corev1.Pod) {
			p.Annotations = map[string]string{"statsig-operator.io/results": "{}"}
		}, []string{"statsig-operator.io/results"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			pod := base()
			if tc.name == "no annotations before" {
				pod.Annotations = nil
			}
			raw, _ := json.Marshal(pod)
			before := rememberPod(pod)
			tc.mutate(pod)
			ops, err := json.Marshal(before.patch(pod, tc.keys...))
			if err != nil {
				t.Fatal(err)
			}
			p, err := jsonpatch.DecodePatch(ops)
			if err != nil {
				t.Fatalf("patch %s: %v", ops, err)
			}
			patched, err := p.Apply(raw)
			if err != nil {
				t.Fatalf("apply %s: %v", ops, err)
			}
			var got corev1.Pod
			if err := json.Unmarshal(patched, &got); err != nil {
				t.Fatal(err)
			}
			if !equality.Semantic.DeepEqual(&got, pod) {
				t.Errorf("patch %s\ngave %+v\nwant %+v", ops, got, pod)
			}
		})
	}
}
