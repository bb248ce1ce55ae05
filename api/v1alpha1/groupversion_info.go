// Package v1alpha1 contains the API types of the flags.statsig-operator.io/v1alpha1 group.
// +kubebuilder:object:generate=true
// +groupName=flags.statsig-operator.io
package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

var (
	// GroupVersion is the group and version used to register these objects.
	GroupVersion = schema.GroupVersion{Group: "flags.statsig-operator.io", Version: "v1alpha1"}

	// SchemeBuilder adds the types of this group to a scheme. It is apimachinery's builder, as in
	// kubebuilder's current scaffold: controller-runtime's scheme.Builder is deprecated, since API
	// packages should have minimal dependencies.
	SchemeBuilder = runtime.NewSchemeBuilder(func(s *runtime.Scheme) error {
		metav1.AddToGroupVersion(s, GroupVersion)
		return nil
	})

	// AddToScheme adds the types in this group-version to the given scheme.
	AddToScheme = SchemeBuilder.AddToScheme
)
