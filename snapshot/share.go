package snapshot

import (
	"sync"

	"github.com/statsig-operator/statsig-operator/evaluator"
)

// The controller validates every payload by loading it; when the consumer runs in the same
// process it takes that result instead of decoding the same bytes a second time, so one
// copy of the specs is in memory, not two.
var shared struct {
	sync.Mutex
	byName map[string]sharedSpecs
}

type sharedSpecs struct {
	sha256 string
	specs  *evaluator.Specs
}

// ShareSpecs offers the specs loaded from the payload with the given sha256 to the consumer
// of this process.
func ShareSpecs(name, sha256 string, specs *evaluator.Specs) {
	shared.Lock()
	defer shared.Unlock()
	if shared.byName == nil {
		shared.byName = map[string]sharedSpecs{}
	}
	shared.byName[name] = sharedSpecs{sha256: sha256, specs: specs}
}

// ForgetSharedSpecs drops what ShareSpecs offered for name.
func ForgetSharedSpecs(name string) {
	shared.Lock()
	defer shared.Unlock()
	delete(shared.byName, name)
}

func sharedSpecsFor(name, sha256 string) *evaluator.Specs {
	shared.Lock()
	defer shared.Unlock()
	if s, ok := shared.byName[name]; ok && s.sha256 == sha256 {
		return s.specs
	}
	return nil
}
