package main

import "testing"

func TestServeKey(t *testing.T) {
	for _, tc := range []struct {
		key, listen, want string
		wantErr           bool
	}{
		{"", "127.0.0.1:8000", localKey, false},
		{"", "localhost:0", localKey, false},
		{"", "[::1]:8000", localKey, false},
		{"", ":8000", "", true},
		{"", "0.0.0.0:8000", "", true},
		{"", "10.1.2.3:8000", "", true},
		{"secret-mine", "0.0.0.0:8000", "secret-mine", false},
		{"secret-mine", "127.0.0.1:8000", "secret-mine", false},
	} {
		got, err := serveKey(tc.key, tc.listen)
		if got != tc.want || (err != nil) != tc.wantErr {
			t.Errorf("serveKey(%q, %q) = %q, %v; want %q, error %v", tc.key, tc.listen, got, err, tc.want, tc.wantErr)
		}
	}
}
