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
// produces an immutable Specs. Evaluation follows §2 of the semantics reference in
// shared/docs/statsig-semantics.md, including Server Core's quirks (disabled specs still run
// their rules, unsupported conditions keep a stale value, secondary exposures are not
// de-duplicated). User-agent parsing (evaluator/uaparser) and IP → country lookup
// (evaluator/ipcountry, IP2Location LITE data) are built in and can be turned off.
package evaluator
