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
		ctx := context.Background()
		if os.Getenv("MONGODB_URI") != "" {
			if err := st.Drop(ctx); err != nil {
				t.Errorf("drop test database: %v", err)
			}
		}
		if err := st.Close(ctx); err != nil {
			t.Errorf("close test store: %v", err)
		}
	})
	return st
}

// Options are the store options Open uses, for tests that open and close
// the same store themselves (to test restarts).
func Options(t testing.TB) store.Options {
	opts := store.Options{
		Logger:         slog.New(slog.DiscardHandler),
		EngineLogLevel: slog.LevelError + 4,
	}
	if uri := os.Getenv("MONGODB_URI"); uri != "" {
		b := make([]byte, 6)
		_, _ = rand.Read(b)
		opts.MongoURI = uri
		opts.Database = "youthvoice_test_" + hex.EncodeToString(b)
	} else {
		opts.DataDir = t.TempDir()
	}
	return opts
}
