package statsig

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
)

// maxIDListLine bounds one line of an ID-list file; real lines are 9 bytes.
const maxIDListLine = 64 << 10

// IDListInfo is one entry of the ID-list manifest. In an IDListState, Size is the number
// of file bytes already applied.
type IDListInfo struct {
	Name         string `json:"name"`
	Size         int64  `json:"size"`
	URL          string `json:"url"`
	CreationTime int64  `json:"creationTime"`
	FileID       string `json:"fileID"`
}

// UnmarshalJSON accepts "key" as an alias of "name".
func (i *IDListInfo) UnmarshalJSON(b []byte) error {
	type plain IDListInfo
	var v struct {
		plain
		Key string `json:"key"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*i = IDListInfo(v.plain)
	if i.Name == "" {
		i.Name = v.Key
	}
	return nil
}

// IDListDownload is one file request a sync needs.
type IDListDownload struct {
	Name  string
	Info  IDListInfo // the manifest entry
	Start int64      // first byte to request
	Reset bool       // the local list is discarded before applying
}

// IDListBody is a downloaded list file (or its tail).
type IDListBody struct {
	io.ReadCloser
	// Start is the file offset the body begins at: the requested start, or 0 when the
	// server ignored the range and sent the whole file.
	Start int64
}

// IDListFetcher downloads what d asks for.
type IDListFetcher func(d IDListDownload) (*IDListBody, error)

// IDListState is an immutable set of ID lists; Update returns a new one.
type IDListState struct {
	lists map[string]*idList
}

type idList struct {
	info IDListInfo
	ids  map[string]struct{}
}

// NewIDListState returns an empty state.
func NewIDListState() *IDListState { return &IDListState{lists: map[string]*idList{}} }

// Contains reports whether list holds the hashed ID (base64(sha256(id))[:8]).
func (s *IDListState) Contains(list, hashedID string) bool {
	if s == nil {
		return false
	}
	l, ok := s.lists[list]
	if !ok {
		return false
	}
	_, ok = l.ids[hashedID]
	return ok
}

// Has reports whether the list exists.
func (s *IDListState) Has(list string) bool {
	if s == nil {
		return false
	}
	_, ok := s.lists[list]
	return ok
}

// Names returns the list names, sorted.
func (s *IDListState) Names() []string {
	if s == nil {
		return nil
	}
	return slices.Sorted(maps.Keys(s.lists))
}

// Len is the number of IDs in a list.
func (s *IDListState) Len(list string) int {
	if s == nil || s.lists[list] == nil {
		return 0
	}
	return len(s.lists[list].ids)
}

// Info returns a list's metadata; Size is the number of bytes applied.
func (s *IDListState) Info(list string) (IDListInfo, bool) {
	if s == nil || s.lists[list] == nil {
		return IDListInfo{}, false
	}
	return s.lists[list].info, true
}

// action is what a sync does with one manifest entry.
type action int

const (
	keep  action = iota // nothing changed
	fetch               // download from start
	empty               // replace by an empty list, nothing to download
)

// decide applies the per-list rules of Server Core: unknown lists and replaced files
// (new fileID with creationTime ≥ local, or same fileID with newer creationTime) start
// from byte 0; grown files continue from the bytes consumed. A different fileID with an
// older creationTime is a stale manifest entry and is ignored.
func (s *IDListState) decide(e IDListInfo) (a action, start int64, reset bool) {
	cur := s.lists[e.Name]
	switch {
	case cur == nil:
		// unknown list: download from byte 0 (below)
	case e.FileID != cur.info.FileID && e.CreationTime >= cur.info.CreationTime,
		e.FileID == cur.info.FileID && e.CreationTime > cur.info.CreationTime:
		// replaced file: download from byte 0 (below)
	case e.FileID != cur.info.FileID:
		return keep, 0, false
	case e.Size > cur.info.Size:
		return fetch, cur.info.Size, false
	default:
		return keep, 0, false
	}
	if e.Size <= 0 {
		return empty, 0, true
	}
	return fetch, 0, true
}

// normalize keys the manifest by list name.
func normalize(m map[string]IDListInfo) map[string]IDListInfo {
	out := make(map[string]IDListInfo, len(m))
	for k, e := range m {
		e.Name = k
		out[k] = e
	}
	return out
}

// Plan lists the downloads a sync against manifest m needs, sorted by name.
func (s *IDListState) Plan(m map[string]IDListInfo) []IDListDownload {
	if s == nil {
		s = NewIDListState()
	}
	var out []IDListDownload
	m = normalize(m)
	for _, name := range slices.Sorted(maps.Keys(m)) {
		if a, start, reset := s.decide(m[name]); a == fetch {
			out = append(out, IDListDownload{Name: name, Info: m[name], Start: start, Reset: reset})
		}
	}
	return out
}

// Update syncs the state with manifest m, fetching what Plan lists. It is all-or-nothing:
// on any error the receiver stays in force and is returned with the error. When nothing
// changes the receiver itself is returned, so callers can compare pointers.
func (s *IDListState) Update(m map[string]IDListInfo, get IDListFetcher) (*IDListState, error) {
	if s == nil {
		s = NewIDListState()
	}
	m = normalize(m)
	next := make(map[string]*idList, len(m))
	changed := false
	for name, l := range s.lists {
		if _, ok := m[name]; ok {
			next[name] = l
		} else {
			changed = true // absent from the manifest: deleted
		}
	}
	for _, name := range slices.Sorted(maps.Keys(m)) {
		e := m[name]
		a, start, reset := s.decide(e)
		switch a {
		case keep:
			continue
		case empty:
			e.Size = 0
			next[name] = &idList{info: e, ids: map[string]struct{}{}}
		case fetch:
			l, err := s.fetchOne(IDListDownload{Name: name, Info: e, Start: start, Reset: reset}, get)
			if err != nil {
				return s, fmt.Errorf("ID list %q: %w", name, err)
			}
			next[name] = l
		}
		changed = true
	}
	if !changed {
		return s, nil
	}
	return &IDListState{lists: next}, nil
}

// fetchOne downloads one list and applies it to a copy of the local list.
func (s *IDListState) fetchOne(d IDListDownload, get IDListFetcher) (*idList, error) {
	body, err := get(d)
	if err != nil {
		return nil, err
	}
	defer closeQuietly(body)
	base := map[string]struct{}{}
	switch {
	case d.Reset || body.Start == 0:
		// whole file: start from an empty list
	case body.Start == d.Start:
		base = maps.Clone(s.lists[d.Name].ids)
	default:
		return nil, fmt.Errorf("%w: body starts at byte %d, requested %d", ErrInvalidResponse, body.Start, d.Start)
	}
	n, err := applyIDLines(base, body)
	if err != nil {
		return nil, err
	}
	info := d.Info
	info.Size = body.Start + n
	return &idList{info: info, ids: base}, nil
}

// applyIDLines applies "+id"/"-id" lines to ids and returns the bytes read. Lines of
// length ≤ 1 (after trimming) are skipped and "\r\n" is tolerated, as in Server Core.
func applyIDLines(ids map[string]struct{}, r io.Reader) (int64, error) {
	cr := &countingReader{r: r}
	sc := bufio.NewScanner(cr)
	sc.Buffer(make([]byte, 0, 4096), maxIDListLine)
	first := true
	for sc.Scan() {
		line := sc.Text()
		if first {
			// An error page or a misaligned range would not start with an operation.
			if line != "" && line[0] != '+' && line[0] != '-' {
				return 0, fmt.Errorf("%w: list data does not start with '+' or '-'", ErrInvalidResponse)
			}
			first = false
		}
		if len(strings.TrimSpace(line)) <= 1 {
			continue
		}
		switch line[0] {
		case '+':
			ids[line[1:]] = struct{}{}
		case '-':
			delete(ids, line[1:])
		}
	}
	if err := sc.Err(); err != nil {
		if err == bufio.ErrTooLong {
			return 0, fmt.Errorf("%w: line longer than %d bytes", ErrInvalidResponse, maxIDListLine)
		}
		return 0, err
	}
	if cr.n == 0 {
		return 0, fmt.Errorf("%w: empty list data", ErrInvalidResponse)
	}
	return cr.n, nil
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
