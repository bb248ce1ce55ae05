package controllers

import (
	"errors"
	"io"

	flagsv1alpha1 "github.com/statsig-operator/statsig-operator/api/v1alpha1"
	"github.com/statsig-operator/statsig-operator/evaluator"
)

// loadResult is the evaluator's verdict on a payload loaded while it downloaded.
type loadResult struct {
	specs *evaluator.Specs
	err   error
}

// validate loads the payload into the evaluator (unless pre holds the load made while it
// downloaded): a payload that does not load never replaces the last good one. The loaded
// specs are kept as Previous for the next load. It returns nil, nil for a
// {"has_updates":false} body.
func (run *syncRun) validate(open func() (io.ReadCloser, error), pre *loadResult) (*validated, *syncError) {
	if pre == nil {
		body, err := open()
		if err != nil {
			return nil, failf(flagsv1alpha1.ReasonStoreFailed, err, "Reading the downloaded payload failed: %v", err)
		}
		defer func() { _ = body.Close() }()
		specs, err := evaluator.Load(body, evaluator.LoadOptions{Previous: run.state.specs})
		pre = &loadResult{specs, err}
	}
	specs, err := pre.specs, pre.err
	if err != nil {
		if errors.Is(err, evaluator.ErrNoUpdates) {
			return nil, nil
		}
		return nil, failf(flagsv1alpha1.ReasonInvalidPayload, err,
			"The payload does not load (%v): the last known good revision keeps being served; "+
				"check the source for a truncated or non-Statsig response.",
			err)
	}
	run.state.specs = specs
	c := specs.Counts()
	return &validated{
		format:   normalizeFormat(specs.Format(), formatOf(run.spec)),
		time:     specs.Time(),
		checksum: specs.Checksum(),
		counts: flagsv1alpha1.EntityCounts{
			FeatureGates: int32(c.FeatureGates), DynamicConfigs: int32(c.DynamicConfigs), Experiments: int32(c.Experiments),
			Layers: int32(c.Layers), Segments: int32(c.Segments), Holdouts: int32(c.Holdouts),
		},
	}, nil
}

// normalizeFormat maps the evaluator's format name to the status enum (v2 or v1), falling
// back to the requested format.
func normalizeFormat(loaded string, requested flagsv1alpha1.PayloadFormat) string {
	switch flagsv1alpha1.PayloadFormat(loaded) {
	case flagsv1alpha1.PayloadFormatV1, flagsv1alpha1.PayloadFormatV2:
		return loaded
	}
	return string(requested)
}
