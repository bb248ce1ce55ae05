package controllers

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"time"

	logf "sigs.k8s.io/controller-runtime/pkg/log"

	flagsv1alpha1 "github.com/statsig-operator/statsig-operator/api/v1alpha1"
	"github.com/statsig-operator/statsig-operator/snapshot"
)

// syncRun is one reconcile of one StatsigSpec.
type syncRun struct {
	r      *StatsigSpecReconciler
	spec   *flagsv1alpha1.StatsigSpec
	state  *specState
	before *flagsv1alpha1.StatsigSpecStatus

	// manifest of the served revision, when all its chunks are stored.
	manifest       *snapshot.Manifest
	storedComplete bool
	inputs         string // what this poll fetches with (see specState.servedInputs)
	key            string // the secret key, for redaction
	// relaxGC, when set, restores the GC percentage lowered while a new payload replaces the
	// served one (memrelease.Tighten); syncSpecs calls it when the sync ends.
	relaxGC func()
}

// reconcileSpecs polls the config specs when due and returns the wait until the next poll.
func (run *syncRun) reconcileSpecs(ctx context.Context) (time.Duration, error) {
	spec, st := run.spec, run.state
	forced, err := run.checkStored(ctx)
	if err != nil {
		return 0, err
	}
	inputs, fail := run.resolveInputs(ctx)
	if fail == nil {
		fail = run.syncStream(ctx, inputs)
	}
	pushed := run.r.streams != nil && run.r.streams.pending(spec.Name)
	now := time.Now()
	d := decidePoll(now, st.nextPoll, st.inputs, inputs, forced || pushed)
	if !d.poll {
		return d.after, nil
	}
	full := forced || st.generation != spec.Generation
	st.inputs, st.generation = inputs, spec.Generation
	run.inputs = inputs
	lastPoll.WithLabelValues(spec.Name).SetToCurrentTime()

	if fail == nil {
		fail = run.syncSpecs(ctx, full)
	}
	st.initDone = true
	result := "success"
	if fail != nil {
		result = "failure"
		fail.message = redact(fail.message, run.key)
		syncFailures.WithLabelValues(spec.Name, fail.reason).Inc()
		st.failures++
		if spec.Status.Revision != "" {
			spec.Status.Source = flagsv1alpha1.SyncSourceLastKnownGood
		}
		if st.lastFailReason != fail.reason {
			logf.FromContext(ctx).Info("Sync failed", labelSpec, spec.Name, "reason", fail.reason,
				"message", fail.message, "servingRevision", spec.Status.Revision)
		}
		st.lastFailReason = fail.reason
	} else {
		st.failures, st.lastFailReason = 0, ""
		lastSuccess.WithLabelValues(spec.Name).SetToCurrentTime()
		if spec.Status.Revision != "" {
			revisionAge.set(spec.Name, now, true)
		}
	}
	syncDuration.WithLabelValues(spec.Name, result).Observe(time.Since(now).Seconds())
	// Like the SDKs, wait a full interval after a sync ends, however long it took.
	every := interval(spec.Spec.SpecsSyncIntervalMs, flagsv1alpha1.DefaultSpecsSyncIntervalMs)
	st.nextPoll = time.Now().Add(jittered(every))
	if fail == nil && st.idFail != nil {
		fail = st.idFail
	}
	setConditions(&spec.Status, spec.Generation, fail)
	return time.Until(st.nextPoll), nil // positive: nextPoll is at least 0.9 s ahead
}

// checkStored finds the manifest of the served revision; forced is true when a chunk of it
// is missing, so the payload is downloaded in full and written again.
func (run *syncRun) checkStored(ctx context.Context) (forced bool, err error) {
	rev := run.spec.Status.Revision
	if rev == "" {
		return false, nil
	}
	m, err := run.r.Store.Complete(ctx, run.spec.Name, snapshot.KindSpecs, rev)
	switch {
	case err == nil:
		run.manifest, run.storedComplete = m, true
		return false, nil
	case errors.Is(err, snapshot.ErrIncomplete), errors.Is(err, snapshot.ErrCorrupt):
		logf.FromContext(ctx).Info("Stored revision is incomplete, downloading it again",
			labelSpec, run.spec.Name, "revision", rev, "detail", err.Error())
		return true, nil
	default:
		return false, err
	}
}

// resolveInputs reads what a poll depends on besides the spec (the key Secret, the payload
// object, proxy credentials) and fingerprints their versions, so an edit triggers a poll.
func (run *syncRun) resolveInputs(ctx context.Context) (string, *syncError) {
	spec := run.spec
	if isUserSource(spec) {
		rv, fail := sourceVersion(ctx, run.r.Refs, spec.Spec.Source)
		if fail != nil {
			return "source-missing", fail
		}
		return "source:" + rv, nil
	}
	key, rv, fail := readSecretKey(ctx, run.r.Refs, spec.Spec.SecretKeyRef, "Statsig server secret key")
	if fail != nil {
		return "key-missing:" + fail.reason, fail
	}
	run.key = key
	fp := "key:" + rv
	if p := spec.Spec.Proxy; p != nil && p.CredentialsSecretRef != nil {
		creds, crv, fail := readSecretKey(ctx, run.r.Refs, *p.CredentialsSecretRef, "proxy credentials (user:password)")
		if fail != nil {
			return fp + ",proxy-missing", fail
		}
		run.state.proxyCreds = creds
		fp += ",proxy:" + crv
	} else {
		run.state.proxyCreds = ""
	}
	return fp, nil
}

// syncSpecs fetches, validates and stores the specs; nil means the served revision is current.
func (run *syncRun) syncSpecs(ctx context.Context, full bool) *syncError {
	spec := run.spec
	if isUserSource(spec) {
		p, fail := readSourcePayload(ctx, run.r.Refs, spec.Spec.Source)
		if fail != nil {
			return fail
		}
		sum := sha256.Sum256(p.data)
		if run.storedComplete && run.manifest.SHA256 == hex.EncodeToString(sum[:]) {
			spec.Status.Source = p.source
			return nil
		}
		open := func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(p.data)), nil }
		v, blob, fail := run.validateAndCompress(open, nil)
		if fail != nil {
			return fail
		}
		if v == nil {
			return failf(flagsv1alpha1.ReasonInvalidPayload, nil,
				"The source holds {\"has_updates\":false} instead of a payload: store a full download_config_specs response.")
		}
		if fail := run.storeSpecs(ctx, blob, v, p.source); fail != nil {
			return fail
		}
		spec.Status.Source = p.source
		return nil
	}
	defer func() {
		if run.relaxGC != nil {
			run.relaxGC()
			run.relaxGC = nil
		}
	}()
	t0 := time.Now()
	res, fail := run.fetch(ctx, full)
	if fail != nil {
		return fail
	}
	defer res.close()
	t1 := time.Now()
	if res.noUpdate || (run.storedComplete && run.manifest.SHA256 == res.sha256) {
		if run.storedComplete {
			spec.Status.Source = res.source
			run.state.servedInputs = run.inputs
		}
		return nil
	}
	v, blob, fail := run.validateAndCompress(res.open, res.loaded)
	if fail != nil {
		return fail
	}
	t2 := time.Now()
	if v == nil { // a large {"has_updates":false} the client did not probe
		if run.storedComplete {
			spec.Status.Source = res.source
		}
		return nil
	}
	if fail := run.storeSpecs(ctx, blob, v, res.source); fail != nil {
		return fail
	}
	logf.FromContext(ctx).V(1).Info("Stored revision", labelSpec, spec.Name, "revision", spec.Status.Revision,
		"downloadAndLoad", t1.Sub(t0).String(), "validateAndCompress", t2.Sub(t1).String(), "store", time.Since(t2).String())
	spec.Status.Source = res.source
	return nil
}

// isUserSource reports whether the payload comes from a ConfigMap or Secret.
func isUserSource(spec *flagsv1alpha1.StatsigSpec) bool {
	t := spec.Spec.Source.Type
	return t == flagsv1alpha1.SourceConfigMap || t == flagsv1alpha1.SourceSecret
}
