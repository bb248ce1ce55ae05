package ahash

import "testing"

// The vectors are this implementation's output. They are pinned because they are the
// values behind eventlog's TestSamplingMatchesServerCore, which reproduces exactly which of
// thousands of exposures @statsig/statsig-node-core 0.23.2 (linux-x64-gnu) sent: Server
// Core's prebuilt binary runs ahash's portable path, and a different hash would flip those
// decisions. The inputs cover every length branch of Write but the 1-byte one.
func TestVectors(t *testing.T) {
	for _, tc := range []struct {
		kind, in string
		want     uint64
	}{
		// Interned names and rule ids: hash_one(&[u8]).
		{"bytes", "test_rule_sampling", 0xfddd3d884d8f79ca},     // > 16 bytes
		{"bytes", "6X3qJgyfwA81IJ2dxI7lYp", 0xfa2166df17a59adf}, // > 16 bytes
		{"bytes", "parent_gate", 0x67b01a6023cd4ff6},            // 9–16 bytes
		{"bytes", "company_rule", 0x8b1737ed70c63676},           // 9–16 bytes
		{"bytes", "param", 0x5af4a4a44dcbf7f2},                  // 4–8 bytes
		// User ID values: hash_one(&str).
		{"str", "sa_u0", 0x10f87d22e7f6bc2},
		{"str", "an_u118", 0xeb75d5a7b218d84b},
		{"str", "co5", 0x926a7ef033508c2d}, // 2–3 bytes
		{"str", "t5", 0x9d07d2a5591e8f63},
		{"str", "x", 0x510499160c5c485d},
		{"str", "only7", 0xe32517efd9d032ce},
	} {
		var got uint64
		if tc.kind == "bytes" {
			got = Statsig.Bytes([]byte(tc.in))
		} else {
			got = Statsig.String(tc.in)
		}
		if got != tc.want {
			t.Errorf("%s %q = %#x, want %#x", tc.kind, tc.in, got, tc.want)
		}
	}
	// A user hash: hash_one(vec![userID, stableID, unit ID, custom ID sum]).
	uid := Statsig.String("sa_u0")
	if got, want := Statsig.U64s([]uint64{uid, 0, uid, 0}), uint64(0xb966dbb37f654a9d); got != want {
		t.Errorf("U64s = %#x, want %#x", got, want)
	}
}

// TestFinishDoesNotConsume: Sum64 is Rust's finish(&self), so writing on after it goes on
// from the same state.
func TestFinishDoesNotConsume(t *testing.T) {
	a, b := Statsig.New(), Statsig.New()
	a.Write([]byte("abc"))
	_ = a.Sum64()
	a.WriteU64(7)
	b.Write([]byte("abc"))
	b.WriteU64(7)
	if a.Sum64() != b.Sum64() {
		t.Fatal("Sum64 changed the hasher")
	}
}

// TestSeedsMatter guards against the seeds being ignored.
func TestSeedsMatter(t *testing.T) {
	if WithSeeds(1, 2, 3, 4).String("x") == Statsig.String("x") {
		t.Fatal("different seeds gave the same hash")
	}
}
