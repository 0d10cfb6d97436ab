//go:build unix

package main

import (
	"os"
	"syscall"
)

// execute replaces this process with the built command, so signals (Ctrl-C) and the exit
// status are its own.
func execute(bin string, args []string) error {
	return syscall.Exec(bin, append([]string{bin}, args...), os.Environ())
}
