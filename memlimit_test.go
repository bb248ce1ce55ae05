package main

import (
	"errors"
	"testing"
)

func TestContainerMemoryLimit(t *testing.T) {
	const cgroupV1 = "/sys/fs/cgroup/memory/memory.limit_in_bytes"
	files := func(m map[string]string) func(string) ([]byte, error) {
		return func(name string) ([]byte, error) {
			if v, ok := m[name]; ok {
				return []byte(v), nil
			}
			return nil, errors.New("no such file")
		}
	}
	for _, tc := range []struct {
		name  string
		env   string
		files map[string]string
		want  int64
	}{
		{"env wins", "536870912", map[string]string{"/sys/fs/cgroup/memory.max": "1073741824\n"}, 536870912},
		{"cgroup v2", "", map[string]string{"/sys/fs/cgroup/memory.max": "1073741824\n"}, 1073741824},
		{"cgroup v2 without limit", "", map[string]string{"/sys/fs/cgroup/memory.max": "max\n"}, 0},
		{"cgroup v1", "", map[string]string{cgroupV1: "268435456\n"}, 268435456},
		{"cgroup v1 without limit", "", map[string]string{cgroupV1: "9223372036854771712"}, 0},
		{"garbage env falls back", "512Mi", map[string]string{"/sys/fs/cgroup/memory.max": "1048576"}, 1048576},
		{"nothing", "", nil, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := containerMemoryLimit(tc.env, files(tc.files)); got != tc.want {
				t.Fatalf("got %d, want %d", got, tc.want)
			}
		})
	}
}
