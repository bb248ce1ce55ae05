package inject

// Prefix of every annotation and label the operator reads or writes.
const Prefix = "statsig-operator.io/"

// Annotations and labels read from Pods (and from Deployments, StatefulSets and DaemonSets
// for the workload controller). docs/annotations.md documents each with examples.
const (
	// LabelInject opts a Pod (or workload) in: the webhook's objectSelector matches it.
	LabelInject      = Prefix + "inject"
	LabelInjectValue = "enabled"

	AnnSpec        = Prefix + "spec"
	AnnGates       = Prefix + "gates"
	AnnConfigs     = Prefix + "configs"
	AnnExperiments = Prefix + "experiments"
	AnnLayers      = Prefix + "layers"
	// AnnParamStores lists parameter stores: every parameter is read (and exposed) and the
	// store injected as one JSON object.
	AnnParamStores = Prefix + "param-stores"
	AnnUnit        = Prefix + "unit"
	AnnIDType      = Prefix + "id-type"
	AnnUserCustom  = Prefix + "user-custom"
	AnnEnvironment = Prefix + "environment"
	AnnOFREP       = Prefix + "ofrep"
	// AnnOFREPKeySecret names a Secret of the pod's namespace ("name" or "name/key") whose
	// key becomes OFREP_HEADERS' bearer token through the kubelet, never through the webhook.
	AnnOFREPKeySecret = Prefix + "ofrep-key-secret"
	AnnStrict         = Prefix + "strict"
	// AnnExposureLoggingDisabled evaluates without logging exposures (Server Core's
	// disable_exposure_logging), for pods whose results are not shown to a user.
	AnnExposureLoggingDisabled = Prefix + "exposure-logging-disabled"

	AnnRolloutGate = Prefix + "rollout-gate"
	AnnRolloutUnit = Prefix + "rollout-unit"
	// AnnRolloutImagePrefix + <container> holds the image used when the rollout gate passes.
	AnnRolloutImagePrefix = Prefix + "rollout-image."
	// AnnRolloutEnvPrefix + <container> holds a JSON object of env vars added when it passes.
	AnnRolloutEnvPrefix = Prefix + "rollout-env."

	// Workload controller only.
	AnnPaused = Prefix + "paused"
	AnnDryRun = Prefix + "dry-run"

	// Written by the operator.
	AnnResults       = Prefix + "results"
	AnnResultsHash   = Prefix + "results-hash"
	AnnDryRunResults = Prefix + "dry-run-results"
)

// Requested reports whether annotations ask for any evaluation at all. A lone
// ofrep-key-secret counts, so forgetting ofrep: "true" gets a warning instead of silence.
func Requested(ann map[string]string) bool {
	for _, k := range [...]string{
		AnnGates, AnnConfigs, AnnExperiments, AnnLayers, AnnParamStores, AnnRolloutGate, AnnOFREP, AnnOFREPKeySecret,
	} {
		if _, ok := ann[k]; ok {
			return true
		}
	}
	return false
}
