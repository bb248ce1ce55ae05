package controllers

import (
	"time"

	"github.com/statsig-operator/statsig-operator/evaluator"
	"github.com/statsig-operator/statsig-operator/statsig"
)

// specState is what the controller remembers about a StatsigSpec between reconciles. It is
// an optimisation only: after a restart it is rebuilt from the cluster (the stored manifest
// supplies sinceTime and checksum), so losing it costs one full download.
type specState struct {
	inputs     string
	generation int64
	// servedInputs are the inputs (key, URLs, format) the served revision was fetched with,
	// once this process stored or confirmed it: a payload older than the served one is stale
	// only from the same inputs (another project or environment may well be older).
	servedInputs   string
	nextPoll       time.Time
	initDone       bool
	failures       int
	lastFailReason string
	proxyCreds     string

	client   *statsig.Client
	clientFP string

	// specs is the last validated payload, passed as Previous to the next load so unchanged
	// entities are shared instead of decoded again.
	specs *evaluator.Specs

	ids        *statsig.IDListState
	idInputs   string
	nextIDPoll time.Time
	idFail     *syncError // the last ID-list round's failure, kept on Synced until a round succeeds
}

// release drops what the state holds so it can be collected.
func (s *specState) release() {
	s.specs, s.ids, s.client = nil, nil, nil
}
