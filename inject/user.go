package inject

import (
	"encoding/json"
	"maps"
	"strings"

	"github.com/statsig-operator/statsig-operator/evaluator"
)

// User is a Statsig user built for one evaluation, with what exposures need.
type User struct {
	// Eval is the user; exposures log it as the project's evaluator renders it (LoggedUser).
	Eval *evaluator.User
	// Identity identifies the user for exposure dedupe: userID and custom IDs.
	Identity string
	// UnitID is the unit ID put in userID (and in customIDs[IDType] for other ID types).
	UnitID string
}

// BuildUser makes the Statsig user: userID is the unit ID, and for an ID type other than
// userID customIDs[<id type>] holds it too; custom holds namespace, workload, workloadKind
// and "labels.<key>" for each label, then the user-custom annotation's fields (which win);
// statsigEnvironment.tier is the environment annotation.
func BuildUser(req *Request, s Subject, unitID string) (*User, error) {
	custom := make(map[string]any, len(s.Labels)+len(req.UserCustom)+3)
	if s.Namespace != "" {
		custom["namespace"] = s.Namespace
	}
	if s.Workload != "" {
		custom["workload"] = s.Workload
		custom["workloadKind"] = s.WorkloadKind
	}
	for k, v := range s.Labels {
		if !perPodLabels[k] {
			custom["labels."+k] = v
		}
	}
	maps.Copy(custom, req.UserCustom)
	u := map[string]any{"userID": unitID, "custom": custom}
	identity := "u:" + unitID
	if !strings.EqualFold(req.IDType, "userID") {
		u["customIDs"] = map[string]string{req.IDType: unitID}
		identity += ";" + req.IDType + ":" + unitID
	}
	if req.Environment != "" {
		u["statsigEnvironment"] = map[string]string{"tier": req.Environment}
	}
	raw, err := json.Marshal(u)
	if err != nil {
		return nil, err
	}
	eu, err := evaluator.DecodeUser(raw)
	if err != nil {
		return nil, err
	}
	return &User{Eval: eu, Identity: identity, UnitID: unitID}, nil
}
