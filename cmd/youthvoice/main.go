// Command youthvoice runs the YouthVoice server and its administrative
// commands. See README.md.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/google/uuid"
)

func main() {
	// uuid's pool of random bytes makes submission and batch ids cheaper.
	// It is switched on here, before anything runs: it sets a global
	// without a lock (tests, which run servers side by side, go without).
	uuid.EnableRandPool()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "youthvoice:", err)
		os.Exit(exitCode(err))
	}
}
