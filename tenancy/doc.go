// Package tenancy decides which namespaces may use which StatsigSpec (spec.namespaceSelector),
// from the manager's cache, for the Pod webhook and the workload controller alike.
package tenancy
