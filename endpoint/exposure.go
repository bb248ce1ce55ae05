package endpoint

import (
	"github.com/statsig-operator/statsig-operator/evaluator"
	"github.com/statsig-operator/statsig-operator/serving"
)

// logExposure queues e on the project's sink unless logging is off for the project.
func (s *Server) logExposure(p *serving.Project, u *evalUser, e evaluator.Exposure) {
	if p.Events == nil || p.DisableAllLogging {
		return
	}
	p.Events.LogExposure(u.loggedUser(p.Evaluator), e, e.DedupeKey(u.identity))
}
