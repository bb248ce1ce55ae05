// Package memrelease returns what a load leaves behind to the operating system, so that a
// process's resident set stays close to what it serves: the load's garbage on the Go heap,
// and the pages of the program image that only startup and the load touched.
package memrelease
