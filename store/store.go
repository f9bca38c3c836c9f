// Package store keeps YouthVoice's data in MongoDB, or in FerretDB embedded
// in the same process when no MongoDB server is configured.
//
// It is the only package that speaks to the database. It converts between
// domain types (package surveys) and documents in one place per collection
// and turns driver errors into domain errors. Everything it does is limited
// to what behaves the same on MongoDB and on FerretDB 1.24 (no transactions,
// no aggregation beyond plain $group, no TTL or partial indexes): see
// docs/ARCHITECTURE.md.
package store

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"hash/maphash"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/mongo/writeconcern"
)

// Options says which database to use.
type Options struct {
	// MongoURI selects a MongoDB server; empty means embedded FerretDB.
	MongoURI string
	// Database is the database name.
	Database string
	// DataDir is where the embedded FerretDB keeps its SQLite files.
	DataDir string
	// Logger receives the store's own log lines.
	Logger *slog.Logger
	// EngineLogLevel is the level of the embedded FerretDB's own logging;
	// it is quiet (errors only) unless asked for.
	EngineLogLevel slog.Level
	// SQLitePragmas are extra pragmas for the embedded FerretDB's SQLite
	// connections, such as "max_page_count(400)" (tests use it to fill
	// the database).
	SQLitePragmas []string
	// CountError, when set, is called with the operation's name whenever a
	// database operation fails for a reason other than the caller's data.
	CountError func(op string)
	// Now is the clock (time.Now unless a test injects one). Times that
	// several processes compare (recovery leases) are read from the
	// database server instead: see serverNow.
	Now func() time.Time
	// Timeout bounds every database operation that has no earlier
	// deadline of its own (default OperationTimeout): a write waiting for a
	// majority that is unreachable fails instead of hanging.
	Timeout time.Duration
	// QueueTimeStep is what the tally queue's times are rounded down to
	// (default a minute: the queue never holds a batch's time to the
	// second). Recovery leases are counted in whole steps. Tests that
	// exercise recovery under load shorten it.
	QueueTimeStep time.Duration
}

// OperationTimeout is the default bound of one database operation.
const OperationTimeout = 30 * time.Second

// Store is an open connection to the database.
type Store struct {
	client   *mongo.Client
	db       *mongo.Database
	embedded *embedded
	where    string
	count    func(op string)
	now      func() time.Time
	clock    serverClock
	locks    docLocks // the embedded store's per-document atomicity (atomic.go)
	// queueStep: see Options.QueueTimeStep.
	queueStep    time.Duration
	timeout      time.Duration // Options.Timeout
	conflicts    atomic.Int64  // SummaryConflicts
	applied      atomic.Int64  // SummaryBatchesApplied (metrics.go)
	forcedPasses atomic.Int64  // SummaryPassesForced (metrics.go)
	parts        int           // parts of a summary (summary_doc.go)
	// surveysWritten counts the embedded store's writes to the surveys,
	// and openHeads keeps the open surveys' ids and versions read at one
	// count (surveys.go, OpenSurveys).
	surveysWritten atomic.Uint64
	openHeadReads  atomic.Int64 // reads of the heads from the database (tests)
	openHeads      struct {
		sync.Mutex
		read  bool
		count uint64
		heads []surveyHead
	}
}

// Open connects to the configured database, starting the embedded FerretDB
// if no MongoDB URI is given, and creates the indexes the application needs.
func Open(ctx context.Context, opts Options) (*Store, error) {
	if opts.Database == "" {
		opts.Database = "youthvoice"
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	s := &Store{count: opts.CountError, now: opts.Now}
	if s.count == nil {
		s.count = func(string) {}
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.locks.seed = maphash.MakeSeed()
	s.queueStep = opts.QueueTimeStep
	if s.queueStep <= 0 {
		s.queueStep = time.Minute
	}
	if opts.Timeout <= 0 {
		opts.Timeout = OperationTimeout
	}
	s.timeout = opts.Timeout
	uri := opts.MongoURI
	clientOpts := options.Client()
	if uri == "" {
		e, err := startEmbedded(ctx, opts.DataDir, opts.SQLitePragmas, opts.Logger, opts.EngineLogLevel)
		if err != nil {
			return nil, err
		}
		s.embedded = e
		uri = e.uri
		s.where = "embedded FerretDB (SQLite) in " + e.dir
	} else {
		s.where = "MongoDB " + redactURI(uri)
	}
	// Every operation gets opts.Timeout unless its context ends earlier
	// (the driver's client-side operation timeout, which also sends
	// maxTimeMS to the server).
	clientOpts.ApplyURI(uri).SetAppName("youthvoice").SetServerSelectionTimeout(10 * time.Second).SetTimeout(opts.Timeout)
	// In test binaries only, every command is checked against the declared
	// indexes (querycheck.go); elsewhere the monitor is nil.
	clientOpts.SetMonitor(commandMonitor())
	if s.embedded == nil {
		// A real MongoDB: nothing is acknowledged before a majority of the
		// replica set has it in its journal, and a write interrupted by a
		// failover is retried once by the driver. Set after the URI, so
		// that a w=1 in MONGODB_URI cannot weaken it.
		clientOpts.SetWriteConcern(&writeconcern.WriteConcern{W: "majority", Journal: ptr(true)}).
			SetRetryWrites(true)
	}
	if s.embedded != nil {
		// The embedded server is ours alone: plenty of connections for group
		// commit and concurrent reads.
		clientOpts.SetMaxPoolSize(64)
	}
	client, err := mongo.Connect(clientOpts)
	if err != nil {
		s.closeEmbedded()
		return nil, fmt.Errorf("store: connect: %w", err)
	}
	s.client = client
	s.db = client.Database(opts.Database)
	s.where += ", database " + opts.Database
	if err := s.Ping(ctx); err != nil {
		_ = s.Close(context.WithoutCancel(ctx))
		return nil, err
	}
	if err := s.ensureIndexes(ctx); err != nil {
		_ = s.Close(context.WithoutCancel(ctx))
		return nil, err
	}
	if err := s.loadParts(ctx); err != nil {
		_ = s.Close(context.WithoutCancel(ctx))
		return nil, err
	}
	if err := s.ensurePages(ctx, opts.Logger); err != nil {
		_ = s.Close(context.WithoutCancel(ctx))
		return nil, err
	}
	if s.embedded != nil {
		if err := s.indexLookups(ctx, opts.Database, opts.Logger); err != nil {
			_ = s.Close(context.WithoutCancel(ctx))
			return nil, err
		}
		// The database file was made by now (creating the indexes made it).
		if err := privateFiles(s.embedded.dir); err != nil {
			_ = s.Close(context.WithoutCancel(ctx))
			return nil, err
		}
	}
	return s, nil
}

// Where describes the store in use, for the start-up log line.
func (s *Store) Where() string { return s.where }

// Embedded reports whether the store is the in-process FerretDB.
func (s *Store) Embedded() bool { return s.embedded != nil }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.client.Ping(ctx, nil); err != nil {
		return s.fail("ping", err)
	}
	return nil
}

// colReadiness holds the documents CheckWritable writes and removes.
const colReadiness = "readiness"

// readinessProbeBytes is the size of the document CheckWritable writes:
// four 4 KiB SQLite pages, so that the probe needs pages of its own, as a
// batch of responses does, and does not fit in the room left on a page
// that takes nothing else. The pages it frees are reused by the next
// writes, so a database that has no room left for responses fails the
// probe too.
const readinessProbeBytes = 16 << 10

// CheckWritable reports whether the database takes a write: it inserts a
// document of readinessProbeBytes into the readiness collection and
// removes it (with any a crash between the two left behind). Readiness
// checks use it, since a database that answers pings may still be unable
// to store anything (a full disk).
func (s *Store) CheckWritable(ctx context.Context) error {
	coll := s.col(colReadiness)
	pad := make([]byte, readinessProbeBytes)
	_, _ = rand.Read(pad) // never fails (crypto/rand); random, so no engine can compress it away
	id := base64.RawURLEncoding.EncodeToString(pad[:12])
	if _, err := coll.InsertOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "pad", Value: pad}}); err != nil {
		return s.fail("readiness write", err)
	}
	// The collection holds at most the probes in flight and those a crash
	// left: the empty filter scans almost nothing.
	if _, err := coll.DeleteMany(ctx, bson.D{}); err != nil {
		return s.fail("readiness delete", err)
	}
	return nil
}

// Drop removes the whole database. Tests use it on a shared MongoDB server.
func (s *Store) Drop(ctx context.Context) error {
	if err := s.db.Drop(ctx); err != nil {
		return s.fail("drop", err)
	}
	return nil
}

// Close disconnects and stops the embedded FerretDB, if any.
func (s *Store) Close(ctx context.Context) error {
	var err error
	if s.client != nil {
		if err = s.client.Disconnect(ctx); errors.Is(err, mongo.ErrClientDisconnected) {
			err = nil // closed already
		}
	}
	s.closeEmbedded()
	if err != nil {
		return fmt.Errorf("store: close: %w", err)
	}
	return nil
}

func (s *Store) closeEmbedded() {
	if s.embedded != nil {
		s.embedded.stop()
		s.embedded = nil
	}
}

// ErrUnavailable is what every failure of the database itself (not of the
// caller's data) matches with errors.Is: a full disk, a lost connection, a
// timeout. The API answers it with a 503 and Retry-After, since trying
// again later may well succeed.
var ErrUnavailable = errors.New("store: database unavailable")

// dbError is a failed database operation: it matches ErrUnavailable and
// still unwraps to the driver's error.
type dbError struct {
	op  string
	err error
}

func (e *dbError) Error() string   { return "store: " + e.op + ": " + e.err.Error() }
func (e *dbError) Unwrap() []error { return []error{ErrUnavailable, e.err} }

// Unavailable reports whether err is a failure of the database rather than
// a domain error: one that passed through fail, or a driver error that
// reached the caller some other way.
func Unavailable(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, ErrUnavailable) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, mongo.ErrClientDisconnected) {
		return true
	}
	var se mongo.ServerError
	return errors.As(err, &se) || mongo.IsNetworkError(err) || mongo.IsTimeout(err)
}

// fail counts a database failure and wraps it with the operation's name.
func (s *Store) fail(op string, err error) error {
	if !errors.Is(err, context.Canceled) {
		s.count(op)
	}
	return &dbError{op: op, err: err}
}

func ptr[T any](v T) *T { return &v }

// RawDocuments returns the documents of a collection exactly as stored,
// for tests and audits that check what is (and is not) kept.
func (s *Store) RawDocuments(ctx context.Context, collection string) ([]map[string]any, error) {
	cur, err := s.db.Collection(collection).Find(ctx, bson.D{})
	if err != nil {
		return nil, s.fail("read raw", err)
	}
	var out []map[string]any
	if err := cur.All(ctx, &out); err != nil {
		return nil, s.fail("read raw", err)
	}
	return out, nil
}
