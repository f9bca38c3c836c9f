package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Exists reports whether the store opts names holds a database, without
// making anything: Open makes what is missing (the data directory, the
// database and its indexes), which only `youthvoice serve` should do; the
// command line asks first, so that a command typed in the wrong directory,
// or with a mistyped database name, does not start an empty store of its
// own.
//
// The embedded FerretDB keeps each database in one SQLite file named after
// it in the data directory (DATABASE.sqlite, its SQLite backend's pool), so
// that file is looked for. On MongoDB the database is one the server lists
// (it exists once it has a collection, which Open's indexes are).
func Exists(ctx context.Context, opts Options) (bool, error) {
	if opts.Database == "" {
		opts.Database = "youthvoice"
	}
	if opts.MongoURI == "" {
		dir := opts.DataDir
		if dir == "" {
			dir = "data"
		}
		_, err := os.Stat(filepath.Join(dir, DatabaseFile(opts.Database)))
		if errors.Is(err, os.ErrNotExist) {
			return false, nil
		}
		if err != nil {
			return false, fmt.Errorf("store: data directory: %w", err)
		}
		return true, nil
	}
	client, err := mongo.Connect(options.Client().ApplyURI(opts.MongoURI).SetAppName("youthvoice").
		SetServerSelectionTimeout(10 * time.Second).SetTimeout(OperationTimeout))
	if err != nil {
		return false, fmt.Errorf("store: connect: %w", err)
	}
	defer func() { _ = client.Disconnect(context.WithoutCancel(ctx)) }()
	// Every name, filtered here: a deployment has a handful of databases,
	// and not every server takes a filter on listDatabases.
	names, err := client.ListDatabaseNames(ctx, bson.D{})
	if err != nil {
		return false, fmt.Errorf("store: list databases: %w", err)
	}
	return slices.Contains(names, opts.Database), nil
}

// DatabaseFile is the name of the embedded store's SQLite file of database
// name, in the data directory.
func DatabaseFile(name string) string { return name + ".sqlite" }
