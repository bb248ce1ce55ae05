package webhook

import (
	"sync/atomic"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/events"
)

// asyncRecorder hands events to a background goroutine so admission never waits on the
// API: when its buffer is full, events are dropped (and counted) rather than queued.
type asyncRecorder struct {
	rec     events.EventRecorder
	ch      chan event
	dropped atomic.Int64
}

type event struct {
	obj                        runtime.Object
	eventtype, reason, message string
}

func newAsyncRecorder(rec events.EventRecorder, size int) *asyncRecorder {
	return &asyncRecorder{rec: rec, ch: make(chan event, size)}
}

// record queues an event; it never blocks.
func (a *asyncRecorder) record(obj runtime.Object, eventtype, reason, message string) {
	if a == nil || a.rec == nil {
		return
	}
	select {
	case a.ch <- event{obj, eventtype, reason, message}:
	default:
		a.dropped.Add(1)
		droppedEvents.Inc()
	}
}

// run drains the queue until stop is closed.
func (a *asyncRecorder) run(stop <-chan struct{}) {
	for {
		select {
		case <-stop:
			return
		case e := <-a.ch:
			a.rec.Eventf(e.obj, nil, e.eventtype, e.reason, "Admit", "%s", e.message)
		}
	}
}
