package endpoint

import "sync/atomic"

// inFlight counts the requests being served and the body bytes they may hold, without a lock
// on the request path.
type inFlight struct {
	maxN, maxBytes int64
	n, bytes       atomic.Int64
}

// acquire admits a request of cost body bytes, or reports false when either bound would be
// passed (nothing is then held).
func (f *inFlight) acquire(cost int64) bool {
	if f.n.Add(1) > f.maxN {
		f.n.Add(-1)
		return false
	}
	if cost > 0 && f.bytes.Add(cost) > f.maxBytes {
		f.bytes.Add(-cost)
		f.n.Add(-1)
		return false
	}
	return true
}

func (f *inFlight) release(cost int64) {
	if cost > 0 {
		f.bytes.Add(-cost)
	}
	f.n.Add(-1)
}
