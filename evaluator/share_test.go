package evaluator

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"sync/atomic"
	"testing"
	"time"
)

// TestResyncSharesUnchangedSpecs: loading the same payload with the previous snapshot reuses
// every spec; changing one condition rebuilds only the specs that reference it.
func TestResyncSharesUnchangedSpecs(t *testing.T) {
	raw := evalProjectPayload(t)
	first, err := Load(bytes.NewReader(raw), LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	second, err := Load(bytes.NewReader(raw), LoadOptions{Previous: first})
	if err != nil {
		t.Fatal(err)
	}
	for name, sp := range first.gates {
		if second.gates[name] != sp {
			t.Fatalf("gate %s was rebuilt although nothing changed", name)
		}
	}
	// Nothing changed: the indexes are shared too, and describe the same snapshot.
	if second.shared.conds != first.shared.conds || !sameMap(second.gates, first.gates) ||
		!sameMap(second.configs, first.configs) || !sameMap(second.layers, first.layers) {
		t.Fatal("an unchanged payload's indexes were rebuilt")
	}
	if second.Counts() != first.Counts() || !slices.Equal(second.Names(KindGate), first.Names(KindGate)) {
		t.Fatalf("counts %+v, want %+v", second.Counts(), first.Counts())
	}
	// A removed gate: that section is rebuilt without it, the others stay shared.
	removed := first.Names(KindGate)[0]
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	var gates map[string]json.RawMessage
	if err := json.Unmarshal(doc["feature_gates"], &gates); err != nil {
		t.Fatal(err)
	}
	delete(gates, removed)
	doc["feature_gates"], _ = json.Marshal(gates)
	fewer, _ := json.Marshal(doc)
	less, err := Load(bytes.NewReader(fewer), LoadOptions{Previous: second})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := less.gates[removed]; ok || len(less.gates) != len(second.gates)-1 || sameMap(less.gates, second.gates) {
		t.Fatalf("gate %s still there after its removal", removed)
	}
	if less.Counts().FeatureGates+less.Counts().Segments+less.Counts().Holdouts != len(second.gates)-1 {
		t.Fatalf("counts %+v after removing one gate", less.Counts())
	}
	if !sameMap(less.configs, second.configs) {
		t.Fatal("an unchanged section was rebuilt")
	}
	// Change the email condition of test_email (str_contains_any "@statsig.com").
	changed := bytes.Replace(raw, []byte(`"@statsig.com"`), []byte(`"@example.com"`), 1)
	if bytes.Equal(changed, raw) {
		t.Skip("fixture changed: no @statsig.com target")
	}
	third, err := Load(bytes.NewReader(changed), LoadOptions{Previous: second})
	if err != nil {
		t.Fatal(err)
	}
	reused, rebuilt := 0, 0
	for name, sp := range second.gates {
		if third.gates[name] == sp {
			reused++
		} else {
			rebuilt++
		}
	}
	if rebuilt == 0 || reused == 0 {
		t.Fatalf("reused %d, rebuilt %d: want only the specs that use the changed condition rebuilt", reused, rebuilt)
	}
	if third.shared.conds == second.shared.conds || sameMap(third.gates, second.gates) {
		t.Fatal("indexes shared although a condition changed")
	}
	// The rebuilt specs evaluate with the new condition.
	before, after := New(Options{}), New(Options{})
	before.SetSpecs(second)
	after.SetSpecs(third)
	u := user(t, `{"userID":"u","email":"someone@example.com"}`)
	for _, name := range third.Names(KindGate) {
		if before.CheckGate(u, name).Value != after.CheckGate(u, name).Value {
			return // some gate changed its answer for an @example.com user: the new condition is used
		}
	}
	t.Fatal("no gate changed its answer after its condition changed")
}

// TestResyncCompactsStaleConditions: replaced conditions and specs are counted as stale (they may stay
// pinned in shared chunks); past the limit the next load shares nothing, and the count resets.
func TestResyncCompactsStaleConditions(t *testing.T) {
	raw := evalProjectPayload(t)
	first, err := Load(bytes.NewReader(raw), LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	changed := bytes.Replace(raw, []byte(`"@statsig.com"`), []byte(`"@example.com"`), 1)
	second, err := Load(bytes.NewReader(changed), LoadOptions{Previous: first})
	if err != nil {
		t.Fatal(err)
	}
	// the changed condition, and each spec using it
	if second.shared.stale < 2 || second.shared.stale > 10 {
		t.Fatalf("stale = %d after one changed condition", second.shared.stale)
	}
	if second.shared.needsCompaction() {
		t.Fatal("one stale condition should not trigger a compaction")
	}
	// Pretend many resyncs replaced conditions: the next load must not share.
	second.shared.stale = second.shared.objectCount()/staleLimit + 1
	third, err := Load(bytes.NewReader(changed), LoadOptions{Previous: second})
	if err != nil {
		t.Fatal(err)
	}
	for name, sp := range second.gates {
		if third.gates[name] == sp {
			t.Fatalf("gate %s shared by a compacting load", name)
		}
	}
	if third.shared.stale != 0 {
		t.Fatalf("stale = %d after compaction", third.shared.stale)
	}
	// And the load after it shares again.
	fourth, err := Load(bytes.NewReader(changed), LoadOptions{Previous: third})
	if err != nil {
		t.Fatal(err)
	}
	for name, sp := range third.gates {
		if fourth.gates[name] != sp {
			t.Fatalf("gate %s not shared after compaction", name)
		}
	}
}

// A condition replaced on resync may stay in memory (its chunk is pinned by its neighbours),
// and its nested-gate link was resolved for the old snapshot: the link must not keep that
// snapshot (its maps and indexes) alive, or every resync would leak one until compaction.
func TestReplacedSnapshotsAreCollected(t *testing.T) {
	raw := evalProjectPayload(t)
	gate := []byte(`"847254706":{"type":"pass_gate","targetValue":"layer_holdout","operator":"any"`)
	if !bytes.Contains(raw, gate) {
		t.Fatal("fixture changed: pass_gate condition 847254706 not found")
	}
	prev, err := Load(bytes.NewReader(raw), LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var collected atomic.Int32
	const resyncs = 4
	for i := range resyncs {
		runtime.AddCleanup(prev, func(struct{}) { collected.Add(1) }, struct{}{})
		// alternate the pass_gate condition's JSON: each load replaces it
		op := []byte(`"operator":"any"`)
		if i%2 == 0 {
			op = []byte(`"operator":"none"`)
		}
		n := len(gate) - len(`"operator":"any"`)
		changed := bytes.Replace(raw, gate, append(gate[:n:n], op...), 1)
		next, err := Load(bytes.NewReader(changed), LoadOptions{Previous: prev})
		if err != nil {
			t.Fatal(err)
		}
		if next.shared.needsCompaction() {
			t.Fatal("one changed condition per resync should not compact")
		}
		prev = next
	}
	for range 20 {
		runtime.GC()
		if collected.Load() == resyncs {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if got := collected.Load(); got != resyncs {
		t.Fatalf("%d of %d replaced snapshots were collected", got, resyncs)
	}
	runtime.KeepAlive(prev)
}

func sameMap[V any](a, b map[string]V) bool {
	return reflect.ValueOf(a).UnsafePointer() == reflect.ValueOf(b).UnsafePointer()
}

// evalProjectPayload is Server Core's eval project payload (v2).
func evalProjectPayload(t *testing.T) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(fixturesDir(t), "server-core", "eval_proj_dcs.json"))
	if err != nil {
		t.Fatal(err)
	}
	return raw
}
