package dcs

// CMABConfig is one entry of cmab_configs (contextual multi-armed bandits), as Statsig Server
// Core reads it (every field but Config and TargetingGateName is required).
type CMABConfig struct {
	Name              string                     `json:"-"`
	Salt              string                     `json:"salt"`
	TargetAppIDs      []string                   `json:"targetAppIDs,omitempty"`
	DefaultValue      any                        `json:"defaultValue"`
	IDType            string                     `json:"idType"`
	Enabled           bool                       `json:"enabled"`
	Version           int                        `json:"version"`
	SampleRate        float64                    `json:"sampleRate"`
	HigherIsBetter    bool                       `json:"higherIsBetter"`
	Groups            []CMABGroup                `json:"groups"`
	Config            map[string]CMABGroupConfig `json:"config,omitempty"`
	TargetingGateName *string                    `json:"targetingGateName,omitempty"`
}

// CMABGroup is one arm of a CMAB.
type CMABGroup struct {
	Name            string `json:"name"`
	ParameterValues any    `json:"parameterValues"`
	ID              string `json:"id"`
}

// CMABGroupConfig is one arm's model: alpha + intercept + weights.
type CMABGroupConfig struct {
	Alpha              float64                       `json:"alpha"`
	Intercept          float64                       `json:"intercept"`
	Records            int                           `json:"records"`
	WeightsNumerical   map[string]float64            `json:"weightsNumerical"`
	WeightsCategorical map[string]map[string]float64 `json:"weightsCategorical"`
}
