// Command statsig-standin runs the Statsig stand-in on a loopback address (used by make demo).
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/statsig-operator/statsig-operator/test/standin"
)

// listFlag collects repeated -id-list name=FILE flags.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "Loopback address to listen on.")
	v2 := flag.String("payload-v2", "", "v2 config-spec payload file (required unless -payload-v1 is given).")
	v1 := flag.String("payload-v1", "", "v1 config-spec payload file.")
	keys := flag.String("key", "", "Accepted server secret key(s), comma-separated (empty: any key).")
	forbidden := flag.String("forbidden-key", "", "Key(s) answered 403, comma-separated.")
	addrFile := flag.String("addr-file", "", "Write the base URL to this file once listening.")
	var lists listFlag
	flag.Var(&lists, "id-list", "ID list to serve, name=FILE (repeatable).")
	flag.Parse()
	if err := run(*listen, *v2, *v1, *keys, *forbidden, *addrFile, lists); err != nil {
		fmt.Fprintln(os.Stderr, "statsig-standin:", err)
		os.Exit(1)
	}
}

func run(listen, v2, v1, keys, forbidden, addrFile string, lists []string) error {
	if v2 == "" && v1 == "" {
		return fmt.Errorf("give -payload-v2 and/or -payload-v1")
	}
	s := standin.New(standin.Options{Keys: split(keys), ForbiddenKeys: split(forbidden)})
	for f, path := range map[standin.Format]string{standin.V2: v2, standin.V1: v1} {
		if path != "" {
			if err := s.SetPayloadFile(f, path); err != nil {
				return err
			}
		}
	}
	for _, l := range lists {
		name, path, ok := strings.Cut(l, "=")
		if !ok || name == "" || path == "" {
			return fmt.Errorf("-id-list %q: want name=FILE", l)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		info, err := os.Stat(path)
		if err != nil {
			return err
		}
		s.SetIDList(name, b, fmt.Sprintf("%s-%d", name, info.ModTime().UnixMilli()), info.ModTime().UnixMilli())
	}
	if err := s.StartOn(listen); err != nil {
		return err
	}
	defer s.Close()
	if addrFile != "" {
		if err := os.WriteFile(addrFile+".tmp", []byte(s.URL()), 0o644); err != nil {
			return err
		}
		if err := os.Rename(addrFile+".tmp", addrFile); err != nil {
			return err
		}
	}
	hello, _ := json.Marshal(map[string]any{
		"url": s.URL(), "specs_url_v2": s.SpecsURL(standin.V2), "specs_url_v1": s.SpecsURL(standin.V1),
		"id_lists_url": s.IDListsURL(), "log_event_url": s.LogEventURL(), "started": time.Now().Format(time.RFC3339),
	})
	fmt.Println(string(hello))
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	<-sig
	return nil
}

func split(s string) []string {
	var out []string
	for p := range strings.SplitSeq(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
