package statsig

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
)

// idListMagic starts the encoded form; the version lets a later format coexist.
const idListMagic = "statsig-id-lists/1"

// listHeader precedes the IDs of one list in the encoded form.
type listHeader struct {
	Name         string `json:"name"`
	Size         int64  `json:"size"`
	URL          string `json:"url"`
	CreationTime int64  `json:"creationTime"`
	FileID       string `json:"fileID"`
	Count        int    `json:"count"`
}

// WriteTo writes the state as text: a magic line, then per list (sorted by name) a JSON
// header line followed by its IDs, one per line, sorted. Equal states encode to equal
// bytes, so the encoding can be content-addressed.
func (s *IDListState) WriteTo(w io.Writer) (int64, error) {
	cw := &countingWriter{w: bufio.NewWriterSize(w, 64<<10)}
	cw.line([]byte(idListMagic))
	for _, name := range s.Names() {
		l := s.lists[name]
		h, err := json.Marshal(listHeader{
			Name: name, Size: l.info.Size, URL: l.info.URL, CreationTime: l.info.CreationTime,
			FileID: l.info.FileID, Count: len(l.ids),
		})
		if err != nil {
			return cw.n, err
		}
		cw.line(h)
		for _, id := range slices.Sorted(maps.Keys(l.ids)) {
			cw.line([]byte(id))
		}
	}
	if cw.err != nil {
		return cw.n, cw.err
	}
	return cw.n, cw.w.(*bufio.Writer).Flush()
}

// MarshalBinary returns the WriteTo encoding.
func (s *IDListState) MarshalBinary() ([]byte, error) {
	var b bytes.Buffer
	if _, err := s.WriteTo(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// UnmarshalBinary replaces the receiver's content; use it on a fresh value only, as
// states are otherwise immutable.
func (s *IDListState) UnmarshalBinary(b []byte) error {
	v, err := ReadIDListState(bytes.NewReader(b))
	if err != nil {
		return err
	}
	s.lists = v.lists
	return nil
}

// ReadIDListState decodes the WriteTo encoding.
func ReadIDListState(r io.Reader) (*IDListState, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), maxIDListLine)
	line := 0
	next := func() (string, bool) {
		if !sc.Scan() {
			return "", false
		}
		line++
		return sc.Text(), true
	}
	bad := func(format string, a ...any) error {
		return fmt.Errorf("decode ID lists: line %d: %s", line, fmt.Sprintf(format, a...))
	}
	if magic, ok := next(); !ok || magic != idListMagic {
		if err := sc.Err(); err != nil {
			return nil, fmt.Errorf("decode ID lists: %w", err)
		}
		return nil, errors.New("decode ID lists: not an encoded ID-list state")
	}
	s := NewIDListState()
	for {
		text, ok := next()
		if !ok {
			break
		}
		var h listHeader
		if err := json.Unmarshal([]byte(text), &h); err != nil {
			return nil, bad("invalid list header: %v", err)
		}
		if h.Name == "" || h.Count < 0 || h.Size < 0 {
			return nil, bad("invalid list header")
		}
		if s.lists[h.Name] != nil {
			return nil, bad("duplicate list %q", h.Name)
		}
		ids := make(map[string]struct{}, min(h.Count, 1<<16))
		for range h.Count {
			id, ok := next()
			if !ok {
				return nil, bad("list %q: %d IDs expected, input ended", h.Name, h.Count)
			}
			if id == "" {
				return nil, bad("list %q: invalid ID", h.Name)
			}
			ids[id] = struct{}{}
		}
		s.lists[h.Name] = &idList{
			info: IDListInfo{Name: h.Name, Size: h.Size, URL: h.URL, CreationTime: h.CreationTime, FileID: h.FileID},
			ids:  ids,
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("decode ID lists: %w", err)
	}
	return s, nil
}

// countingWriter counts bytes and keeps the first error.
type countingWriter struct {
	w   io.Writer
	n   int64
	err error
}

// line writes p and a newline. Its error is not returned: the first one is kept in c.err,
// which the caller checks once, after the last line.
func (c *countingWriter) line(p []byte) {
	_, _ = c.Write(p)
	_, _ = c.Write([]byte{'\n'})
}

func (c *countingWriter) Write(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.w.Write(p)
	c.n += int64(n)
	c.err = err
	return n, err
}

// WriteList writes one list as an ID-list file ("+<id>\n" per hashed ID, sorted), the form a
// Statsig SDK downloads, so a proxy can re-serve the lists it synced.
func (s *IDListState) WriteList(name string, w io.Writer) (int64, error) {
	if s == nil {
		return 0, fmt.Errorf("no ID list %q", name)
	}
	l, ok := s.lists[name]
	if !ok {
		return 0, fmt.Errorf("no ID list %q", name)
	}
	ids := slices.Sorted(maps.Keys(l.ids))
	bw := bufio.NewWriter(w)
	var n int64
	for _, id := range ids {
		k, err := bw.WriteString("+" + id + "\n")
		n += int64(k)
		if err != nil {
			return n, err
		}
	}
	return n, bw.Flush()
}
