package eventlog

import "encoding/json"

// eventOverhead covers an event's keys, punctuation and time in its JSON encoding.
const eventOverhead = 120

// approxBytes estimates the event's JSON size (within a small constant of it) without
// encoding it: the byte bound of the queue must be cheap on the exposure path.
func (ev *Event) approxBytes() int64 {
	if ev.Raw != nil {
		return int64(len(ev.Raw))
	}
	n := int64(eventOverhead + len(ev.EventName) + len(ev.User))
	for k, v := range ev.Metadata {
		n += int64(len(k) + len(v) + 6)
	}
	for _, s := range ev.SecondaryExposures {
		n += int64(len(s.Gate) + len(s.GateValue) + len(s.RuleID) + 40)
	}
	n += valueBytes(ev.StatsigMetadata) + valueBytes(ev.Value)
	return n
}

// valueBytes estimates the JSON size of a decoded JSON value.
func valueBytes(v any) int64 {
	switch t := v.(type) {
	case nil, bool, float64, json.Number:
		return 8
	case string:
		return int64(len(t) + 2)
	case json.RawMessage:
		return int64(len(t))
	case []any:
		n := int64(2)
		for _, e := range t {
			n += valueBytes(e) + 1
		}
		return n
	case map[string]any:
		n := int64(2)
		for k, e := range t {
			n += int64(len(k)+4) + valueBytes(e)
		}
		return n
	default:
		return 16
	}
}
