// Command sink is the loopback server of the exposure differential (hack/test-exposures.sh).
// It serves one DCS payload to Server Core, receives log_event batches from both sides
// (/core/v1/log_event and /ours/v1/log_event; gzip, zstd or plain bodies) and appends every
// decoded batch as one JSON line to OUT/<side>.batches.jsonl before answering, so a batch is
// on disk once its sender saw the 2xx.
//
// It also acts as the HTTP proxy Server Core is pinned to (proxyConfig): absolute-form requests
// to loopback are served, anything else gets 403 and is counted (GET /_sink/stats).
package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/klauspost/compress/zstd"
)

type sink struct {
	specs   []byte
	out     string
	mu      sync.Mutex
	batches map[string]int
	events  map[string]int
	blocked []string
}

func isLoopback(host string) bool {
	host = strings.Trim(host, "[]")
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func decode(enc string, body []byte) ([]byte, error) {
	switch strings.ToLower(strings.TrimSpace(enc)) {
	case "", "identity":
		return body, nil
	case "gzip":
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		return io.ReadAll(zr)
	case "zstd":
		zr, err := zstd.NewReader(bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		defer zr.Close()
		return io.ReadAll(zr)
	}
	return nil, fmt.Errorf("unsupported Content-Encoding %q", enc)
}

func (s *sink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodConnect || (r.URL.IsAbs() && !isLoopback(r.URL.Hostname())) {
		s.mu.Lock()
		s.blocked = append(s.blocked, r.Method+" "+r.URL.String())
		s.mu.Unlock()
		http.Error(w, "exposure sink: loopback only", http.StatusForbidden)
		return
	}
	p := r.URL.Path
	switch {
	case strings.Contains(p, "/download_config_specs"):
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(s.specs)
	case strings.HasSuffix(p, "/get_id_lists"):
		_, _ = w.Write([]byte("{}"))
	case strings.HasSuffix(p, "/log_event") || strings.HasSuffix(p, "/rgstr"):
		s.logEvent(w, r, strings.SplitN(strings.TrimPrefix(p, "/"), "/", 2)[0])
	case p == "/_sink/stats":
		s.mu.Lock()
		defer s.mu.Unlock()
		_ = json.NewEncoder(w).Encode(map[string]any{"batches": s.batches, "events": s.events, "blocked": s.blocked})
	default:
		http.NotFound(w, r)
	}
}

func (s *sink) logEvent(w http.ResponseWriter, r *http.Request, side string) {
	if side != "core" && side != "ours" {
		http.Error(w, "log_event path must start with /core/ or /ours/", http.StatusNotFound)
		return
	}
	raw, err := io.ReadAll(r.Body)
	if err == nil {
		raw, err = decode(r.Header.Get("Content-Encoding"), raw)
	}
	var batch struct {
		Events []json.RawMessage `json:"events"`
	}
	if err == nil {
		err = json.Unmarshal(raw, &batch)
	}
	if err != nil {
		log.Printf("%s: bad log_event body: %v", side, err)
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	// Keep the batch as sent plus the headers that matter for the comparison.
	line, _ := json.Marshal(map[string]any{
		"contentEncoding":  r.Header.Get("Content-Encoding"),
		"eventCountHeader": r.Header.Get("statsig-event-count"),
		"body":             json.RawMessage(raw),
	})
	s.mu.Lock()
	defer s.mu.Unlock()
	f, err := os.OpenFile(filepath.Join(s.out, side+".batches.jsonl"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err == nil {
		_, err = f.Write(append(line, '\n'))
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	s.batches[side]++
	s.events[side] += len(batch.Events)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusAccepted)
	_, _ = w.Write([]byte(`{"success":true}`))
}

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address (loopback only)")
	specs := flag.String("specs", "", "DCS payload served at */download_config_specs*")
	out := flag.String("out", ".", "directory for core.batches.jsonl and ours.batches.jsonl")
	addrFile := flag.String("addr-file", "", "write host:port here once listening")
	flag.Parse()
	host, _, err := net.SplitHostPort(*addr)
	if err != nil || !isLoopback(host) {
		log.Fatalf("refusing to listen on %q: loopback only", *addr)
	}
	b, err := os.ReadFile(*specs)
	if err != nil {
		log.Fatal(err)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	if *addrFile != "" {
		if err := os.WriteFile(*addrFile, []byte(ln.Addr().String()), 0o644); err != nil {
			log.Fatal(err)
		}
	}
	s := &sink{specs: b, out: *out, batches: map[string]int{}, events: map[string]int{}}
	log.Fatal(http.Serve(ln, s))
}
