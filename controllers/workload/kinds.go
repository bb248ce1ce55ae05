package workload

import (
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// kind is one workload type the controller manages.
type kind struct {
	name     string // Kind, e.g. "Deployment"
	newObj   func() client.Object
	newList  func() client.ObjectList
	items    func(client.ObjectList) []client.Object
	template func(client.Object) *corev1.PodTemplateSpec
}

var kinds = []kind{
	{
		name:     "Deployment",
		newObj:   func() client.Object { return &appsv1.Deployment{} },
		newList:  func() client.ObjectList { return &appsv1.DeploymentList{} },
		items:    func(l client.ObjectList) []client.Object { return ptrs(l.(*appsv1.DeploymentList).Items) },
		template: func(o client.Object) *corev1.PodTemplateSpec { return &o.(*appsv1.Deployment).Spec.Template },
	},
	{
		name:     "StatefulSet",
		newObj:   func() client.Object { return &appsv1.StatefulSet{} },
		newList:  func() client.ObjectList { return &appsv1.StatefulSetList{} },
		items:    func(l client.ObjectList) []client.Object { return ptrs(l.(*appsv1.StatefulSetList).Items) },
		template: func(o client.Object) *corev1.PodTemplateSpec { return &o.(*appsv1.StatefulSet).Spec.Template },
	},
	{
		name:     "DaemonSet",
		newObj:   func() client.Object { return &appsv1.DaemonSet{} },
		newList:  func() client.ObjectList { return &appsv1.DaemonSetList{} },
		items:    func(l client.ObjectList) []client.Object { return ptrs(l.(*appsv1.DaemonSetList).Items) },
		template: func(o client.Object) *corev1.PodTemplateSpec { return &o.(*appsv1.DaemonSet).Spec.Template },
	},
}

func ptrs[T any, P interface {
	*T
	client.Object
}](items []T) []client.Object {
	out := make([]client.Object, len(items))
	for i := range items {
		out[i] = P(&items[i])
	}
	return out
}
