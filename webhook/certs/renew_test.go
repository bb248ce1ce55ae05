package certs

import (
	"bytes"
	"testing"
	"time"
)

func TestRenew(t *testing.T) {
	names := []string{"svc.ns.svc", "svc.ns"}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	first, changed, err := Renew(nil, names, now, 10*year, year, 90*dayPeriod)
	if err != nil || !changed {
		t.Fatalf("initial Renew: changed=%v err=%v", changed, err)
	}
	tests := []struct {
		name               string
		at                 time.Time
		dns                []string
		wantCert, wantCA   bool
		wantBundleWithPrev bool
	}{
		{"fresh: nothing to do", now.Add(24 * time.Hour), names, false, false, false},
		{"serving cert within 90 days of expiry", now.Add(300 * dayPeriod), names, true, false, false},
		{"service renamed", now, []string{"other.ns.svc"}, true, false, false},
		{"CA within 90 days of expiry", now.Add(10*year - 30*dayPeriod), names, true, true, true},
		{"CA expired", now.Add(11 * year), names, true, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			next, changed, err := Renew(first, tt.dns, tt.at, 10*year, year, 90*dayPeriod)
			if err != nil {
				t.Fatal(err)
			}
			if changed != tt.wantCert || !bytes.Equal(next[KeyCert], first[KeyCert]) != tt.wantCert {
				t.Errorf("cert changed = %v, want %v", changed, tt.wantCert)
			}
			if caChanged := !bytes.Equal(firstPEM(next[KeyCA]), firstPEM(first[KeyCA])); caChanged != tt.wantCA {
				t.Errorf("CA changed = %v, want %v", caChanged, tt.wantCA)
			}
			if withPrev := bytes.Contains(next[KeyCA], first[KeyCA]) && tt.wantCA; withPrev != tt.wantBundleWithPrev {
				t.Errorf("bundle keeps previous CA = %v, want %v", withPrev, tt.wantBundleWithPrev)
			}
			ca, _, err := parse(KeyPair{Cert: firstPEM(next[KeyCA]), Key: next[KeyCAKey]})
			if err != nil || !servingValid(next, ca, tt.dns, tt.at) {
				t.Errorf("result is not a valid serving cert for %v at %v (err %v)", tt.dns, tt.at, err)
			}
		})
	}
}
