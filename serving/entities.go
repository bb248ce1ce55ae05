package serving

import (
	"slices"

	"github.com/statsig-operator/statsig-operator/evaluator"
)

// Entity is one named gate, dynamic config, experiment or layer of a snapshot.
type Entity struct {
	Name string
	Kind evaluator.Kind
}

// Entities index a snapshot's entity names: in order gates, dynamic configs, experiments,
// layers, sorted by name within each; a name in two sections keeps the first kind.
type Entities struct {
	specs *evaluator.Specs
	kinds map[string]evaluator.Kind
	list  []Entity
}

var entityKinds = []evaluator.Kind{
	evaluator.KindGate,
	evaluator.KindDynamicConfig,
	evaluator.KindExperiment,
	evaluator.KindLayer,
}

func newEntities(specs *evaluator.Specs) *Entities {
	e := &Entities{specs: specs, kinds: map[string]evaluator.Kind{}}
	if specs == nil {
		return e
	}
	for _, k := range entityKinds {
		names := specs.Names(k)
		if k == evaluator.KindExperiment && len(specs.CMABNames()) > 0 {
			// CMAB configs are experiments (get_experiment consults them)
			names = append(slices.Clone(names), specs.CMABNames()...)
		}
		slices.Sort(names)
		for _, n := range names {
			if _, dup := e.kinds[n]; dup {
				continue
			}
			e.kinds[n] = k
			e.list = append(e.list, Entity{Name: n, Kind: k})
		}
	}
	return e
}

// Kind returns the kind of the named entity; ok is false when the snapshot has none.
func (e *Entities) Kind(name string) (k evaluator.Kind, ok bool) {
	k, ok = e.kinds[name]
	return k, ok
}

// List returns every entity in index order; callers must not modify it.
func (e *Entities) List() []Entity { return e.list }

// Entities returns the entity index of the snapshot p evaluates against, built once per
// snapshot and held by the project, so it goes away with it.
func (p *Project) Entities() *Entities {
	specs := p.Evaluator.Specs()
	if e := p.entities.Load(); e != nil && e.specs == specs {
		return e
	}
	e := newEntities(specs)
	p.entities.Store(e)
	return e
}
