package evaluator

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkPeerHarness runs the peer harness's timed loop (hack/bench/peers/goharness: every
// user over every entity of one type, types in turn) in-process on a generated payload, so a
// profile of it has enough samples. Opt-in: STATSIG_OPERATOR_PEER_PAYLOAD=<dir written by
// hack/bench/gen> (dcs_v2.json, names.json, users.jsonl). One op = one evaluation.
//
//	STATSIG_OPERATOR_PEER_PAYLOAD=/tmp/gen62 go test -run XXX -bench PeerHarness -benchmem ./evaluator
func BenchmarkPeerHarness(b *testing.B) {
	dir := os.Getenv("STATSIG_OPERATOR_PEER_PAYLOAD")
	if dir == "" {
		b.Skip("STATSIG_OPERATOR_PEER_PAYLOAD not set")
	}
	f, err := os.Open(filepath.Join(dir, "dcs_v2.json"))
	if err != nil {
		b.Fatal(err)
	}
	specs, err := Load(f, LoadOptions{})
	_ = f.Close()
	if err != nil {
		b.Fatal(err)
	}
	e := New(Options{})
	e.SetSpecs(specs)
	var names struct {
		Gates, Configs, Experiments, Layers []string
		LayerParams                         map[string][]string `json:"layer_params"`
	}
	raw, err := os.ReadFile(filepath.Join(dir, "names.json"))
	if err != nil {
		b.Fatal(err)
	}
	if err := json.Unmarshal(raw, &names); err != nil {
		b.Fatal(err)
	}
	uf, err := os.Open(filepath.Join(dir, "users.jsonl"))
	if err != nil {
		b.Fatal(err)
	}
	var users []*User
	sc := bufio.NewScanner(uf)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		u := &User{}
		if err := json.Unmarshal(sc.Bytes(), u); err != nil {
			b.Fatal(err)
		}
		users = append(users, u)
	}
	_ = uf.Close()
	type kind struct {
		entities []string
		fn       func(u *User, name string)
	}
	kinds := []kind{
		{names.Gates, func(u *User, n string) { _ = e.CheckGate(u, n) }},
		{names.Configs, func(u *User, n string) { _ = e.GetConfig(u, n) }},
		{names.Experiments, func(u *User, n string) { _ = e.GetExperiment(u, n) }},
		{names.Layers, func(u *User, n string) {
			l := e.GetLayer(u, n)
			if ps := names.LayerParams[n]; len(ps) > 0 {
				_, _ = l.Get(ps[0])
			}
		}},
	}
	b.ReportAllocs()
	b.ResetTimer()
	n, ui := 0, 1
	for n < b.N {
		u := users[ui]
		for _, k := range kinds {
			for _, name := range k.entities {
				k.fn(u, name)
				n++
			}
		}
		ui++
		if ui == len(users) {
			ui = 1
		}
	}
}
