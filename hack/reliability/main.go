// Command reliability measures the abuse cases of docs/reliability.md against a real
// `statsig-operator serve` process on loopback, with exposure logging on and the Statsig
// stand-in (test/standin) as log_event: each case runs in a fresh process and reports its
// status codes, peak RSS above the idle process (VmHWM), events and time, against the bound
// the case states. It prints a Markdown table and exits non-zero when a bound is missed.
//
//	go run ./hack/reliability            # builds the operator, runs every case
//	go run ./hack/reliability -run zstd  # cases whose name contains "zstd"
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/statsig-operator/statsig-operator/test/standin"
)

const key = "secret-reliability"

// result is one row of the table.
type result struct {
	name, bound, measured string
	ok                    bool
}

// abuseCase runs against a started process and reports what it measured.
type abuseCase struct {
	name, bound string
	hang        bool // Statsig's log_event never answers
	run         func(p *proc) (measured string, ok bool)
}

func main() {
	operator := flag.String("operator", "", "statsig-operator binary (built from the repository when empty)")
	filter := flag.String("run", "", "only the cases whose name contains this")
	flag.Parse()
	root, err := repoRoot()
	if err != nil {
		fail(err)
	}
	if *operator == "" {
		*operator = filepath.Join(os.TempDir(), "statsig-operator-reliability")
		build := exec.Command("go", "build", "-o", *operator, ".")
		build.Dir, build.Stdout, build.Stderr = root, os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			fail(fmt.Errorf("build the operator: %w", err))
		}
	}
	payload := filepath.Join(root, "test", "fixtures", "testdata", "statsig", "server-core", "eval_proj_dcs.json")
	var results []result
	for _, c := range cases() {
		if !strings.Contains(c.name, *filter) {
			continue
		}
		results = append(results, runCase(*operator, payload, c))
	}
	fmt.Printf("Measured %s on %s/%s, %d CPUs, with `go run ./hack/reliability`.\n\n",
		time.Now().UTC().Format("2006-01-02"), runtime.GOOS, runtime.GOARCH, runtime.NumCPU())
	fmt.Println("| Abuse case | Bound | Measured | Met |")
	fmt.Println("|---|---|---|---|")
	missed := 0
	for _, r := range results {
		met := "yes"
		if !r.ok {
			met, missed = "**no**", missed+1
		}
		fmt.Printf("| %s | %s | %s | %s |\n", r.name, r.bound, r.measured, met)
	}
	if missed > 0 {
		os.Exit(1)
	}
}

func runCase(operator, payload string, c abuseCase) result {
	st := standin.New(standin.Options{Keys: []string{key}})
	if err := st.Start(); err != nil {
		return result{c.name, c.bound, "stand-in: " + err.Error(), false}
	}
	defer st.Close()
	if c.hang {
		if err := st.InjectFault(standin.RouteLogEvent, standin.Fault{Kind: standin.Timeout, Times: 1 << 20}); err != nil {
			return result{c.name, c.bound, err.Error(), false}
		}
	}
	p, err := startServe(operator, payload, st.LogEventURL())
	if err != nil {
		return result{c.name, c.bound, err.Error(), false}
	}
	defer p.stop()
	p.events = func() int { // custom events only: the warm-up request logs an exposure
		n := 0
		for _, e := range st.Events() {
			if !strings.HasPrefix(e.EventName, "statsig::") {
				n++
			}
		}
		return n
	}
	measured, ok := c.run(p)
	return result{c.name, c.bound, measured, ok}
}

func repoRoot() (string, error) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}").Output()
	if err != nil {
		return "", fmt.Errorf("find the repository (run from it): %w", err)
	}
	return string(bytes.TrimSpace(out)), nil
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "reliability:", err)
	os.Exit(2)
}
