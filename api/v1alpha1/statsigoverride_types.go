package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// Condition types of a StatsigOverride.
const (
	// OverrideAccepted: the override is valid and its namespace may override the StatsigSpec
	// (the StatsigSpec exists and its namespaceSelector selects the namespace).
	OverrideAccepted = "Accepted"
	// OverrideEntityFound: the entity exists in the StatsigSpec's served revision (an override
	// of an entity that does not exist still applies, as in Statsig's SDKs, and is reported).
	OverrideEntityFound = "EntityFound"
	// OverrideExpired: expiresAt has passed; the override no longer applies.
	OverrideExpired = "Expired"
)

// GateOverride pins a feature gate's value.
type GateOverride struct {
	// Name of the feature gate.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=256
	Name string `json:"name"`
	// Value the gate returns.
	Value bool `json:"value"`
}

// ValueOverride makes a dynamic config, layer or parameter store return a value.
type ValueOverride struct {
	// Name of the dynamic config, layer or parameter store.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=256
	Name string `json:"name"`
	// Value returned: a JSON object (for a parameter store, parameter name → value, or →
	// a parameter object as in the payload's param_stores).
	// +kubebuilder:validation:Type=object
	// +kubebuilder:pruning:PreserveUnknownFields
	Value runtime.RawExtension `json:"value"`
}

// ExperimentOverride makes an experiment return a value, or a group's value.
// +kubebuilder:validation:XValidation:rule="has(self.value) != has(self.groupName)",message="experiment: set exactly one of value and groupName"
type ExperimentOverride struct {
	// Name of the experiment.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=256
	Name string `json:"name"`
	// Value returned: a JSON object.
	// +kubebuilder:validation:Type=object
	// +kubebuilder:pruning:PreserveUnknownFields
	// +optional
	Value *runtime.RawExtension `json:"value,omitempty"`
	// GroupName returns the value of the experiment's group of that name (its first rule
	// with the group name), as Statsig's override_experiment_by_group_name.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=256
	// +optional
	GroupName string `json:"groupName,omitempty"`
}

// StatsigOverrideSpec is one override of one entity of a StatsigSpec.
// +kubebuilder:validation:XValidation:rule="[has(self.gate), has(self.dynamicConfig), has(self.experiment), has(self.layer), has(self.parameterStore)].filter(x, x).size() == 1",message="set exactly one of gate, dynamicConfig, experiment, layer and parameterStore"
type StatsigOverrideSpec struct {
	// StatsigSpecName is the StatsigSpec (cluster-scoped) whose evaluations are overridden.
	// Its spec.namespaceSelector must select this override's namespace.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	StatsigSpecName string `json:"statsigSpecName"`

	// Gate pins a feature gate.
	// +optional
	Gate *GateOverride `json:"gate,omitempty"`
	// DynamicConfig makes a dynamic config (get_config) return a value.
	// +optional
	DynamicConfig *ValueOverride `json:"dynamicConfig,omitempty"`
	// Experiment makes an experiment (get_experiment, a layer's allocation) return a value or
	// a group's value.
	// +optional
	Experiment *ExperimentOverride `json:"experiment,omitempty"`
	// Layer makes a layer return a value.
	// +optional
	Layer *ValueOverride `json:"layer,omitempty"`
	// ParameterStore replaces a parameter store's parameters.
	// +optional
	ParameterStore *ValueOverride `json:"parameterStore,omitempty"`

	// IDs the override applies to: a user whose userID, or else any of whose custom IDs
	// (companyID, stableID, …), equals one of them. An override for IDs wins over one for
	// everyone. Empty: every user.
	// +kubebuilder:validation:MaxItems=1000
	// +kubebuilder:validation:items:MinLength=1
	// +kubebuilder:validation:items:MaxLength=1024
	// +listType=set
	// +optional
	IDs []string `json:"ids,omitempty"`

	// ExpiresAt ends the override: from this instant it no longer applies, on every replica.
	// +optional
	ExpiresAt *metav1.Time `json:"expiresAt,omitempty"`
}

// StatsigOverrideStatus is what the operator observed.
type StatsigOverrideStatus struct {
	// Conditions: Accepted, EntityFound, Expired.
	// +listType=map
	// +listMapKey=type
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`
	// ObservedGeneration is the generation the conditions describe.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
	// Revision is the StatsigSpec's served revision EntityFound was checked against.
	// +optional
	Revision string `json:"revision,omitempty"`
	// Kind and Entity name what is overridden (for listing).
	// +optional
	Kind string `json:"kind,omitempty"`
	// +optional
	Entity string `json:"entity,omitempty"`
}

// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Namespaced,shortName=sov,categories=statsig
// +kubebuilder:printcolumn:name="StatsigSpec",type=string,JSONPath=`.spec.statsigSpecName`
// +kubebuilder:printcolumn:name="Kind",type=string,JSONPath=`.status.kind`
// +kubebuilder:printcolumn:name="Entity",type=string,JSONPath=`.status.entity`
// +kubebuilder:printcolumn:name="Accepted",type=string,JSONPath=`.status.conditions[?(@.type=="Accepted")].status`
// +kubebuilder:printcolumn:name="Found",type=string,JSONPath=`.status.conditions[?(@.type=="EntityFound")].status`
// +kubebuilder:printcolumn:name="Expired",type=string,JSONPath=`.status.conditions[?(@.type=="Expired")].status`
// +kubebuilder:printcolumn:name="Expires",type=date,JSONPath=`.spec.expiresAt`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`

// StatsigOverride overrides one gate, dynamic config, experiment, layer or parameter store of
// a StatsigSpec for some users or everyone, optionally until a time, on every evaluation path
// the operator serves (endpoint, OFREP, webhook, workload controller; the client initialize
// response with includeLocalOverrides), as Statsig's SDKs' local overrides do. See
// docs/overrides.md.
type StatsigOverride struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   StatsigOverrideSpec   `json:"spec,omitempty"`
	Status StatsigOverrideStatus `json:"status,omitempty"`
}

// +kubebuilder:object:root=true

// StatsigOverrideList contains a list of StatsigOverride.
type StatsigOverrideList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []StatsigOverride `json:"items"`
}

func init() {
	SchemeBuilder.Register(func(s *runtime.Scheme) error {
		s.AddKnownTypes(GroupVersion, &StatsigOverride{}, &StatsigOverrideList{})
		return nil
	})
}
