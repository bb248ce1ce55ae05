package endpoint

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// getIDLists serves POST /v1/get_id_lists and GET|POST /v1/get_id_lists/{key}.json: the
// manifest of the project's synced ID lists, with file URLs on this endpoint.
func (s *Server) getIDLists(w http.ResponseWriter, r *http.Request) {
	key := apiKey(r)
	if key == "" {
		var aerr *apiError
		if key, aerr = keyFromFile(r.PathValue("file")); aerr != nil {
			writeError(w, aerr)
			return
		}
	}
	p, aerr := s.serverProjectFor(key)
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	if r.Method == http.MethodPost {
		// Drain and check the (normally empty) body so a bad one is still a 4xx.
		var ignored map[string]any
		if aerr := decodeJSON(w, r, s.opts.MaxBodyBytes, &ignored, true); aerr != nil {
			writeError(w, aerr)
			return
		}
	}
	manifest := map[string]any{}
	if p.IDLists != nil {
		base := "http://" + r.Host + "/v1/id_list_file/"
		for _, name := range p.IDLists.Names() {
			info, _ := p.IDLists.Info(name)
			var size countingWriter
			if _, err := p.IDLists.WriteList(name, &size); err != nil {
				continue
			}
			manifest[name] = map[string]any{
				"name": name, "size": int64(size), "url": base + url.PathEscape(name),
				"creationTime": info.CreationTime, "fileID": info.FileID,
			}
		}
	}
	body, _ := json.Marshal(manifest)
	writeRawJSON(w, http.StatusOK, body)
}

// getIDListFile serves GET /v1/id_list_file/{name}: one list as "+<id>" lines, honouring
// "Range: bytes=N-" and "?range=N-" (what SDKs send for incremental downloads).
func (s *Server) getIDListFile(w http.ResponseWriter, r *http.Request) {
	p, aerr := s.serverProjectFor(apiKey(r))
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	name := r.PathValue("name")
	if p.IDLists == nil {
		writeError(w, &apiError{status: http.StatusNotFound, message: "this project has no ID lists (enableIDLists is off)"})
		return
	}
	var buf bytes.Buffer
	if _, err := p.IDLists.WriteList(name, &buf); err != nil {
		writeError(w, &apiError{status: http.StatusNotFound,
			message: "unknown ID list " + strconv.Quote(truncate(name, 100))})
		return
	}
	start := rangeStart(r)
	data := buf.Bytes()
	if start < 0 || start > int64(len(data)) {
		writeError(w, &apiError{status: http.StatusRequestedRangeNotSatisfiable,
			message: "range starts past the end of the list"})
		return
	}
	w.Header().Set("Content-Type", "text/plain")
	status := http.StatusOK
	if start > 0 {
		last, size := strconv.Itoa(len(data)-1), strconv.Itoa(len(data))
		w.Header().Set("Content-Range", "bytes "+strconv.FormatInt(start, 10)+"-"+last+"/"+size)
		status = http.StatusPartialContent
	}
	w.WriteHeader(status)
	_, _ = w.Write(data[start:])
}

// rangeStart reads the first byte requested ("bytes=N-" header or "range=N-" query); 0 when
// absent, -1 when malformed.
func rangeStart(r *http.Request) int64 {
	spec := r.URL.Query().Get("range")
	if h := r.Header.Get("Range"); h != "" {
		spec = strings.TrimPrefix(h, "bytes=")
	}
	if spec == "" {
		return 0
	}
	n, err := strconv.ParseInt(strings.TrimSuffix(spec, "-"), 10, 64)
	if err != nil || !strings.HasSuffix(spec, "-") {
		return -1
	}
	return n
}

type countingWriter int64

func (c *countingWriter) Write(b []byte) (int, error) {
	*c += countingWriter(len(b))
	return len(b), nil
}
