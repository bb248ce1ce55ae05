package endpoint

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/statsig-operator/statsig-operator/evaluator"
)

// gcirRequest is /v1/get_client_initialize_response's body.
type gcirRequest struct {
	User json.RawMessage `json:"user"`
	// Hash is the name hashing algorithm: djb2 (default), sha256 or none.
	Hash string `json:"hash"`
	// ClientSDKKey selects the target app (docs/semantics.md §6.2); defaults to the presented key when that
	// is a client key.
	ClientSDKKey string `json:"clientSDKKey"`
	TargetAppID  string `json:"targetAppID"`
	// HashAlgorithm is Server Core's name for Hash; Hash wins when both are set.
	HashAlgorithm string `json:"hashAlgorithm"`
	// The options of Server Core's ClientInitResponseOptions (docs/endpoint.md). A filter that is
	// present (even empty) keeps only the entities it names.
	FeatureGateFilter         *[]string `json:"featureGateFilter"`
	ExperimentFilter          *[]string `json:"experimentFilter"`
	DynamicConfigFilter       *[]string `json:"dynamicConfigFilter"`
	LayerFilter               *[]string `json:"layerFilter"`
	ParamStoreFilter          *[]string `json:"paramStoreFilter"`
	RemoveIDType              bool      `json:"removeIdType"`
	RemoveDefaultValueGates   bool      `json:"removeDefaultValueGates"`
	RemoveExperimentsInLayers bool      `json:"removeExperimentsInLayers"`
	// ResponseFormat: v1 (default), v2 or init_v2.
	ResponseFormat string `json:"responseFormat"`
	// PreviousResponseHash is the full_checksum of the response the client holds.
	PreviousResponseHash string `json:"previousResponseHash"`
	// IncludeLocalOverrides applies the cluster's overrides (StatsigOverride objects).
	IncludeLocalOverrides bool `json:"includeLocalOverrides"`
}

// filter is a request filter as ClientInitOptions takes it.
func filter(f *[]string) (list []string, set bool) {
	if f == nil {
		return nil, false
	}
	return *f, true
}

// clientInitialize serves POST /v1/get_client_initialize_response: every entity evaluated
// for the user in the client SDKs' initialize format (docs/semantics.md §6.2). It logs no exposures: the
// client SDK logs them when values are used.
func (s *Server) clientInitialize(w http.ResponseWriter, r *http.Request) {
	key := apiKey(r)
	p, aerr := s.projectFor(key)
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	var req gcirRequest
	if aerr := decodeJSON(w, r, s.opts.MaxBodyBytes, &req, false); aerr != nil {
		writeError(w, aerr)
		return
	}
	if req.Hash == "" {
		req.Hash = req.HashAlgorithm
	}
	switch req.ResponseFormat {
	case "", evaluator.ResponseFormatV1, evaluator.ResponseFormatV2, evaluator.ResponseFormatInitV2:
	default:
		writeError(w, badRequest(fmt.Sprintf("responseFormat %q is not supported (v1, v2 or init_v2)",
			truncate(req.ResponseFormat, 40))))
		return
	}
	switch req.Hash {
	case "":
		req.Hash = evaluator.HashDJB2
	case evaluator.HashDJB2, evaluator.HashSHA256, evaluator.HashNone:
	default:
		writeError(w, badRequest(fmt.Sprintf("hash must be djb2, sha256 or none, got %q", truncate(req.Hash, 40))))
		return
	}
	if req.ClientSDKKey == "" && strings.HasPrefix(key, "client-") {
		req.ClientSDKKey = key
	}
	o := evaluator.ClientInitOptions{
		HashAlgorithm:             req.Hash,
		ClientSDKKey:              req.ClientSDKKey,
		TargetAppID:               req.TargetAppID,
		SDKInfo:                   s.sdkInfo,
		RemoveIDType:              req.RemoveIDType,
		RemoveDefaultValueGates:   req.RemoveDefaultValueGates,
		RemoveExperimentsInLayers: req.RemoveExperimentsInLayers,
		ResponseFormat:            req.ResponseFormat,
		PreviousResponseHash:      req.PreviousResponseHash,
		IncludeLocalOverrides:     req.IncludeLocalOverrides,
	}
	o.FeatureGateFilter, o.HasFeatureGateFilter = filter(req.FeatureGateFilter)
	o.ExperimentFilter, o.HasExperimentFilter = filter(req.ExperimentFilter)
	o.DynamicConfigFilter, o.HasDynamicConfigFilter = filter(req.DynamicConfigFilter)
	o.LayerFilter, o.HasLayerFilter = filter(req.LayerFilter)
	o.ParamStoreFilter, o.HasParamStoreFilter = filter(req.ParamStoreFilter)
	c, done := s.lookup(w, r, routeGCIR, p, func(k *keyHasher) {
		clientInitKey(k, &o)
		k.bytes(bytes.TrimSpace(req.User))
	})
	if done {
		return
	}
	u, aerr := parseAnyUser(req.User)
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	c.watch(u.user)
	res := p.Evaluator.ClientInitializeResponseJSON(u.user, o)
	s.metrics.evaluations.WithLabelValues("client_initialize").Inc()
	writeTagged(w, r, res, s.store(c, u.user, res))
}

// Cached routes' names (the route label of the response cache series).
const (
	routeGCIR       = "client_initialize"
	routeInitialize = "initialize"
	routeOFREPBulk  = "ofrep_bulk"
)

// clientInitKey adds every option of a client initialize response to its key (SDKInfo is
// the server's own).
func clientInitKey(k *keyHasher, o *evaluator.ClientInitOptions) {
	k.str(o.HashAlgorithm)
	k.str(o.ClientSDKKey)
	k.str(o.TargetAppID)
	k.list(o.HasFeatureGateFilter, o.FeatureGateFilter)
	k.list(o.HasExperimentFilter, o.ExperimentFilter)
	k.list(o.HasDynamicConfigFilter, o.DynamicConfigFilter)
	k.list(o.HasLayerFilter, o.LayerFilter)
	k.list(o.HasParamStoreFilter, o.ParamStoreFilter)
	k.flag(o.RemoveIDType)
	k.flag(o.RemoveDefaultValueGates)
	k.flag(o.RemoveExperimentsInLayers)
	k.str(o.ResponseFormat)
	k.str(o.PreviousResponseHash)
	k.flag(o.IncludeLocalOverrides)
}
