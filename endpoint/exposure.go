package endpoint

import (
	"strings"

	"github.com/statsig-operator/statsig-operator/evaluator"
	"github.com/statsig-operator/statsig-operator/serving"
)

// logExposure queues e on the project's sink unless logging is off for the project.
func (s *Server) logExposure(p *serving.Project, u *evalUser, e evaluator.Exposure) {
	if p.Events == nil || p.DisableAllLogging {
		return
	}
	p.Events.LogExposure(u.loggedUser(), e, ExposureDedupeKey(u.identity, e))
}

// ExposureDedupeKey identifies an exposure for dedupe as Server Core does (docs/semantics.md §4.4): the spec
// name, rule id, the user's identity (userID and custom IDs, not other attributes) and the
// outcome (gate value, rulePassed, or the layer parameter and allocated experiment). identity
// is the user's "u:<userID>;<idType>:<id>..." rendering.
func ExposureDedupeKey(identity string, e evaluator.Exposure) string {
	md := e.Metadata
	var b strings.Builder
	b.Grow(len(identity) + 96)
	b.WriteString(e.EventName)
	for _, k := range [...]string{
		"gate", "config", "ruleID", "gateValue", "rulePassed", "allocatedExperiment", "parameterName",
	} {
		if v, ok := md[k]; ok {
			b.WriteByte('|')
			b.WriteString(k)
			b.WriteByte('=')
			b.WriteString(v)
		}
	}
	b.WriteByte('|')
	b.WriteString(identity)
	return b.String()
}
