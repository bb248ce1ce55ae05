// Package evaluator reproduces Statsig Server Core's server-side evaluation — feature gates,
// dynamic configs, experiments, autotunes and layers, with the same values, rule IDs, group
// names and secondary exposures — from a download_config_specs payload (v2 or v1). It is pure
// Go and knows nothing of Kubernetes.
//
// Use:
//
//	specs, err := evaluator.Load(body, evaluator.LoadOptions{Previous: old})
//	if errors.Is(err, evaluator.ErrNoUpdates) { /* keep the current snapshot */ }
//	ev := evaluator.New(evaluator.Options{Environment: "production"})
//	ev.SetSpecs(specs)                 // one atomic store; readers never lock
//	ev.SetIDLists(lists)               // for in_segment_list conditions
//	var u evaluator.User
//	_ = json.Unmarshal(userJSON, &u)   // the public Statsig user shape
//	g := ev.CheckGate(&u, "new_checkout")
//	if g.Value { ... }; exp := g.Exposure() // only when an exposure is to be logged
//
// Loading decodes the payload as a stream (one spec at a time), compiles every condition once
// (lower-cased sets, parsed numbers, versions and times, compiled regular expressions), shares
// identical conditions and return values within a snapshot and with LoadOptions.Previous, and
// produces an immutable Specs. Specs.Skipped names the specs left out because they failed to
// decode. Evaluation follows §2 of docs/semantics.md, including Server Core's quirks
// (disabled specs still run their rules, unsupported conditions keep a stale value, secondary
// exposures are not de-duplicated). User-agent parsing (evaluator/uaparser) and IP → country lookup
// (evaluator/ipcountry, IP2Location LITE data) are built in and can be turned off.
//
// # Layout
//
// The package's top level holds the semantics:
//
//   - evaluator.go, api.go, results.go: the Evaluator, its public calls and their results;
//     client_init.go: client initialize responses.
//   - eval.go, layer.go: spec and rule evaluation, layers and config delegation.
//   - condition_compile.go, condition_target.go: conditions and their target values compiled
//     at load; condition_eval.go: a condition's user-side value; operators.go,
//     operators_version.go: the operators.
//   - user.go, value.go, hash.go: users, typed values and Statsig's hashes.
//   - specs.go: the Specs snapshot and what a later load may share from it.
//   - load.go (Load), load_sections.go (the payload's top-level fields), load_decode.go (one
//     spec's JSON), load_build.go (specs and rules), load_workers.go (parallel compile
//     workers), load_share.go (reuse of the previous snapshot), slab.go (the load's typed
//     chunks).
//
// The mechanisms live in internal packages, each with its own tests and fuzzers:
// internal/jsonscan (the streaming payload scanner and the in-memory JSON cursor),
// internal/arena (chunk allocation: Take, Slab, Temp and the JSON chunk Ring) and
// internal/sets (the packed string set of list targets and the condition map's index).
package evaluator
