package endpoint

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// /v1/log_event validates the whole request before queuing anything: a bad event is a 400
// naming it and nothing of the batch is sent; accepted events keep what Statsig takes
// (metadata values as strings, as the SDKs send them; time in ms; unknown fields).
func TestLogEventValidatesBeforeQueuing(t *testing.T) {
	st, sink := standinSink(t, false)
	env := newTestEnv(t, sink)
	post := func(events string) response {
		return env.do(t, "POST", "/v1/log_event", `{"user":{"userID":"u"},"events":[`+events+`]}`,
			"statsig-api-key", testKey)
	}
	for _, tc := range []struct{ name, events, message string }{
		{"value of another type", `{"eventName":"ok"},{"eventName":"bad","value":{"a":1}}`, "events[1]: value"},
		{"time not a number", `{"eventName":"ok"},{"eventName":"a"},{"eventName":"bad","time":"soon"}`, "events[2]: time"},
		{"metadata not an object", `{"eventName":"ok"},{"eventName":"bad","metadata":[1]}`, "events[1]: metadata"},
		{"no name", `{"eventName":"ok"},{"value":1}`, "events[1]: eventName"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := post(tc.events)
			if res.status != 400 || !strings.Contains(string(res.body), tc.message) {
				t.Fatalf("status %d %s, want 400 naming %q", res.status, res.body, tc.message)
			}
		})
	}
	res := post(`{"eventName":"purchase","value":9.5,"metadata":{"n":1,"ok":true,"s":"x","o":{"a":[1]},"z":null},` +
		`"time":"1700000000000","customField":"kept"}`)
	if res.status != 202 {
		t.Fatalf("good batch = %d %s", res.status, res.body)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := sink.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	evs := st.Events()
	if len(evs) != 1 {
		t.Fatalf("%d events delivered, want only the good batch's 1 (a refused batch queues nothing)", len(evs))
	}
	var got map[string]any
	if err := json.Unmarshal(evs[0].Raw, &got); err != nil {
		t.Fatal(err)
	}
	md, _ := got["metadata"].(map[string]any)
	want := map[string]any{"n": "1", "ok": "true", "s": "x", "o": `{"a":[1]}`}
	if len(md) != len(want) {
		t.Fatalf("metadata %v, want %v", md, want)
	}
	for k, v := range want {
		if md[k] != v {
			t.Errorf("metadata[%q] = %#v, want %#v", k, md[k], v)
		}
	}
	if got["time"] != 1700000000000.0 || got["customField"] != "kept" || got["value"] != 9.5 {
		t.Errorf("event %s: time, value or the unknown field changed", evs[0].Raw)
	}
}
