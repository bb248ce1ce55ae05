// Package snapshot stores accepted config-spec payloads in the cluster (zstd-compressed, chunked,
// content-addressed Secrets) and reads them back; Refs reads the objects a StatsigSpec references.
// It depends only on the API types: what is loaded from a snapshot is the consumer's business
// (serving/consumer).
package snapshot
