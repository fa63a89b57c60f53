//go:build !unix

package engine

// filterBlocks allocates n zeroed filter blocks on the heap (see offheap_unix.go).
func filterBlocks(n int) ([][8]uint64, func()) { return make([][8]uint64, n), func() {} }
