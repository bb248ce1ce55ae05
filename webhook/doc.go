// Package webhook serves the operator's admission webhooks: Pod mutation (Statsig results as
// env vars and an annotation, per-pod gated rollouts) and StatsigSpec validation warnings.
package webhook
