// Package certs provisions and rotates the webhook's self-signed serving certificate: a CA and a
// serving certificate kept in a Secret, written to the webhook server's cert directory and injected
// as caBundle into the webhook configurations.
package certs
