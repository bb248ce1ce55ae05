package controllers

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	flagsv1alpha1 "github.com/statsig-operator/statsig-operator/api/v1alpha1"
	"github.com/statsig-operator/statsig-operator/memrelease"
	"github.com/statsig-operator/statsig-operator/snapshot"
)

// validated is what loading a payload into the evaluator told us about it.
type validated struct {
	format   string
	time     int64
	checksum string
	counts   flagsv1alpha1.EntityCounts
	skipped  []string // specs left out for decode errors
}

// compress reads the payload a second time, concurrently with validate, so a large payload
// costs max(decode, compress) rather than their sum.
func (run *syncRun) compress(open func() (io.ReadCloser, error)) (*snapshot.Blob, *syncError) {
	r := run.r
	body, err := open()
	if err != nil {
		return nil, failf(flagsv1alpha1.ReasonStoreFailed, err,
			"Reading the downloaded payload failed (%v): check the operator's temporary directory.", err)
	}
	defer func() { _ = body.Close() }()
	var hint int
	if p := run.spec.Status.Payload; p != nil {
		hint = int(p.CompressedBytes) // the served revision's: a new one is usually close
	}
	blob, err := snapshot.CompressSized(body, r.Store.MaxCompressed(), hint)
	if err != nil {
		if errors.Is(err, snapshot.ErrTooLarge) {
			return nil, failf(flagsv1alpha1.ReasonPayloadTooLarge, err,
				"The payload compresses to more than %d bytes, more than the snapshot store holds: "+
					"remove unused gates and configs, or raise the controller's maximum chunk count.",
				r.Store.MaxCompressed())
		}
		return nil, failf(flagsv1alpha1.ReasonStoreFailed, err, "Compressing the payload failed: %v", err)
	}
	return blob, nil
}

// validateAndCompress loads the payload into the evaluator (or takes pre, the load made
// while it downloaded) and compresses it in parallel. v is nil for a {"has_updates":false}
// body; the blob is only used when validation passed.
func (run *syncRun) validateAndCompress(
	open func() (io.ReadCloser, error),
	pre *loadResult,
) (*validated, *snapshot.Blob, *syncError) {
	type compressed struct {
		blob *snapshot.Blob
		fail *syncError
	}
	ch := make(chan compressed, 1)
	go func() {
		b, f := run.compress(open)
		ch <- compressed{b, f}
	}()
	v, fail := run.validate(open, pre)
	c := <-ch
	if fail != nil || v == nil {
		return v, nil, fail
	}
	if c.fail != nil {
		return nil, nil, c.fail
	}
	return v, c.blob, nil
}

// storeSpecs stores a validated, compressed payload as a new revision and flips the status
// to it. Chunks are written first; status.revision changes only after every chunk exists, so
// readers never see a half-written revision. A payload whose sha256 equals the served one
// writes nothing.
func (run *syncRun) storeSpecs(
	ctx context.Context,
	blob *snapshot.Blob,
	v *validated,
	source flagsv1alpha1.SyncSource,
) *syncError {
	r := run.r
	status := &run.spec.Status
	if status.Payload != nil && status.Payload.SHA256 == blob.SHA256 && run.storedComplete {
		return nil
	}
	res, err := r.Store.Write(ctx, run.spec, snapshot.KindSpecs, blob,
		snapshot.Manifest{Format: v.format, Time: v.time, Checksum: v.checksum})
	if err != nil {
		if errors.Is(err, snapshot.ErrTooLarge) {
			return failf(flagsv1alpha1.ReasonPayloadTooLarge, err,
				"%v: remove unused gates and configs, or raise the controller's maximum chunk count.", err)
		}
		return failf(flagsv1alpha1.ReasonStoreFailed, err,
			"Storing the snapshot failed (%s): check the operator's RBAC on Secrets in namespace %s.",
			reasonOf(err), r.Store.Namespace)
	}
	bytesWritten.WithLabelValues(run.spec.Name, string(snapshot.KindSpecs)).Add(float64(res.BytesWritten))
	m := res.Manifest
	if status.Revision != m.Revision {
		status.PreviousRevision = status.Revision
	}
	status.Revision = m.Revision
	status.Payload = &flagsv1alpha1.PayloadStatus{
		Format: flagsv1alpha1.PayloadFormat(m.Format), Bytes: m.Size, CompressedBytes: m.CompressedSize,
		Chunks: int32(m.Chunks), SHA256: m.SHA256,
	}
	counts := v.counts
	if status.Counts != nil {
		counts.IDLists = status.Counts.IDLists
	}
	status.Counts = &counts
	setSkippedCondition(status, run.spec.Generation, v.skipped)
	specsSkipped.WithLabelValues(run.spec.Name).Set(float64(len(v.skipped)))
	if v.time > 0 {
		t := metav1.NewTime(time.UnixMilli(v.time))
		status.LastUpdateTime = &t
	}
	now := metav1.Now()
	status.LastSyncTime = &now
	status.Source = source
	run.manifest = &m
	run.storedComplete = true
	run.state.servedInputs = run.inputs
	run.r.Opts.Handoff.Offer(run.spec.Name, m.SHA256, run.state.specs, blob.Data)
	if run.r.Opts.Handoff == nil {
		// No consumer in this process returns the validation's garbage to the OS after its
		// swap, so the controller does (one GC per stored revision).
		memrelease.AfterLoad()
	}
	payloadBytes.WithLabelValues(run.spec.Name, string(snapshot.KindSpecs), "raw").Set(float64(m.Size))
	payloadBytes.WithLabelValues(run.spec.Name, string(snapshot.KindSpecs), "compressed").Set(float64(m.CompressedSize))
	revisionAge.set(run.spec.Name, now.Time, false)
	return nil
}

// gc deletes stored revisions other than the served and previous ones, including chunks
// of a revision whose write was interrupted before the status flip. What to keep is read
// from the apiserver, not the cache, so a stale cached status never deletes a served revision.
func (run *syncRun) gc(ctx context.Context) error {
	st := run.spec.Status
	staleSpecs, err1 := run.r.Store.Stale(ctx, run.spec.Name, snapshot.KindSpecs, st.Revision, st.PreviousRevision)
	staleIDs, err2 := run.r.Store.Stale(ctx, run.spec.Name, snapshot.KindIDLists, st.IDListsRevision,
		run.before.IDListsRevision)
	if err := errors.Join(err1, err2); err != nil || (len(staleSpecs) == 0 && len(staleIDs) == 0) {
		return err
	}
	var live flagsv1alpha1.StatsigSpec
	if err := run.r.APIReader.Get(ctx, client.ObjectKeyFromObject(run.spec), &live); err != nil {
		return client.IgnoreNotFound(err)
	}
	ls := live.Status
	_, err1 = run.r.Store.GC(ctx, run.spec.Name, snapshot.KindSpecs, ls.Revision, ls.PreviousRevision, st.Revision,
		st.PreviousRevision)
	// The ID-list revision replaced in this run stays until the next one, for readers that
	// are still assembling it.
	_, err2 = run.r.Store.GC(ctx, run.spec.Name, snapshot.KindIDLists, ls.IDListsRevision, st.IDListsRevision,
		run.before.IDListsRevision)
	if err := errors.Join(err1, err2); err != nil {
		return fmt.Errorf("snapshot gc: %w", err)
	}
	return nil
}
