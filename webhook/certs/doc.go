// Package certs provisions and rotates a self-managed serving certificate: a CA and a serving
// certificate kept in a Secret, written to a server's cert directory and, for the webhook,
// injected as caBundle into the webhook configurations. main also uses it for the endpoint's
// optional TLS; it imports nothing of the webhook, so it is shared without joining the shells.
package certs
