package evaluator

import (
	"encoding/json"
	"slices"
	"strconv"
	"time"
)

// SecondaryExposure is one nested gate an evaluation depended on.
type SecondaryExposure struct {
	Gate      string `json:"gate"`
	GateValue string `json:"gateValue"`
	RuleID    string `json:"ruleID"`
}

// reasonUninitialized is Details.Reason before any specs are loaded.
const reasonUninitialized = "Uninitialized"

// The rule ids of a spec's default value: it is enabled, or disabled.
const (
	ruleIDDefault  = "default"
	ruleIDDisabled = "disabled"
)

// Details describe how an evaluation was made.
type Details struct {
	// Reason is "<source>:Recognized|Unrecognized|Unsupported", "Uninitialized" or "Error:<msg>".
	Reason     string
	LCUT       int64
	ReceivedAt int64
	Version    int
	HasVersion bool
}

// GateResult is a feature gate evaluation.
type GateResult struct {
	Name   string
	Value  bool
	RuleID string
	IDType string
	// GroupName is the group name of the rule RuleID names; none when the gate fell through to
	// its default (Server Core's gate results carry no group name at all).
	GroupName string
	// Split: the reported rule assigns users pseudorandomly (an experiment group, or a pass
	// percentage strictly between 0 and 100), OpenFeature's SPLIT reason.
	Split              bool
	Details            Details
	SecondaryExposures []SecondaryExposure
	// OverrideConfigName is the config a config mapping evaluated instead ("" when none).
	OverrideConfigName string

	sampling *Sampling
}

// ConfigResult is a dynamic config, experiment or autotune evaluation.
type ConfigResult struct {
	Name   string
	Value  json.RawMessage
	RuleID string
	IDType string
	// GroupName is the group name of the rule RuleID names; none after a fall-through to the
	// default or disabled rule (as Server Core's client initialize response).
	GroupName string
	// SDKGroupName is what Server Core's getExperiment reports: after a fall-through it still
	// holds the group name a nested gate's rule wrote (docs/semantics.md §2.5, Carry-over).
	SDKGroupName       string
	Split              bool // as GateResult's
	Passed             bool
	IsExperimentActive bool
	IsUserInExperiment bool
	IsInLayer          bool
	ExplicitParameters []string
	Details            Details
	SecondaryExposures []SecondaryExposure
	OverrideConfigName string // as GateResult's
	experiment         bool
	sampling           *Sampling
}

// LayerResult is a layer evaluation. Parameter reads go through Get.
type LayerResult struct {
	Name   string
	RuleID string
	IDType string
	// GroupName and SDKGroupName: as ConfigResult's (SDKGroupName is getLayer's).
	GroupName                     string
	SDKGroupName                  string
	Split                         bool // as GateResult's
	AllocatedExperiment           string
	IsExperimentActive            bool
	IsUserInExperiment            bool
	ExplicitParameters            []string
	Details                       Details
	SecondaryExposures            []SecondaryExposure
	UndelegatedSecondaryExposures []SecondaryExposure
	// undelegatedNull: Server Core has no undelegated list for this evaluation (a layer that
	// delegated to no experiment and saw no secondary exposure), and logs null for it.
	undelegatedNull bool
	// ParameterRuleIDs maps parameters to the rule that set them (useNewLayerEval layers).
	ParameterRuleIDs map[string]string
	// OverrideConfigName: as GateResult's.
	OverrideConfigName string

	value    *retVal
	values   map[string][]byte
	sampling *Sampling
}

// Value returns the layer's parameters as one JSON object.
func (l LayerResult) Value() json.RawMessage {
	if l.values != nil {
		b, _ := json.Marshal(l.values)
		return b
	}
	if l.value == nil {
		return json.RawMessage("{}")
	}
	return l.value.raw
}

// Get returns one parameter's raw JSON value.
func (l LayerResult) Get(param string) (json.RawMessage, bool) {
	if l.values != nil {
		v, ok := l.values[param]
		return v, ok
	}
	if l.value == nil {
		return nil, false
	}
	v, ok := l.value.object()[param]
	return v, ok
}

// Exposure is one exposure event to log (docs/semantics.md §4.3); the caller attaches the user.
type Exposure struct {
	EventName string
	// IDType is the evaluated spec's ID type (de-duplication keys on the user's unit ID of it).
	IDType             string
	Metadata           map[string]string
	SecondaryExposures []SecondaryExposure
	Time               int64
	// Sampling is what exposure sampling decides by; nil when sdk_configs turn it off.
	Sampling *Sampling
	// unitKeyed: Server Core keys this exposure with the user's unit ID hashed in where the
	// same exposure from get_config, get_experiment or get_layer has none (the typed exposures
	// a parameter-store read logs), so the two never de-duplicate each other.
	unitKeyed bool
	// keyRulePassed stands for rulePassed in the de-duplication key when the metadata has none
	// (an experiment read through a parameter store is keyed by whether the user is in it).
	keyRulePassed string
}

// Manual is the exposure as Server Core keys a manual one (log_exposure): its user hash
// leaves out the unit ID, and an experiment's is keyed by whether the user is in it.
func (e Exposure) Manual() Exposure {
	if e.Sampling != nil {
		e.Sampling = e.Sampling.withAdditional(e.Sampling.manualAdd, true)
	}
	return e
}

// Exposure event names.
const (
	GateExposureEvent   = "statsig::gate_exposure"
	ConfigExposureEvent = "statsig::config_exposure"
	LayerExposureEvent  = "statsig::layer_exposure"
)

func (d Details) metadata(m map[string]string) map[string]string {
	m["reason"] = d.Reason
	m["lcut"] = strconv.FormatInt(d.LCUT, 10)
	m["receivedAt"] = strconv.FormatInt(d.ReceivedAt, 10)
	if d.HasVersion {
		m["configVersion"] = strconv.Itoa(d.Version)
	}
	return m
}

// overrideName adds a config mapping's overrideConfigName to exposure metadata.
func overrideName(m map[string]string, name string) {
	if name != "" {
		m["overrideConfigName"] = name
	}
}

func exposures(list []SecondaryExposure) []SecondaryExposure {
	if list == nil {
		return []SecondaryExposure{}
	}
	return list
}

// Exposure builds the gate exposure record.
func (r GateResult) Exposure() Exposure {
	m := r.Details.metadata(make(map[string]string, 7))
	m["gate"] = r.Name
	m["gateValue"] = strconv.FormatBool(r.Value)
	m["ruleID"] = r.RuleID
	overrideName(m, r.OverrideConfigName)
	return Exposure{
		IDType:             r.IDType,
		EventName:          GateExposureEvent,
		Metadata:           m,
		SecondaryExposures: exposures(r.SecondaryExposures),
		Time:               time.Now().UnixMilli(),
		Sampling:           r.ExposureSampling(),
	}
}

// Exposure builds the config (or experiment) exposure record.
func (r ConfigResult) Exposure() Exposure {
	m := r.Details.metadata(make(map[string]string, 7))
	m["config"] = r.Name
	m["ruleID"] = r.RuleID
	m["rulePassed"] = strconv.FormatBool(r.Passed)
	overrideName(m, r.OverrideConfigName)
	// Server Core keys a config's or an experiment's exposure by whether the rule passed, a
	// manual experiment exposure by whether the user is in the experiment; never with the
	// unit ID (all three verified against Node).
	smp := r.ExposureSampling()
	return Exposure{
		IDType:             r.IDType,
		EventName:          ConfigExposureEvent,
		Metadata:           m,
		SecondaryExposures: exposures(r.SecondaryExposures),
		Time:               time.Now().UnixMilli(),
		Sampling:           smp,
	}
}

// ParameterExposure builds the exposure for reading one layer parameter (docs/semantics.md §2.10.3). ok is
// false when the parameter does not exist (nothing is logged for it).
func (l LayerResult) ParameterExposure(param string) (Exposure, bool) {
	if _, ok := l.Get(param); !ok {
		return Exposure{}, false
	}
	x := l.parameterExposure(param)
	// As Server Core 0.23.2 (observed): a layer parameter's exposure names no mapped config;
	// a manual one does.
	delete(x.Metadata, "overrideConfigName")
	return x, true
}

// ManualParameterExposure is the exposure of reading param for a manual exposure: Server Core
// builds it whether or not the layer's value holds the parameter.
func (l LayerResult) ManualParameterExposure(param string) Exposure {
	return l.parameterExposure(param)
}

func (l LayerResult) parameterExposure(param string) Exposure {
	explicit := slices.Contains(l.ExplicitParameters, param)
	m := l.Details.metadata(make(map[string]string, 9))
	m["config"] = l.Name
	m["ruleID"] = l.RuleID
	m["parameterName"] = param
	m["isExplicitParameter"] = strconv.FormatBool(explicit)
	overrideName(m, l.OverrideConfigName)
	sec := exposures(l.SecondaryExposures)
	if explicit {
		m["allocatedExperiment"] = l.AllocatedExperiment
	} else {
		m["allocatedExperiment"] = ""
		sec = exposures(l.UndelegatedSecondaryExposures)
		if l.undelegatedNull {
			sec = nil // sent as null, as Server Core sends a layer's absent undelegated list
		}
	}
	smp := l.sampling.withAdditional(internedHash(param), true) // keyed by parameter, no unit ID
	if rid, ok := l.ParameterRuleIDs[param]; ok {
		m["ruleID"] = rid
		if smp != nil {
			smp.RuleID, smp.RuleIDHash = rid, internedHash(rid)
		}
	}
	return Exposure{
		IDType:             l.IDType,
		EventName:          LayerExposureEvent,
		Metadata:           m,
		SecondaryExposures: sec,
		Time:               time.Now().UnixMilli(),
		Sampling:           smp,
	}
}
