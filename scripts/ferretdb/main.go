// Command ferretdb runs FerretDB (the version go.mod pins, which the
// embedded store also runs) as a standalone server on a TCP port, on
// SQLite files, so that the whole test suite can run against an external
// server the way it runs against MongoDB:
//
//	go run ./scripts/ferretdb -listen 127.0.0.1:27017 &
//	MONGODB_URI=mongodb://127.0.0.1:27017/ go test ./...
//
// scripts/externaltests does both (and checks that no test leaves its
// database behind). FerretDB's own command (cmd/ferretdb) needs modules
// this repository does not otherwise use; this is the same server through
// its embeddable package.
//
// The server has no authentication, so it listens on loopback unless told
// otherwise, and its files are private to this user. A standalone FerretDB
// applies a conditional update as a read followed by a write: it does not
// give MongoDB's per-document atomicity, which the store gives only to its
// embedded server (docs/ARCHITECTURE.md).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"

	"github.com/FerretDB/FerretDB/ferretdb"

	"github.com/youthvoice/youthvoice/scripts/internal/program"
)

func main() { program.Main("ferretdb", run) }

func run(ctx context.Context) error {
	listen := flag.String("listen", "127.0.0.1:27017", "TCP address to listen on (port 0: any free port)")
	dir := flag.String("dir", "", "directory of the SQLite files (default: a fresh temporary directory, removed at exit)")
	uriFile := flag.String("uri-file", "", "once listening, write the server's MongoDB URI to this file (for scripts)")
	quiet := flag.Bool("quiet", false, "log FerretDB's errors only")
	prof := program.Parse() // the profiles are of the FerretDB server
	if flag.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", flag.Args())
	}
	if host, _, err := net.SplitHostPort(*listen); err != nil {
		return fmt.Errorf("-listen %q: %w", *listen, err)
	} else if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		fmt.Fprintf(os.Stderr, "ferretdb: warning: %s is not a loopback address and the server has no authentication\n", *listen)
	}

	data := *dir
	if data == "" {
		tmp, err := os.MkdirTemp("", "ferretdb-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		data = tmp
	} else if err := os.MkdirAll(data, 0o700); err != nil {
		return err
	}
	abs, err := filepath.Abs(data)
	if err != nil {
		return err
	}

	level := slog.LevelInfo
	if *quiet {
		level = slog.LevelError
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: *listen},
		Handler:   "sqlite",
		SQLiteURL: "file:" + filepath.ToSlash(abs) + "/",
		Logger:    logger,
	})
	if err != nil {
		return err
	}
	if err := prof.Start(); err != nil {
		return err
	}
	defer prof.Stop()
	done := make(chan error, 1)
	go func() { done <- f.Run(ctx) }()
	// MongoDBURI waits until the listener has its address (the port
	// chosen for port 0).
	uri := f.MongoDBURI()
	fmt.Println(uri)
	if *uriFile != "" {
		// Written whole under another name and renamed, so that a script
		// polling for the file never reads half of it.
		tmp := *uriFile + ".tmp"
		if err := os.WriteFile(tmp, []byte(uri+"\n"), 0o600); err != nil {
			return err
		}
		if err := os.Rename(tmp, *uriFile); err != nil {
			return err
		}
	}
	if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}
