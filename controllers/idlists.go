package controllers

import (
	"bytes"
	"context"
	"errors"
	"time"

	flagsv1alpha1 "github.com/statsig-operator/statsig-operator/api/v1alpha1"
	"github.com/statsig-operator/statsig-operator/snapshot"
	"github.com/statsig-operator/statsig-operator/statsig"
)

// reconcileIDLists syncs the ID lists when enabled and due: one all-or-nothing round through
// statsig.IDListState, stored as its own revisioned snapshot. It returns the wait until the
// next round; a failed round shows in the status, never as an error.
func (run *syncRun) reconcileIDLists(ctx context.Context) time.Duration {
	spec, st := run.spec, run.state
	if !spec.Spec.EnableIDLists || spec.Spec.Source.Type == flagsv1alpha1.SourceConfigMap ||
		spec.Spec.Source.Type == flagsv1alpha1.SourceSecret {
		if spec.Status.IDListsRevision != "" {
			spec.Status.IDListsRevision = ""
			if spec.Status.Counts != nil {
				spec.Status.Counts.IDLists = 0
			}
		}
		st.ids, st.nextIDPoll = nil, time.Time{}
		return 0
	}
	if run.key == "" {
		return 0 // the specs sync already reported the missing key
	}
	now := time.Now()
	inputs := st.inputs
	if st.idInputs == inputs && !st.nextIDPoll.IsZero() && now.Before(st.nextIDPoll) {
		return st.nextIDPoll.Sub(now)
	}
	st.idInputs = inputs
	fail := run.syncIDLists(ctx)
	every := interval(spec.Spec.IDListsSyncIntervalMs, flagsv1alpha1.DefaultIDListsSyncInterval)
	st.nextIDPoll = time.Now().Add(jittered(every))
	if fail != nil {
		fail.message = redact(fail.message, run.key)
		syncFailures.WithLabelValues(spec.Name, fail.reason).Inc()
		st.idFail = fail
	} else {
		st.idFail = nil
	}
	// ID lists failing leaves the specs served; it shows on Synced unless a specs failure
	// already does.
	if st.lastFailReason == "" {
		setConditions(&spec.Status, spec.Generation, st.idFail)
	}
	return time.Until(st.nextIDPoll)
}

func (run *syncRun) syncIDLists(ctx context.Context) *syncError {
	spec, st := run.spec, run.state
	c, fail := run.upstreamClient(ctx)
	if fail != nil {
		return fail
	}
	prev := st.ids
	if prev == nil && spec.Status.IDListsRevision != "" {
		// After a restart, continue from the stored state so downloads stay incremental.
		if _, data, err := run.r.Store.Read(ctx, spec.Name, snapshot.KindIDLists, spec.Status.IDListsRevision); err == nil {
			if r, err := snapshot.Decompress(data); err == nil {
				prev, _ = statsig.ReadIDListState(r)
				_ = r.Close()
			}
		}
	}
	next, err := c.SyncIDLists(ctx, run.key, prev)
	if err != nil {
		reason := flagsv1alpha1.ReasonIDListsFailed
		if statsig.IsUnauthorized(err) {
			reason = flagsv1alpha1.ReasonUnauthorized
		}
		return failf(reason, err,
			"Syncing the ID lists failed (%v); no list was changed in this round and the previous lists keep being served.", err)
	}
	st.ids = next
	if next == prev && spec.Status.IDListsRevision != "" {
		return nil // nothing changed this round
	}
	var buf bytes.Buffer
	if _, err := next.WriteTo(&buf); err != nil {
		return failf(flagsv1alpha1.ReasonIDListsFailed, err, "Encoding the ID lists failed: %v", err)
	}
	blob, err := snapshot.Compress(&buf, run.r.Store.MaxCompressed())
	if err != nil {
		if errors.Is(err, snapshot.ErrTooLarge) {
			return failf(flagsv1alpha1.ReasonPayloadTooLarge, err,
				"The ID lists compress to more than %d bytes: remove unused ID lists.", run.r.Store.MaxCompressed())
		}
		return failf(flagsv1alpha1.ReasonIDListsFailed, err, "Compressing the ID lists failed: %v", err)
	}
	if blob.Revision() == spec.Status.IDListsRevision {
		return nil
	}
	res, err := run.r.Store.Write(ctx, spec, snapshot.KindIDLists, blob, snapshot.Manifest{})
	if err != nil {
		return failf(flagsv1alpha1.ReasonStoreFailed, err,
			"Storing the ID lists failed (%s): check the operator's RBAC on Secrets in namespace %s.",
			reasonOf(err), run.r.Store.Namespace)
	}
	bytesWritten.WithLabelValues(spec.Name, string(snapshot.KindIDLists)).Add(float64(res.BytesWritten))
	payloadBytes.WithLabelValues(spec.Name, string(snapshot.KindIDLists), "raw").Set(float64(res.Manifest.Size))
	payloadBytes.WithLabelValues(spec.Name, string(snapshot.KindIDLists), "compressed").
		Set(float64(res.Manifest.CompressedSize))
	spec.Status.IDListsRevision = res.Manifest.Revision
	if spec.Status.Counts == nil {
		spec.Status.Counts = &flagsv1alpha1.EntityCounts{}
	}
	spec.Status.Counts.IDLists = int32(len(next.Names()))
	return nil
}
