// Command minimal is the machine's ceiling for the endpoint's server shape (issue 20): net/http
// answering every POST with a fixed 60-byte JSON after reading the body. GET /allocs reports
// the heap objects the process allocated so far, for allocations per request.
package main

import (
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"runtime/metrics"
	"time"
)

var answer = []byte(`{"name":"test_public","value":true,"rule_id":"6Xm","gn":null}`)

func main() {
	listen := flag.String("listen", "127.0.0.1:18092", "address to serve on")
	flag.Parse()
	mux := http.NewServeMux()
	mux.HandleFunc("POST /", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header()["Content-Type"] = []string{"application/json"}
		_, _ = w.Write(answer)
	})
	mux.HandleFunc("GET /allocs", func(w http.ResponseWriter, _ *http.Request) {
		s := []metrics.Sample{{Name: "/gc/heap/allocs:objects"}, {Name: "/gc/heap/tiny/allocs:objects"}}
		metrics.Read(s)
		_, _ = fmt.Fprintln(w, s[0].Value.Uint64()+s[1].Value.Uint64())
	})
	srv := &http.Server{Addr: *listen, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	log.Fatal(srv.ListenAndServe())
}
