package main

import (
	"os"
	"runtime/debug"
	"strconv"
	"strings"

	ctrl "sigs.k8s.io/controller-runtime"
)

// memoryLimitEnv carries the container's memory limit in bytes; the chart and the kustomize
// manifests set it from limits.memory through the downward API.
const memoryLimitEnv = "STATSIG_OPERATOR_MEMORY_LIMIT"

// memoryLimitShare is the part of the container limit given to the Go heap; the rest is left
// for stacks, the runtime and memory outside Go's accounting.
const memoryLimitShare = 0.85

// cgroup files that hold the container's limit when the environment does not say it.
var cgroupLimitFiles = []string{"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"}

// applyMemoryLimit sets the Go runtime's soft memory limit from the container's, so the
// garbage collector works harder near the limit instead of the kernel killing the pod.
// GOMEMLIMIT, when set, wins. It returns the limit set (0: none).
func applyMemoryLimit() int64 {
	if os.Getenv("GOMEMLIMIT") != "" {
		return 0
	}
	limit := containerMemoryLimit(os.Getenv(memoryLimitEnv), os.ReadFile)
	if limit <= 0 {
		return 0
	}
	soft := int64(float64(limit) * memoryLimitShare)
	debug.SetMemoryLimit(soft)
	return soft
}

// containerMemoryLimit reads the limit from env (bytes), else from the cgroup files; 0 means
// no limit is known.
func containerMemoryLimit(env string, readFile func(string) ([]byte, error)) int64 {
	if v, ok := parseLimit(env); ok {
		return v
	}
	for _, f := range cgroupLimitFiles {
		if b, err := readFile(f); err == nil {
			if v, ok := parseLimit(string(b)); ok {
				return v
			}
		}
	}
	return 0
}

// parseLimit accepts a positive byte count; "max" (cgroup v2) and cgroup v1's "no limit"
// (a value near 2^63) are not limits.
func parseLimit(s string) (int64, bool) {
	v, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || v <= 0 || v >= 1<<60 {
		return 0, false
	}
	return v, true
}

func logMemoryLimit(soft int64) {
	if soft > 0 {
		ctrl.Log.WithName("setup").Info("Go memory limit set from the container's", "bytes", soft, "share", memoryLimitShare)
	}
}
