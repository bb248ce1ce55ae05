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

// admittingSink is an event sink that de-duplicates an exposure by its key before it is
// built (EventSink): check_gate and get_config then build nothing for a duplicate.
type admittingSink interface {
	AdmitExposure(key [16]byte, smp *evaluator.Sampling) (bool, map[string]any)
	LogAdmittedExposure(user []byte, exp evaluator.Exposure, meta map[string]any)
}

// exposable is an evaluation result that logs an automatic exposure (gate or config).
type exposable interface {
	ExposureKey(identity string, u *evaluator.User) [16]byte
	ExposureSampling() *evaluator.Sampling
	Exposure() evaluator.Exposure
}

// logResultExposure logs r's exposure (the caller has checked logsExposures), refused before it is
// built when the sink has already seen its key.
func logResultExposure[R exposable](s *Server, p *serving.Project, u *evalUser, r R) {
	sink, ok := p.Events.(admittingSink)
	if !ok {
		s.logExposure(p, u, r.Exposure())
		return
	}
	if admitted, meta := sink.AdmitExposure(r.ExposureKey(u.identity(), u.user), r.ExposureSampling()); admitted {
		sink.LogAdmittedExposure(u.loggedUser(p.Evaluator), r.Exposure(), meta)
	}
}
