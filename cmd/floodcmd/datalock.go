//go:build unix

package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// dataLockFile is the file in --data that one floodcmd at a time holds locked.
const dataLockFile = "floodcmd.lock"

// errDataLocked means another live process holds the data directory.
var errDataLocked = errors.New("the data directory is in use")

// lockDataDir takes the data directory for this process alone: an exclusive
// flock on dir/floodcmd.lock, which holds our pid for whoever is refused. The
// kernel drops the lock when the process dies, however it dies, so a restart
// after a crash takes the directory at once; a second live process is refused
// with the holder's pid. The returned function gives the directory back.
func lockDataDir(dataDir string) (func(), error) {
	dir, err := filepath.Abs(dataDir)
	if err != nil {
		return nil, fmt.Errorf("--data %s: %w", dataDir, err)
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("--data %s: %w", dir, err)
	}
	path := filepath.Join(dir, dataLockFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o640)
	if err != nil {
		return nil, fmt.Errorf("--data %s: %w", dir, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		holder, _ := os.ReadFile(path)
		_ = f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%w: --data %s is used by another floodcmd (pid %s); stop that one first, or give this one its own --data",
				errDataLocked, dir, pidOf(holder))
		}
		return nil, fmt.Errorf("--data %s: lock %s: %w", dir, path, err)
	}
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return func() {
		_ = f.Truncate(0)
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		_ = f.Close()
	}, nil
}

// pidOf reads the pid a lock file holds ("unknown" if it holds none yet).
func pidOf(b []byte) string {
	if s := strings.TrimSpace(string(b)); s != "" {
		return s
	}
	return "unknown"
}
