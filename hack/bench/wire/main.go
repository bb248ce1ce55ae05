// Command wire measures how fast a download_config_specs payload decodes from each content
// encoding Statsig's API offers for it (gzip, br; Server Core also asks for statsig-br,
// the same brotli around protobuf) and from zstd for comparison (not offered for config
// specs), single-threaded, as the operator's download decodes: issue 20 asked whether a
// cheaper wire encoding would shorten init (decompression is a large part of it).
//
//	go run ./hack/bench/wire -payload /tmp/gen62/dcs_v2.json   (from hack/bench/wire: go run . -payload …)
package main

import (
	"bytes"
	stdgzip "compress/gzip"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"time"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

type codec struct {
	name    string
	encode  func(w io.Writer) io.WriteCloser
	decoder func(r io.Reader) (io.Reader, error)
}

func main() {
	payload := flag.String("payload", "", "payload file (JSON)")
	reps := flag.Int("reps", 5, "decodes per encoding (the median is printed)")
	flag.Parse()
	raw, err := os.ReadFile(*payload)
	if err != nil {
		fmt.Fprintln(os.Stderr, "wire:", err)
		os.Exit(2)
	}
	codecs := []codec{
		{"gzip (klauspost, the operator's)", func(w io.Writer) io.WriteCloser {
			z, _ := gzip.NewWriterLevel(w, 6)
			return z
		}, func(r io.Reader) (io.Reader, error) { return gzip.NewReader(r) }},
		{"gzip (standard library)", func(w io.Writer) io.WriteCloser {
			z, _ := gzip.NewWriterLevel(w, 6)
			return z
		}, func(r io.Reader) (io.Reader, error) { return stdgzip.NewReader(r) }},
		{"br (andybalholm/brotli)", func(w io.Writer) io.WriteCloser { return brotli.NewWriterLevel(w, 6) },
			func(r io.Reader) (io.Reader, error) { return brotli.NewReader(r), nil }},
		{"zstd (not offered for config specs)", func(w io.Writer) io.WriteCloser {
			z, _ := zstd.NewWriter(w)
			return z
		}, func(r io.Reader) (io.Reader, error) {
			return zstd.NewReader(r, zstd.WithDecoderConcurrency(1))
		}},
	}
	fmt.Printf("payload %s: %.1f MB\n", *payload, float64(len(raw))/1e6)
	fmt.Printf("%-38s %12s %14s %10s\n", "encoding", "wire MB", "decode ms", "MB/s")
	for _, c := range codecs {
		var enc bytes.Buffer
		w := c.encode(&enc)
		if _, err := w.Write(raw); err != nil {
			panic(err)
		}
		if err := w.Close(); err != nil {
			panic(err)
		}
		ms := make([]float64, 0, *reps)
		for range *reps {
			t := time.Now()
			r, err := c.decoder(bytes.NewReader(enc.Bytes()))
			if err != nil {
				panic(err)
			}
			n, err := io.Copy(io.Discard, r)
			if err != nil || n != int64(len(raw)) {
				panic(fmt.Sprint(c.name, ": ", n, " bytes, ", err))
			}
			ms = append(ms, float64(time.Since(t).Microseconds())/1000)
		}
		slices.Sort(ms)
		med := ms[len(ms)/2]
		fmt.Printf("%-38s %12.1f %14.0f %10.0f\n", c.name, float64(enc.Len())/1e6, med, float64(len(raw))/1e6/(med/1000))
	}
}
