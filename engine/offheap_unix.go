//go:build unix

package engine

import (
	"syscall"
	"unsafe"
)

// filterBlocks allocates n zeroed filter blocks outside the Go heap (an
// anonymous mapping), with the function that gives them back. The filters
// are the dedup index's only resident part that grows with the log, live for
// the whole process and hold no pointers: on the heap, the collector's goal
// (twice the live heap at GOGC=100) charged them twice, 2.5 bytes an id of
// peak memory instead of 1.25. Off it they cost what they are.
func filterBlocks(n int) ([][8]uint64, func()) {
	raw, err := syscall.Mmap(-1, 0, n*64, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		return make([][8]uint64, n), func() {} // exact still; only the memory's accounting differs
	}
	return unsafe.Slice((*[8]uint64)(unsafe.Pointer(&raw[0])), n), func() { _ = syscall.Munmap(raw) }
}
