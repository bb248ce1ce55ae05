package endpoint

import "testing"

func TestNegotiateEncoding(t *testing.T) {
	tests := []struct {
		header, want string
	}{
		{"", encIdentity},
		{"gzip", encGzip},
		{"zstd", encZstd},
		{"gzip, zstd", encZstd},
		{"statsig-br, gzip, deflate, br", encGzip},
		{"gzip;q=1.0, zstd;q=0.5", encGzip},
		{"zstd;q=0, gzip;q=0", encIdentity},
		{"*", encZstd},
		{"*;q=0.3, zstd;q=0", encGzip},
		{"identity", encIdentity},
		{"identity;q=1, gzip;q=0.5", encIdentity},
		{"br, deflate", encBrotli},
		{"br;q=1, gzip;q=0.5", encBrotli},
		{"GZIP", encGzip},
		{"gzip;q=abc", encGzip},
	}
	for _, tt := range tests {
		if got := negotiateEncoding(tt.header); got != tt.want {
			t.Errorf("negotiateEncoding(%q) = %q, want %q", tt.header, got, tt.want)
		}
	}
}
