package main

import (
	"errors"
	"net"
	"net/netip"
)

// localKey is the well-known key `serve` accepts when it listens on loopback only.
const localKey = "secret-local"

// serveKey returns the key `serve` accepts: the explicit one, else localKey, which is
// refused on any address other people can reach (a well-known key would open the payload to
// them).
func serveKey(key, listen string) (string, error) {
	if key != "" {
		return key, nil
	}
	if !isLoopback(listen) {
		return "", errors.New("--key (or STATSIG_SERVER_KEY) is required to listen on " + listen +
			": the default key " + localKey + " is only accepted on a loopback address")
	}
	return localKey, nil
}

// isLoopback reports whether addr (host:port) listens on loopback only; an empty host means
// every interface.
func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil || host == "" {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}
