package snapshot

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"

	corev1 "k8s.io/api/core/v1"
)

// ChunkSecretType is the type of the Secrets that hold snapshot chunks.
const ChunkSecretType corev1.SecretType = "statsig-operator.io/snapshot-chunk"

// Labels and annotations of chunk Secrets.
const (
	// LabelSnapshot marks chunk Secrets; the manager's Secret cache selects on it.
	LabelSnapshot = "statsig-operator.io/snapshot"
	// LabelSpec holds the StatsigSpec name (hashed when longer than a label value may be).
	LabelSpec = "statsig-operator.io/spec"
	// LabelKind is specs or idlists.
	LabelKind = "statsig-operator.io/kind"
	// LabelRevision is the content address of the snapshot the chunk belongs to.
	LabelRevision = "statsig-operator.io/revision"
	// LabelIndex is the chunk's position, from 0.
	LabelIndex = "statsig-operator.io/index"
	// AnnotationSpecName holds the full StatsigSpec name (labels cap values at 63 characters).
	AnnotationSpecName = "statsig-operator.io/spec-name"
	// AnnotationManifest holds the JSON Manifest of the snapshot, on every chunk.
	AnnotationManifest = "statsig-operator.io/manifest"
	// DataKey is the key of a chunk's bytes in the Secret's data.
	DataKey = "chunk"

	labelSnapshotValue = "chunk"
)

// IsChunk reports whether an object with these labels is a snapshot chunk Secret.
func IsChunk(labels map[string]string) bool { return labels[LabelSnapshot] == labelSnapshotValue }

// Kind says what a snapshot holds.
type Kind string

const (
	// KindSpecs is a download_config_specs payload.
	KindSpecs Kind = "specs"
	// KindIDLists is an encoded statsig.IDListState.
	KindIDLists Kind = "idlists"
)

// maxNameLen is the longest Secret name (a DNS subdomain).
const maxNameLen = 253

// specLabelValue returns a label-safe value identifying the StatsigSpec.
func specLabelValue(specName string) string {
	if len(specName) <= 63 {
		return specName
	}
	return "h-" + shortHash(specName, 16)
}

func shortHash(s string, n int) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])[:n]
}

// ChunkName is the deterministic name of chunk index of a revision, so readers find chunks
// by name without listing.
func ChunkName(specName string, kind Kind, revision string, index int) string {
	suffix := fmt.Sprintf("-%s-%s-%d", kind, revision, index)
	base := "ssp-" + specName
	if len(base)+len(suffix) > maxNameLen {
		// Keep names unique and valid: a prefix of the spec name plus a hash of all of it.
		keep := maxNameLen - len(suffix) - len("ssp-") - 17
		base = "ssp-" + specName[:keep] + "-" + shortHash(specName, 16)
	}
	return base + suffix
}

// chunkLabels are the labels of one chunk Secret.
func chunkLabels(specName string, kind Kind, revision string, index int) map[string]string {
	return map[string]string{
		LabelSnapshot: labelSnapshotValue,
		LabelSpec:     specLabelValue(specName),
		LabelKind:     string(kind),
		LabelRevision: revision,
		LabelIndex:    strconv.Itoa(index),
	}
}
