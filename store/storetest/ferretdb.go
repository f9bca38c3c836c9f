package storetest

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/youthvoice/youthvoice/store"
)

// ServerURI is the URI of a database server reached over TCP, for tests
// that need the network between the store and its server (StallProxy):
// MONGODB_URI when it is set, otherwise a FerretDB server on SQLite in a
// temporary directory, listening on a loopback port and stopped when the
// test ends (the same server scripts/ferretdb runs standalone).
//
// A test that starts the FerretDB server must not call t.Parallel:
// ferretdb.New writes FerretDB's package state unguarded, which the
// store's embedded servers do too (under a lock of the store's own), and
// a test that is not parallel never runs beside one that is.
func ServerURI(t testing.TB) string {
	t.Helper()
	if uri := os.Getenv("MONGODB_URI"); uri != "" {
		return uri
	}
	dir := t.TempDir()
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: "127.0.0.1:0"},
		Handler:   "sqlite",
		SQLiteURL: "file:" + filepath.ToSlash(dir) + "/",
		Logger:    slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatalf("start FerretDB: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = f.Run(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	return f.MongoDBURI() // waits until it listens
}

// OpenBehindStallProxy opens a fresh store on ServerURI whose every
// connection passes through a StallProxy, with opts.Timeout as the bound
// of each operation. The store is closed and its database dropped
// (directly, not through the proxy) when the test ends.
func OpenBehindStallProxy(t testing.TB, opts store.Options) (*store.Store, *StallProxy) {
	t.Helper()
	uri := ServerURI(t)
	upstream, err := firstHost(uri)
	if err != nil {
		t.Skipf("stall proxy: %v", err)
	}
	p := NewStallProxy(t, upstream)
	proxied, err := p.ProxiedURI(uri)
	if err != nil {
		t.Skipf("stall proxy: %v", err)
	}
	opts.MongoURI = proxied
	opts.DataDir = ""
	if opts.Database == "" {
		opts.Database = DatabaseName(t)
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	dropAfter(t, uri, opts.Database)
	st, err := store.Open(context.Background(), opts)
	if err != nil {
		t.Fatalf("open store behind the stall proxy: %v", err)
	}
	t.Cleanup(func() {
		// Disconnecting closes the connections the proxy holds up; it
		// sends nothing that needs an answer.
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = st.Close(ctx)
	})
	return st, p
}

// dropAfter drops the database db on the server at uri when the test ends,
// over a connection of its own: whatever the test did with its store
// (closed it, stalled it), the database does not outlive the test.
// Cleanups run last registered first, so this runs after the store that
// the test opened later is closed.
func dropAfter(t testing.TB, uri, db string) {
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		client, err := mongo.Connect(options.Client().ApplyURI(uri))
		if err != nil {
			t.Errorf("drop test database %s: %v", db, err)
			return
		}
		defer client.Disconnect(ctx)
		if err := client.Database(db).Drop(ctx); err != nil {
			t.Errorf("drop test database %s: %v", db, err)
		}
	})
}
