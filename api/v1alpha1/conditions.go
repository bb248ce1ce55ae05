package v1alpha1

// Condition types of a StatsigSpec.
const (
	// ConditionReady is True when a snapshot is stored and being served.
	ConditionReady = "Ready"
	// ConditionSynced is True when the last sync with the source succeeded.
	ConditionSynced = "Synced"
	// ConditionDegraded is True when the operator serves an older snapshot than it should
	// (for example the last known good one while Statsig is unreachable).
	ConditionDegraded = "Degraded"
	// ConditionSpecsSkipped is True when the served revision left out specs that failed to
	// decode (their names are in the message), False when every spec loaded.
	ConditionSpecsSkipped = "SpecsSkipped"
)

// Condition reasons. Messages say what to do; they never contain the secret key.
const (
	ReasonSynced               = "Synced"
	ReasonSnapshotServed       = "SnapshotServed"
	ReasonNoSnapshot           = "NoSnapshot"
	ReasonSecretNotFound       = "SecretNotFound"
	ReasonSecretKeyMissing     = "SecretKeyMissing"
	ReasonUnauthorized         = "Unauthorized"
	ReasonUpstreamUnavailable  = "UpstreamUnavailable"
	ReasonInvalidPayload       = "InvalidPayload"
	ReasonStalePayload         = "StalePayload"
	ReasonTooManySkippedSpecs  = "TooManySkippedSpecs"
	ReasonDecodeErrors         = "DecodeErrors"
	ReasonAllSpecsLoaded       = "AllSpecsLoaded"
	ReasonPayloadTooLarge      = "PayloadTooLarge"
	ReasonSourceNotFound       = "SourceNotFound"
	ReasonStoreFailed          = "StoreFailed"
	ReasonServingLastKnownGood = "ServingLastKnownGood"
	ReasonIDListsFailed        = "IDListsFailed"
	ReasonHealthy              = "Healthy"
	ReasonProgressing          = "Progressing"
)
