// Command benchrunner slots the operator's evaluator into the Statsig peer harness
// (hack/bench): it downloads the payload from the harness's loopback server with the
// operator's own Statsig client on the controller's path (DownloadConfigSpecsStreaming: the
// body is spooled and hashed as the controller needs it to store the snapshot, and handed to
// evaluator.Load while it downloads), keeps polling like the SDKs do, and answers the
// harness's evaluation and dump calls. After each load it does what the operator does
// (memrelease: GC and release after the swap, a tighter GC while a resync replaces a revision),
// and it is built as the image builds the operator (static, stripped).
//
//	(cd hack/benchrunner && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o ../../bin/peer-ours .)
//	PEERS="go-sdk node-core node-legacy ours" PEER_CMD_ours=$(pwd)/bin/peer-ours hack/bench/run.sh
//
// -format v2 (default, compared with Server Core) or v1.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"statsigbench/peers/goharness"

	"github.com/statsig-operator/statsig-operator/evaluator"
	"github.com/statsig-operator/statsig-operator/memrelease"
	"github.com/statsig-operator/statsig-operator/statsig"
)

type ours struct {
	format string
	ev     *evaluator.Evaluator
	client *statsig.Client
	mu     sync.Mutex // serialises syncs
	lcut   atomic.Int64
}

func (p *ours) Name() string          { return "ours" }
func (p *ours) Version() string       { return statsig.SDKVersion }
func (p *ours) PayloadFormat() string { return p.format }

func (p *ours) MakeUser(line []byte) (any, error) {
	u := &evaluator.User{}
	return u, json.Unmarshal(line, u)
}

func (p *ours) Init(a *goharness.Args) goharness.InitResult {
	specsURL := a.Server + "/v2/download_config_specs"
	format := statsig.FormatV2
	if p.format == "v1" {
		specsURL, format = a.Server+"/v1/download_config_specs", statsig.FormatV1
	}
	c, err := statsig.New(
		statsig.Options{
			SpecsURL:    specsURL,
			Format:      format,
			Transport:   goharness.TheGuard,
			InitTimeout: 2 * time.Minute,
		},
	)
	if err != nil {
		return goharness.InitResult{Err: err}
	}
	p.client = c
	p.ev = evaluator.New(evaluator.Options{})
	if err := p.sync(a.SDKKey, true); err != nil {
		return goharness.InitResult{Err: err}
	}
	go func() {
		for range time.Tick(time.Duration(a.SyncIntervalMs) * time.Millisecond) {
			if err := p.sync(a.SDKKey, false); err != nil {
				fmt.Fprintln(os.Stderr, "[ours] sync:", err)
			}
		}
	}()
	return goharness.InitResult{OK: true, Source: "Network", Notes: []string{
		"statsig.Client.DownloadConfigSpecsStreaming (the controller's path: spooled and hashed) hands " +
			"the decoded body to evaluator.Load while it downloads; the previous snapshot is shared",
	}}
}

func (p *ours) sync(key string, initial bool) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	// parse while downloading: evaluator.Load reads the decoded body as it arrives
	var specs *evaluator.Specs
	relax := func() {}
	defer func() { relax() }()
	resp, err := p.client.DownloadConfigSpecsStreaming(
		context.Background(),
		key,
		statsig.Since{Time: p.lcut.Load()},
		initial,
		func(r io.Reader) error {
			if !initial { // as the operator (serving/consumer, controllers/upstream)
				r = memrelease.OnLargeRead(r, 1<<20, func() { relax = memrelease.Tighten() })
			}
			var err error
			specs, err = evaluator.Load(r, evaluator.LoadOptions{Previous: p.ev.Specs()})
			return err
		},
	)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Close() }()
	if resp.NoUpdates || errors.Is(resp.ConsumeErr, evaluator.ErrNoUpdates) {
		return nil
	}
	if resp.ConsumeErr != nil {
		return resp.ConsumeErr
	}
	p.ev.SetSpecs(specs)
	p.lcut.Store(specs.Time())
	// As the operator after every load it serves (controllers/publish.go, serving/consumer):
	// the load's garbage back to the OS, the program image's startup pages unmapped.
	memrelease.AfterLoad()
	return nil
}

func (p *ours) CheckGate(u any, name string, _ bool) bool {
	return p.ev.CheckGate(u.(*evaluator.User), name).Value
}

func (p *ours) GetConfig(u any, name string, _ bool) bool {
	return p.ev.GetConfig(u.(*evaluator.User), name).RuleID != "default"
}

func (p *ours) GetExperiment(u any, name string, _ bool) bool {
	return p.ev.GetExperiment(u.(*evaluator.User), name).SDKGroupName != "" // as Server Core's getExperiment
}

func (p *ours) GetLayer(u any, name, param string, _ bool) bool {
	l := p.ev.GetLayer(u.(*evaluator.User), name)
	if param != "" {
		_, _ = l.Get(param)
	}
	return l.AllocatedExperiment != ""
}

func (p *ours) ConfigSyncTime(any, string) int64 { return p.lcut.Load() }

func (p *ours) DumpGate(u any, name string) goharness.GateResult {
	g := p.ev.CheckGate(u.(*evaluator.User), name)
	return goharness.GateResult{Value: g.Value, RuleID: g.RuleID, RuleGroup: &g.GroupName}
}

func (p *ours) DumpConfig(u any, name string, experiment bool) goharness.ConfigResult {
	var r evaluator.ConfigResult
	if experiment {
		r = p.ev.GetExperiment(u.(*evaluator.User), name)
	} else {
		r = p.ev.GetConfig(u.(*evaluator.User), name)
	}
	var v map[string]any
	_ = json.Unmarshal(r.Value, &v)
	// group_name is compared with Server Core's getExperiment (carried over after a fall-through),
	// rule_group with the group its client initialize response names.
	return goharness.ConfigResult{Value: v, RuleID: r.RuleID, GroupName: r.SDKGroupName, RuleGroup: &r.GroupName}
}

func (p *ours) DumpLayer(u any, name string, params []string) goharness.LayerResult {
	l := p.ev.GetLayer(u.(*evaluator.User), name)
	ps := map[string]any{}
	for _, param := range params {
		if raw, ok := l.Get(param); ok {
			var v any
			_ = json.Unmarshal(raw, &v)
			ps[param] = v
		} else {
			ps[param] = nil
		}
	}
	return goharness.LayerResult{
		RuleID:              l.RuleID,
		GroupName:           l.SDKGroupName,
		RuleGroup:           &l.GroupName,
		AllocatedExperiment: l.AllocatedExperiment,
		Params:              ps,
	}
}

func (p *ours) Shutdown(bool) {}

func main() {
	format := "v2"
	if f := os.Getenv("OURS_FORMAT"); f == "v1" {
		format = f
	}
	goharness.Main(&ours{format: format})
}
