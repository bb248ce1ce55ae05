package controllers

import (
	"errors"
	"fmt"
	"io"
	"strings"

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
	if fail := run.guard(specs); fail != nil {
		return nil, fail
	}
	run.state.specs = specs
	c := specs.Counts()
	return &validated{
		format:   normalizeFormat(specs.Format(), formatOf(run.spec)),
		time:     specs.Time(),
		checksum: specs.Checksum(),
		skipped:  specs.Skipped(),
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

// guard refuses a payload that loads but would make the served state worse: one older than
// the served revision fetched with the same inputs (from Statsig only: a ConfigMap or Secret
// may be rolled back on purpose, and another key or URL may serve an older project), or one
// that left out more than maxSkippedSpecsPercent of the specs to decode errors.
func (run *syncRun) guard(specs *evaluator.Specs) *syncError {
	if m := run.manifest; m != nil && run.storedComplete && !isUserSource(run.spec) &&
		run.state.servedInputs != "" && run.state.servedInputs == run.inputs &&
		specs.Time() > 0 && specs.Time() < m.Time {
		return failf(flagsv1alpha1.ReasonStalePayload, nil,
			"The payload's time %d is older than the served revision's %d: it is not published "+
				"(a stale cache or a replayed response); the newer revision keeps being served.", specs.Time(), m.Time)
	}
	skipped := specs.Skipped()
	if len(skipped) == 0 {
		return nil
	}
	c := specs.Counts()
	base := c.FeatureGates + c.DynamicConfigs + c.Experiments + c.Layers + len(skipped)
	if sc := run.spec.Status.Counts; sc != nil && run.spec.Status.Revision != "" {
		if served := int(sc.FeatureGates + sc.DynamicConfigs + sc.Experiments + sc.Layers); served > 0 {
			base = served
		}
	}
	limit := flagsv1alpha1.DefaultMaxSkippedSpecsPct
	if p := run.spec.Spec.MaxSkippedSpecsPercent; p != nil {
		limit = int(*p)
	}
	if len(skipped)*100 > limit*base {
		return failf(flagsv1alpha1.ReasonTooManySkippedSpecs, nil,
			"%d specs failed to decode (%s), more than maxSkippedSpecsPercent=%d%% of %d: the payload is not "+
				"published and the served revision stays; check the source, or raise maxSkippedSpecsPercent.",
			len(skipped), namesList(skipped), limit, base)
	}
	return nil
}

// namesList renders up to 10 names for a message.
func namesList(names []string) string {
	const most = 10
	if len(names) <= most {
		return strings.Join(names, ", ")
	}
	return strings.Join(names[:most], ", ") + fmt.Sprintf(" and %d more", len(names)-most)
}
