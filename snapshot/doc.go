// Package snapshot stores accepted config-spec payloads in the cluster (zstd-compressed, chunked, content-addressed Secrets) and loads them back into every replica's serving registry.
package snapshot
