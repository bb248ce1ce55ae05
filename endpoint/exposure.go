package endpoint

import (
	"github.com/statsig-operator/statsig-operator/evaluator"
	"github.com/statsig-operator/statsig-operator/serving"
)

// logsExposures reports whether exposures of p go anywhere: when not, none is built.
func logsExposures(p *serving.Project) bool { return p.Events != nil && !p.DisableAllLogging }

// logExposure queues e on the project's sink unless logging is off for the project.
func (s *Server) logExposure(p *serving.Project, u *evalUser, e evaluator.Exposure) {
	if p.Events == nil || p.DisableAllLogging {
		return
	}
	s.logExposureKeyed(p, u, e, e.DedupeKey(e.DedupeIdentity(u.identity(), u.user, false)))
}

// logExposureKeyed is logExposure with the de-duplication key given.
func (s *Server) logExposureKeyed(p *serving.Project, u *evalUser, e evaluator.Exposure, key string) {
	if p.Events == nil || p.DisableAllLogging {
		return
	}
	p.Events.LogExposure(u.loggedUser(p.Evaluator), e, key)
}
