package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// proc is one `serve` process under test.
type proc struct {
	cmd    *exec.Cmd
	addr   string
	idle   int64 // VmRSS in KiB once ready and warmed up
	events func() int
	done   chan struct{} // closed when the process has exited
}

func startServe(operator, payload, logEventURL string) (*proc, error) {
	dir, err := os.MkdirTemp("", "reliability-")
	if err != nil {
		return nil, err
	}
	addrFile := filepath.Join(dir, "addr")
	cmd := exec.Command(operator, "serve", "--specs-file", payload, "--listen", "127.0.0.1:0", "--key", key,
		"--disable-logging=false", "--log-event-url", logEventURL, "--addr-file", addrFile)
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &proc{cmd: cmd, done: make(chan struct{})}
	go func() {
		_ = cmd.Wait() // an exit status after SIGTERM or kill is expected
		close(p.done)
	}()
	for range 300 {
		if b, err := os.ReadFile(addrFile); err == nil && len(b) > 0 {
			p.addr = "http://" + string(b)
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if p.addr == "" {
		p.stop()
		return nil, fmt.Errorf("serve did not start")
	}
	p.post("/v1/check_gate", `{"gateName":"test_public","user":{"userID":"warm-up"}}`)
	time.Sleep(200 * time.Millisecond)
	p.idle = p.status("VmRSS")
	return p, nil
}

// status reads a /proc/<pid>/status field in KiB (VmRSS, VmHWM: the peak).
func (p *proc) status(field string) int64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	defer func() { _ = f.Close() }()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return n
		}
	}
	return 0
}

// peakAboveIdleMB is the peak RSS so far above the idle process, in MB.
func (p *proc) peakAboveIdleMB() float64 { return float64(p.status("VmHWM")-p.idle) / 1024 }

func (p *proc) post(path, body string) (int, string) {
	req, err := http.NewRequest(http.MethodPost, p.addr+path, strings.NewReader(body))
	if err != nil {
		return 0, err.Error()
	}
	return p.do(req, nil)
}

func (p *proc) postBytes(path string, body []byte, headers map[string]string) (int, string) {
	req, err := http.NewRequest(http.MethodPost, p.addr+path, bytes.NewReader(body))
	if err != nil {
		return 0, err.Error()
	}
	return p.do(req, headers)
}

func (p *proc) do(req *http.Request, headers map[string]string) (int, string) {
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("statsig-api-key", key)
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	res, err := (&http.Client{Timeout: 60 * time.Second}).Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer func() { _ = res.Body.Close() }()
	b, _ := io.ReadAll(io.LimitReader(res.Body, 4096))
	return res.StatusCode, string(b)
}

func (p *proc) get(path string) int {
	res, err := (&http.Client{Timeout: 5 * time.Second}).Get(p.addr + path)
	if err != nil {
		return 0
	}
	_ = res.Body.Close()
	return res.StatusCode
}

// metric returns the sum of a metric's samples whose line contains match.
func (p *proc) metric(name, match string) float64 {
	res, err := (&http.Client{Timeout: 5 * time.Second}).Get(p.addr + "/metrics")
	if err != nil {
		return -1
	}
	defer func() { _ = res.Body.Close() }()
	var sum float64
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, name) && strings.Contains(line, match) {
			if f := strings.Fields(line); len(f) == 2 {
				v, _ := strconv.ParseFloat(f[1], 64)
				sum += v
			}
		}
	}
	return sum
}

// terminate sends SIGTERM and returns how long the process took to exit.
func (p *proc) terminate() time.Duration {
	start := time.Now()
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(60 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
	return time.Since(start)
}

func (p *proc) stop() {
	if p.cmd.ProcessState == nil {
		_ = p.cmd.Process.Kill()
		select {
		case <-p.done:
		case <-time.After(5 * time.Second):
		}
	}
}
