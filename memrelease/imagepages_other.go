//go:build !linux

package memrelease

func dropImagePages() {}
