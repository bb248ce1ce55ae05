package standin

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// maxLogEventBody caps a decoded log_event body.
const maxLogEventBody = 64 << 20

// Event is one received event.
type Event struct {
	EventName          string           `json:"eventName"`
	Value              any              `json:"value"`
	Metadata           map[string]any   `json:"metadata"`
	StatsigMetadata    map[string]any   `json:"statsigMetadata"`
	User               map[string]any   `json:"user"`
	Time               json.Number      `json:"time"`
	SecondaryExposures []map[string]any `json:"secondaryExposures"`
	// Raw is the event exactly as received.
	Raw json.RawMessage `json:"-"`
}

// LogEventBatch is one received log_event request.
type LogEventBatch struct {
	Encoding        string
	EventCount      int // statsig-event-count header
	RetryCount      int // statsig-retry-count header
	StatsigMetadata map[string]any
	Events          []Event
}

// serveLogEvent decodes (gzip, zstd or plain) and records a batch, answering 202
// {"success":true} as Statsig does.
func (s *Server) serveLogEvent(w http.ResponseWriter, r *http.Request) {
	enc := strings.ToLower(strings.TrimSpace(r.Header.Get("Content-Encoding")))
	raw, err := io.ReadAll(io.LimitReader(r.Body, maxLogEventBody+1))
	if err == nil {
		raw, err = decodeBody(enc, raw)
	}
	var batch struct {
		Events          []json.RawMessage `json:"events"`
		StatsigMetadata map[string]any    `json:"statsigMetadata"`
	}
	if err == nil {
		if err = json.Unmarshal(raw, &batch); err == nil && batch.Events == nil {
			err = fmt.Errorf("no \"events\" array")
		}
	}
	if err != nil {
		writeFailure(w, http.StatusBadRequest, err.Error())
		return
	}
	b := LogEventBatch{Encoding: enc, StatsigMetadata: batch.StatsigMetadata}
	b.EventCount, _ = strconv.Atoi(r.Header.Get("statsig-event-count"))
	b.RetryCount, _ = strconv.Atoi(r.Header.Get("statsig-retry-count"))
	for _, e := range batch.Events {
		ev := Event{Raw: e}
		dec := json.NewDecoder(bytes.NewReader(e))
		dec.UseNumber()
		if err := dec.Decode(&ev); err != nil {
			writeFailure(w, http.StatusBadRequest, "event: "+err.Error())
			return
		}
		b.Events = append(b.Events, ev)
	}
	s.mu.Lock()
	s.stats.LogEventRequests++
	s.stats.EventsReceived += len(b.Events)
	s.batches = append(s.batches, b)
	if len(s.batches) > s.opts.MaxRequests {
		s.batches = s.batches[1:]
	}
	s.events = append(s.events, b.Events...)
	if over := len(s.events) - s.opts.MaxEvents; over > 0 {
		s.events = append([]Event(nil), s.events[over:]...)
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusAccepted, map[string]any{"success": true})
}

// decodeBody undoes a Content-Encoding; bodies without one are sniffed for gzip/zstd magic.
func decodeBody(enc string, raw []byte) ([]byte, error) {
	if enc == "" || enc == "identity" {
		switch {
		case bytes.HasPrefix(raw, []byte{0x1f, 0x8b}):
			enc = encodingGzip
		case bytes.HasPrefix(raw, []byte{0x28, 0xb5, 0x2f, 0xfd}):
			enc = "zstd"
		}
	}
	var r io.Reader
	switch enc {
	case "", "identity":
		if len(raw) > maxLogEventBody {
			return nil, fmt.Errorf("body larger than %d bytes", maxLogEventBody)
		}
		return raw, nil
	case encodingGzip, "x-gzip":
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			return nil, fmt.Errorf("gzip: %w", err)
		}
		r = zr
	case "zstd":
		zr, err := zstd.NewReader(bytes.NewReader(raw), zstd.WithDecoderConcurrency(1))
		if err != nil {
			return nil, fmt.Errorf("zstd: %w", err)
		}
		defer zr.Close()
		r = zr
	default:
		return nil, fmt.Errorf("unsupported Content-Encoding %q", enc)
	}
	out, err := io.ReadAll(io.LimitReader(r, maxLogEventBody+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", enc, err)
	}
	if len(out) > maxLogEventBody {
		return nil, fmt.Errorf("decoded body larger than %d bytes", maxLogEventBody)
	}
	return out, nil
}

// Events returns the recorded events, oldest first.
func (s *Server) Events() []Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Event(nil), s.events...)
}

// EventCount is the number of events received since the last reset.
func (s *Server) EventCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats.EventsReceived
}

// LogEventBatches returns the recorded log_event requests, oldest first.
func (s *Server) LogEventBatches() []LogEventBatch {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]LogEventBatch(nil), s.batches...)
}
