package consumer

import (
	"github.com/statsig-operator/statsig-operator/evaluator"
	"github.com/statsig-operator/statsig-operator/snapshot"
	"github.com/statsig-operator/statsig-operator/statsig"
)

// decodeIDLists decodes a stored ID-list snapshot (the statsig.IDListState encoding).
func decodeIDLists(data []byte) (evaluator.IDLists, error) {
	r, err := snapshot.Decompress(data)
	if err != nil {
		return nil, err
	}
	defer func() { _ = r.Close() }()
	st, err := statsig.ReadIDListState(r)
	if err != nil {
		return nil, err
	}
	return st, nil
}
