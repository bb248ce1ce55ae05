package standin

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// idListFile is one served ID-list file.
type idListFile struct {
	fileID       string
	creationTime int64
	data         []byte
}

// SetIDList serves a list file (lines "+id"/"-id") under name, replacing any earlier one.
func (s *Server) SetIDList(name string, contents []byte, fileID string, creationTime int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lists[name] = &idListFile{fileID: fileID, creationTime: creationTime, data: append([]byte(nil), contents...)}
}

// AppendIDList appends lines to a list file, as Statsig does when a list grows. It
// reports false when the list does not exist.
func (s *Server) AppendIDList(name string, more []byte) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.lists[name]
	if l == nil {
		return false
	}
	l.data = append(slices.Clip(l.data), more...)
	return true
}

// RemoveIDList stops listing a list in the manifest.
func (s *Server) RemoveIDList(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.lists, name)
}

// SetIDListBaseURL makes manifest entries point at base+"/"+name instead of this server
// (e.g. "https://api.statsigcdn.com/id_lists" to exercise the ?range= form through a
// rewriting transport). "" restores the default.
func (s *Server) SetIDListBaseURL(base string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.listBase = strings.TrimRight(base, "/")
}

// manifestEntry describes one list in the get_id_lists answer.
type manifestEntry struct {
	Name         string `json:"name"`
	Size         int    `json:"size"`
	URL          string `json:"url"`
	CreationTime int64  `json:"creationTime"`
	FileID       string `json:"fileID"`
}

// serveManifest answers get_id_lists with every list.
func (s *Server) serveManifest(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	base := s.listBase
	if base == "" {
		base = s.url + "/id_lists"
	}
	m := make(map[string]manifestEntry, len(s.lists))
	for name, l := range s.lists {
		m[name] = manifestEntry{
			Name: name, Size: len(l.data), URL: base + "/" + url.PathEscape(name),
			CreationTime: l.creationTime, FileID: l.fileID,
		}
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, m)
}

// serveListFile serves a list file from the offset in "Range: bytes=N-" (206) or
// "?range=N-" (200, as the CDN form).
func (s *Server) serveListFile(w http.ResponseWriter, r *http.Request) {
	name, err := url.PathUnescape(strings.TrimPrefix(r.URL.Path, "/id_lists/"))
	if err != nil {
		http.Error(w, "bad list name", http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	l := s.lists[name]
	var data []byte
	if l != nil {
		data = l.data
	}
	s.mu.Unlock()
	if l == nil {
		http.NotFound(w, r)
		return
	}
	spec, header := r.Header.Get("Range"), true
	if q := r.URL.Query().Get("range"); q != "" {
		spec, header = "bytes="+q, false
	}
	start, end := int64(0), int64(len(data))
	if spec != "" {
		var ok bool
		start, end, ok = parseRange(spec, int64(len(data)))
		if !ok {
			w.Header().Set("Content-Range", "bytes */"+strconv.Itoa(len(data)))
			http.Error(w, "range not satisfiable", http.StatusRequestedRangeNotSatisfiable)
			return
		}
	}
	w.Header().Set("Content-Type", "text/plain")
	w.Header().Set("Content-Length", strconv.FormatInt(end-start, 10))
	code := http.StatusOK
	if spec != "" && header {
		rng := strconv.FormatInt(start, 10) + "-" + strconv.FormatInt(end-1, 10)
		w.Header().Set("Content-Range", "bytes "+rng+"/"+strconv.Itoa(len(data)))
		code = http.StatusPartialContent
	}
	w.WriteHeader(code)
	_, _ = w.Write(data[start:end])
	s.mu.Lock()
	s.stats.BytesSent[string(RouteIDListFile)] += end - start
	s.mu.Unlock()
}

// parseRange parses "bytes=N-" or "bytes=N-M" against a file of size n; end is exclusive.
func parseRange(spec string, n int64) (start, end int64, ok bool) {
	rest, found := strings.CutPrefix(spec, "bytes=")
	if !found {
		return 0, 0, false
	}
	a, b, _ := strings.Cut(rest, "-")
	start, err := strconv.ParseInt(strings.TrimSpace(a), 10, 64)
	if err != nil || start < 0 || start >= n {
		return 0, 0, false
	}
	end = n
	if b = strings.TrimSpace(b); b != "" {
		last, err := strconv.ParseInt(b, 10, 64)
		if err != nil || last < start {
			return 0, 0, false
		}
		end = min(last+1, n)
	}
	return start, end, true
}
