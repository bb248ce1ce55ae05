package statsig_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"runtime"
	"testing"
	"time"

	"github.com/statsig-operator/statsig-operator/statsig"
	"github.com/statsig-operator/statsig-operator/test/standin"
)

func TestDownloadStreaming(t *testing.T) {
	errParse := errors.New("parse failed")
	type sc = streamCase
	tests := []struct {
		name string
		streamCase
	}{
		{"reads everything", sc{initial: true, consume: readAll, calls: 1, wantAll: true}},
		{"large body across chunks", sc{initial: true, consume: readAll, calls: 1, wantAll: true, big: true}},
		{"large body, consumer stops early", sc{initial: true, big: true, consume: func(r io.Reader) ([]byte, error) {
			b := make([]byte, 100)
			_, err := io.ReadFull(r, b)
			return b, err
		}, calls: 1}},
		{"consumer error", sc{initial: true, consume: func(r io.Reader) ([]byte, error) {
			b := make([]byte, 10)
			_, _ = io.ReadFull(r, b)
			return b, errParse
		}, wantCons: errParse, calls: 1}},
		{"consumer stops without reading",
			sc{initial: true, consume: func(io.Reader) ([]byte, error) { return nil, nil }, calls: 1}},
		{"truncated body then retry",
			sc{fault: &standin.Fault{Kind: standin.Truncated, Times: 1}, consume: readAll, calls: 2, wantAll: true}},
		{
			"truncated initial",
			sc{
				fault:   &standin.Fault{Kind: standin.Truncated, Times: 1},
				initial: true,
				consume: readAll,
				wantErr: statsig.ErrTruncated,
				calls:   1,
			},
		},
		{
			"body too large",
			sc{
				fault:   &standin.Fault{Kind: standin.HugeBody, Times: 1},
				initial: true,
				consume: readAll,
				wantErr: statsig.ErrBodyTooLarge,
				calls:   1,
			},
		},
		{
			"error status: no consumer",
			sc{
				fault:   &standin.Fault{Kind: standin.Status403, Times: 1},
				initial: true,
				consume: readAll,
				wantErr: errAny,
				calls:   0,
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { testStreaming(t, tc.streamCase) })
	}
}

type streamCase struct {
	fault    *standin.Fault
	initial  bool
	consume  func(r io.Reader) ([]byte, error)
	wantErr  error // download error
	wantCons error // Response.ConsumeErr
	calls    int   // consume calls
	wantAll  bool  // the successful consumer saw the whole body
	big      bool  // a 432 KB payload: many chunks, spooled to disk
}

// testStreaming runs one case with DownloadConfigSpecsStreaming.
func testStreaming(t *testing.T, tc streamCase) {
	before := runtime.NumGoroutine()
	s := newStandin(t)
	if tc.big {
		if err := s.SetPayload(standin.V2, fixture(t, "server-core/eval_proj_dcs.json")); err != nil {
			t.Fatal(err)
		}
	}
	c := newClient(t, s, func(o *statsig.Options) {
		o.MaxBodySize, o.MemorySpoolLimit, o.TempDir = 4<<20, 64<<10, t.TempDir()
	})
	if tc.fault != nil {
		_ = s.InjectFault(standin.RouteDCSV2, *tc.fault)
	}
	var calls int
	var seen []byte
	var seenErrs []error
	resp, err := c.DownloadConfigSpecsStreaming(
		context.Background(),
		key,
		statsig.Since{},
		tc.initial,
		func(r io.Reader) error {
			calls++
			b, err := tc.consume(r)
			seen = b
			seenErrs = append(seenErrs, err)
			return err
		},
	)
	noKey(t, err)
	if calls != tc.calls {
		t.Errorf("consume called %d times, want %d", calls, tc.calls)
	}
	if tc.wantErr != nil {
		if err == nil || (tc.wantErr != errAny && !errors.Is(err, tc.wantErr)) {
			t.Fatalf("err %v, want %v", err, tc.wantErr)
		}
		for _, e := range seenErrs {
			if e == nil && tc.calls > 0 && tc.fault.Kind != standin.Status403 {
				t.Error("a failed download looked complete to its consumer")
			}
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	defer mustClose(t, resp)
	if !errors.Is(resp.ConsumeErr, tc.wantCons) || (tc.wantCons == nil && resp.ConsumeErr != nil) {
		t.Fatalf("ConsumeErr %v, want %v", resp.ConsumeErr, tc.wantCons)
	}
	payload := s.Payload(standin.V2)
	if resp.Size() != int64(len(payload)) {
		t.Fatalf("Size %d, want %d", resp.Size(), len(payload))
	}
	rc, _ := resp.Open()
	spooled, _ := io.ReadAll(rc)
	if !bytes.Equal(spooled, payload) || resp.SHA256() != sha256.Sum256(payload) {
		t.Fatal("the spool differs from the payload")
	}
	if tc.wantAll && !bytes.Equal(seen, payload) {
		t.Fatalf("consumer saw %d bytes, want the %d of the payload", len(seen), len(payload))
	}
	mustClose(t, resp)
	s.Close()
	waitGoroutines(t, before)
}

// errAny: any error will do.
var errAny = errors.New("any error")

func readAll(r io.Reader) ([]byte, error) { return io.ReadAll(r) }

func waitGoroutines(t *testing.T, want int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > want+2 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > want+2 {
		t.Fatalf("%d goroutines, %d before: a streaming goroutine leaked", n, want)
	}
}
