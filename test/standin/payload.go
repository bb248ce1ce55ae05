package standin

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"

	"github.com/klauspost/compress/gzip"
)

// Format is a config-spec payload format.
type Format string

// Payload formats.
const (
	V1 Format = "v1"
	V2 Format = "v2"
)

func parseFormat(s string) (Format, error) {
	switch Format(s) {
	case V1, V2:
		return Format(s), nil
	case "":
		return V2, nil
	}
	return "", fmt.Errorf("unknown format %q (want v1 or v2)", s)
}

// timeField is the payload's top-level time; control answers report times under the same name.
const timeField = "time"

// variant is one loaded payload. Only the top-level "time" (and "checksum", when present)
// change on Bump; they are patched in place at known offsets, so a bump costs one copy.
type variant struct {
	raw          []byte
	timeAt       span
	checksumAt   span // zero when the payload has no string checksum
	origTime     int64
	origChecksum string

	time     int64
	checksum string
	body     []byte
	gz       []byte // gzip of body, made on first use
}

// span is a byte range of raw.
type span struct{ start, end int }

// newVariant indexes a payload's top-level time and checksum.
func newVariant(raw []byte) (*variant, error) {
	v := &variant{raw: raw}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, errors.New("payload is not a JSON object")
	}
	found := false
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("payload: %w", err)
		}
		name, _ := t.(string)
		var val json.RawMessage
		if err := dec.Decode(&val); err != nil {
			return nil, fmt.Errorf("payload field %q: %w", name, err)
		}
		end := int(dec.InputOffset())
		at := span{end - len(val), end}
		switch name {
		case timeField:
			n, err := strconv.ParseFloat(string(val), 64)
			if err != nil {
				return nil, fmt.Errorf("payload \"time\" is not a number: %s", val)
			}
			v.timeAt, v.origTime, found = at, int64(n), true
		case "checksum":
			var cs string
			if json.Unmarshal(val, &cs) == nil {
				v.checksumAt, v.origChecksum = at, cs
			}
		}
	}
	if _, err := dec.Token(); err != nil {
		return nil, fmt.Errorf("payload: %w", err)
	}
	if !found {
		return nil, errors.New("payload has no top-level \"time\"")
	}
	v.render(v.origTime)
	return v, nil
}

// render patches time t (and a checksum derived from it) into a fresh body. The checksum
// must change with the time, or clients sending it would be told has_updates:false.
func (v *variant) render(t int64) {
	v.time, v.gz = t, nil
	v.checksum = v.origChecksum
	if t != v.origTime && v.checksumAt.end > 0 {
		v.checksum = v.origChecksum + "-" + strconv.FormatInt(t, 10)
	}
	type patch struct {
		at  span
		val []byte
	}
	ps := []patch{{v.timeAt, strconv.AppendInt(nil, t, 10)}}
	if v.checksumAt.end > 0 {
		cs, _ := json.Marshal(v.checksum)
		p := patch{v.checksumAt, cs}
		if p.at.start < ps[0].at.start {
			ps = []patch{p, ps[0]}
		} else {
			ps = append(ps, p)
		}
	}
	out := make([]byte, 0, len(v.raw)+32)
	prev := 0
	for _, p := range ps {
		out = append(out, v.raw[prev:p.at.start]...)
		out = append(out, p.val...)
		prev = p.at.end
	}
	v.body = append(out, v.raw[prev:]...)
}

// gzipped returns the gzip form of the current body, compressing it once per version.
func (v *variant) gzipped() []byte {
	if v.gz == nil {
		var b bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&b, gzip.BestSpeed)
		_, _ = zw.Write(v.body)
		_ = zw.Close()
		v.gz = b.Bytes()
	}
	return v.gz
}

// SetPayload loads a payload. Replacing an earlier payload of the same format moves the
// time forward (to at least the previous time + 1000) so polling clients see the change.
func (s *Server) SetPayload(f Format, b []byte) error {
	if _, err := parseFormat(string(f)); err != nil {
		return err
	}
	v, err := newVariant(bytes.Clone(b))
	if err != nil {
		return fmt.Errorf("standin: %s %w", f, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if prev := s.variants[f]; prev != nil && v.time <= prev.time {
		v.render(prev.time + 1000)
	}
	s.variants[f] = v
	s.changedLocked()
	return nil
}

// SetPayloadFile loads a payload from a file.
func (s *Server) SetPayloadFile(f Format, path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("standin: %w", err)
	}
	return s.SetPayload(f, b)
}

// Bump adds 1000 ms to the time of every loaded payload, so the next poll (with the old
// sinceTime or checksum) gets the full payload again. It returns the v2 time (else v1).
func (s *Server) Bump() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.bumpLocked()
}

func (s *Server) bumpLocked() int64 {
	defer s.changedLocked()
	var t int64
	for _, f := range []Format{V1, V2} {
		if v := s.variants[f]; v != nil {
			v.render(v.time + 1000)
			t = v.time
		}
	}
	return t
}

// Time returns the current time of a loaded payload (0 when none).
func (s *Server) Time(f Format) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if v := s.variants[f]; v != nil {
		return v.time
	}
	return 0
}

// Payload returns a copy of the body currently served for f (nil when none).
func (s *Server) Payload(f Format) []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	if v := s.variants[f]; v != nil {
		return bytes.Clone(v.body)
	}
	return nil
}
