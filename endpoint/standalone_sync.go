package endpoint

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"time"

	"github.com/statsig-operator/statsig-operator/serving"
	"github.com/statsig-operator/statsig-operator/statsig"
)

// DefaultStandaloneSyncInterval is how often standalone mode downloads StandaloneOptions.SpecsURL.
const DefaultStandaloneSyncInterval = 10 * time.Second

// specsSync keeps standalone mode's project on the latest payload of a specs URL: the local
// stand-in for what the controller and snapshot do in a cluster (no ID lists).
type specsSync struct {
	opts   StandaloneOptions
	client *statsig.Client
}

func newSpecsSync(opts StandaloneOptions) (*specsSync, error) {
	if opts.SyncInterval <= 0 {
		opts.SyncInterval = DefaultStandaloneSyncInterval
	}
	c, err := statsig.New(statsig.Options{SpecsURL: opts.SpecsURL, InitTimeout: 10 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("specs URL: %w", err)
	}
	return &specsSync{opts: opts, client: c}, nil
}

// download fetches the whole payload: no sinceTime, so every answer is a full payload, and
// an unchanged one is recognised by its hash.
func (s *specsSync) download(ctx context.Context, initial bool) ([]byte, error) {
	res, err := s.client.DownloadConfigSpecs(ctx, s.opts.Keys[0], statsig.Since{}, initial)
	if err != nil {
		return nil, err
	}
	defer func() { _ = res.Close() }()
	rc, err := res.Open()
	if err != nil {
		return nil, err
	}
	defer func() { _ = rc.Close() }()
	return io.ReadAll(rc)
}

// run downloads every SyncInterval until ctx ends and publishes each changed payload as a
// new revision; a failed download or load keeps serving the last good one.
func (s *specsSync) run(ctx context.Context, reg *serving.Registry, cur *serving.Project, events *EventSink) {
	t := time.NewTicker(s.opts.SyncInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		raw, err := s.download(ctx, false)
		if err != nil {
			if ctx.Err() == nil {
				s.opts.Logger.Error(err, "Specs download failed; serving the last payload")
			}
			continue
		}
		sum := sha256.Sum256(raw)
		if hex.EncodeToString(sum[:])[:16] == cur.Revision {
			continue
		}
		p, err := standaloneProjectFrom(raw, s.opts, events)
		if err != nil {
			s.opts.Logger.Error(err, "Specs payload not loaded; serving the last payload")
			continue
		}
		reg.Set(p)
		cur = p
		s.opts.Logger.Info("Serving new specs", "revision", p.Revision, "time", p.Payload.Time, "bytes", p.Payload.Size)
	}
}
