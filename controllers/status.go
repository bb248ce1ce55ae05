package controllers

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	flagsv1alpha1 "github.com/statsig-operator/statsig-operator/api/v1alpha1"
)

// syncError is a failed sync: a condition reason and a message that says what to do. The
// message never contains the secret key (see redact).
type syncError struct {
	reason  string
	message string
	err     error
}

func (e *syncError) Error() string { return e.reason + ": " + e.message }
func (e *syncError) Unwrap() error { return e.err }

func failf(reason string, err error, format string, args ...any) *syncError {
	return &syncError{reason: reason, message: fmt.Sprintf(format, args...), err: err}
}

// setConditions computes Ready, Synced and Degraded from the outcome of a sync (fail == nil
// means success) and whether a snapshot is being served. meta.SetStatusCondition keeps
// lastTransitionTime when a condition's status does not change, so an unchanged outcome
// leaves the status byte-for-byte equal and nothing is written.
func setConditions(st *flagsv1alpha1.StatsigSpecStatus, generation int64, fail *syncError) {
	set := func(t string, s metav1.ConditionStatus, reason, msg string) {
		meta.SetStatusCondition(&st.Conditions,
			metav1.Condition{Type: t, Status: s, Reason: reason, Message: msg, ObservedGeneration: generation})
	}
	served := st.Revision != ""
	switch {
	case fail == nil:
		set(flagsv1alpha1.ConditionSynced, metav1.ConditionTrue, flagsv1alpha1.ReasonSynced, "The last sync succeeded.")
		set(flagsv1alpha1.ConditionReady, metav1.ConditionTrue, flagsv1alpha1.ReasonSnapshotServed,
			fmt.Sprintf("Revision %s is stored and served.", st.Revision))
		set(flagsv1alpha1.ConditionDegraded, metav1.ConditionFalse, flagsv1alpha1.ReasonHealthy,
			"The served revision is current.")
	case served:
		set(flagsv1alpha1.ConditionSynced, metav1.ConditionFalse, fail.reason, fail.message)
		set(flagsv1alpha1.ConditionReady, metav1.ConditionTrue, flagsv1alpha1.ReasonSnapshotServed,
			fmt.Sprintf("Revision %s (last known good) is stored and served.", st.Revision))
		set(flagsv1alpha1.ConditionDegraded, metav1.ConditionTrue, flagsv1alpha1.ReasonServingLastKnownGood,
			fmt.Sprintf("Serving last known good revision %s: %s", st.Revision, fail.message))
	default:
		set(flagsv1alpha1.ConditionSynced, metav1.ConditionFalse, fail.reason, fail.message)
		set(flagsv1alpha1.ConditionReady, metav1.ConditionFalse, fail.reason, "No snapshot is stored yet: "+fail.message)
		set(flagsv1alpha1.ConditionDegraded, metav1.ConditionFalse, flagsv1alpha1.ReasonNoSnapshot,
			"Nothing is served yet, so nothing older is served.")
	}
}

// transitionEvent returns the Event to record when the sync outcome changed (revision,
// or the Synced reason), or ok=false: one Event per transition, not one per poll.
func transitionEvent(before, after *flagsv1alpha1.StatsigSpecStatus) (eventType, reason, message string, ok bool) {
	if after.Revision != before.Revision && after.Revision != "" {
		msg := fmt.Sprintf("Stored and serving revision %s", after.Revision)
		if before.Revision != "" {
			msg += fmt.Sprintf(" (previous %s)", before.Revision)
		}
		return corev1.EventTypeNormal, "RevisionChanged", msg, true
	}
	b := meta.FindStatusCondition(before.Conditions, flagsv1alpha1.ConditionSynced)
	a := meta.FindStatusCondition(after.Conditions, flagsv1alpha1.ConditionSynced)
	if a == nil || (b != nil && b.Status == a.Status && b.Reason == a.Reason) {
		return "", "", "", false
	}
	if a.Status == metav1.ConditionTrue {
		if b == nil {
			return "", "", "", false
		}
		return corev1.EventTypeNormal, "SyncRecovered", "Sync succeeded again.", true
	}
	return corev1.EventTypeWarning, a.Reason, a.Message, true
}

// setSkippedCondition says whether the served revision left out specs that failed to decode.
func setSkippedCondition(st *flagsv1alpha1.StatsigSpecStatus, generation int64, skipped []string) {
	c := metav1.Condition{Type: flagsv1alpha1.ConditionSpecsSkipped, ObservedGeneration: generation,
		Status: metav1.ConditionFalse, Reason: flagsv1alpha1.ReasonAllSpecsLoaded,
		Message: "Every spec of the served revision loaded."}
	if len(skipped) > 0 {
		c.Status, c.Reason = metav1.ConditionTrue, flagsv1alpha1.ReasonDecodeErrors
		c.Message = fmt.Sprintf("%d specs of the served revision failed to decode and are left out "+
			"(evaluated as missing, as Server Core does): %s", len(skipped), namesList(skipped))
	}
	meta.SetStatusCondition(&st.Conditions, c)
}

// skippedEvent returns a Warning when the served revision newly leaves out specs (or others).
func skippedEvent(before, after *flagsv1alpha1.StatsigSpecStatus) (message string, ok bool) {
	a := meta.FindStatusCondition(after.Conditions, flagsv1alpha1.ConditionSpecsSkipped)
	if a == nil || a.Status != metav1.ConditionTrue {
		return "", false
	}
	if b := meta.FindStatusCondition(before.Conditions, flagsv1alpha1.ConditionSpecsSkipped); b != nil &&
		b.Status == a.Status && b.Message == a.Message {
		return "", false
	}
	return a.Message, true
}
