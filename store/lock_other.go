//go:build !(linux || darwin || dragonfly || freebsd || netbsd || openbsd || illumos)

package store

import "os"

// On platforms without flock(2) the embedded store refuses to start rather
// than let two processes share its files unnoticed.
func tryLockFile(*os.File) (bool, error) { return false, errLockUnsupported }

func unlockFile(*os.File) error { return nil }
