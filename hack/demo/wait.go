package main

import (
	"context"
	"fmt"
	"net/http"
	"os/exec"
	"strings"
	"time"
)

// waitReady polls an honest readiness endpoint until it answers 200.
func waitReady(ctx context.Context, url string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(url); err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
	return fmt.Errorf("%s did not become ready within %s", url, timeout)
}

// waitPods waits until the demo Deployment's pods exist, run and carry injected results.
func waitPods(ctx context.Context, kubectl, kubeconfig string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		const podLines = `jsonpath={range .items[*]}{.status.phase} {.spec.containers[0].env[*].name}{"\n"}{end}`
		out, _ := exec.CommandContext(ctx, kubectl, "--kubeconfig", kubeconfig,
			"-n", "demo", "get", "pods", "-l", "app=checkout", "-o", podLines).Output()
		if podsDone(string(out)) {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
		}
	}
	return fmt.Errorf("the demo pods were not Running with their results within %s", timeout)
}

// podsDone reports whether there are pods and every line ("<phase> <env names>") is a Running
// pod with results (no output splits into one empty line, which fails).
func podsDone(out string) bool {
	for l := range strings.SplitSeq(strings.TrimSpace(out), "\n") {
		if !strings.HasPrefix(l, "Running ") || !strings.Contains(l, "STATSIG_GATE_NEW_CHECKOUT") {
			return false
		}
	}
	return true
}
