// Package storetest gives tests a real, fresh database: an embedded
// FerretDB in a temporary directory, or, when MONGODB_URI is set, a
// uniquely named database on that server, dropped afterwards. There are no
// mocks of the database anywhere.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"os"
	"testing"

	"github.com/youthvoice/youthvoice/store"
)

// Open opens a fresh store that is closed (and on MongoDB dropped) when the
// test ends.
func Open(t testing.TB) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), Options(t))
	if err != nil {
		t.Fatalf("open test store: %v", err)
	}
	t.Cleanup(func() {
		// Closing a store the test closed already is a no-op; the
		// database is dropped after this (see Options).
		if err := st.Close(context.Background()); err != nil {
			t.Errorf("close test store: %v", err)
		}
	})
	return st
}

// Options are the store options Open uses, for tests that open and close
// the same store themselves (to test restarts). On MongoDB the database
// they name is dropped when the test ends, over a connection of its own,
// after the stores the test opened later are closed.
func Options(t testing.TB) store.Options {
	opts := store.Options{
		Logger:         slog.New(slog.DiscardHandler),
		EngineLogLevel: slog.LevelError + 4,
	}
	if uri := os.Getenv("MONGODB_URI"); uri != "" {
		opts.MongoURI = uri
		opts.Database = DatabaseName(t)
		dropAfter(t, uri, opts.Database)
	} else {
		opts.DataDir = t.TempDir()
		// Tests do not survive power losses, so they need not wait for
		// the disk: without this pragma every commit of SQLite's WAL is
		// an fsync, which made opening a store 220 ms instead of 26 ms
		// and most of the suite's time a wait for the disk. The server
		// keeps SQLite's default (synchronous FULL): a response is
		// acknowledged only once it is on disk.
		opts.SQLitePragmas = []string{"synchronous(off)"}
	}
	return opts
}

// DatabaseName is a fresh database name for the test on a shared server:
// the prefix scripts/externaltests looks for, the start of the test's name
// (so that a database left behind names its test) and random hex.
func DatabaseName(t testing.TB) string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	// MongoDB allows 63 bytes; FerretDB letters, digits, _ and -.
	name := []byte(t.Name())
	for i, c := range name {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			name[i] = '_'
		}
	}
	if len(name) > 32 {
		name = name[:32]
	}
	return "youthvoice_test_" + string(name) + "_" + hex.EncodeToString(b)
}
