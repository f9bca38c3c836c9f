package store

import (
	"context"
	"errors"
	"hash/maphash"
	"sync"
	"sync/atomic"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// The store is written for MongoDB's semantics, where every write to one
// document is atomic: a conditional update ("set version 8 where version
// is 7") either matches and applies, or does not match, whatever runs at
// the same time. The summaries, survey saves, access codes and token
// revocations rely on that to stay exact without transactions.
//
// FerretDB 1.24 does not give it: it applies an update by reading the
// document, changing it in Go and writing it back, so two updates of one
// document at once can both "match" and one of them is lost (measured:
// 4 writers x 100 version-checked updates kept 114 on SQLite; 50 $inc of
// one field at once kept 2). On the embedded store, which only one
// process may open (lock.go), the store therefore serialises its own
// writes per document: every update, replace or delete of one document
// (a filter with its _id) holds that document's lock, and a write of many
// documents holds its whole collection. Inserts need nothing: SQLite's
// primary key makes a duplicate _id fail atomically. Reads need nothing
// either: FerretDB writes a document with one SQL statement, so a read
// sees it before or after.
//
// On MongoDB the locks are not taken: the server gives the atomicity, for
// every process.

// docLocks holds the locks of the embedded store's writes.
type docLocks struct {
	// off switches the serialisation off, to show in tests what it
	// prevents (SetSerialisation).
	off atomic.Bool
	// collections: name -> *sync.RWMutex; a write of one document holds
	// its collection's read lock, a write of many the write lock.
	collections sync.Map
	seed        maphash.Seed
	// stripes: a document's lock is the stripe its collection and _id
	// hash to. Two documents may share a stripe (they then wait for each
	// other a moment); a writer never holds two stripes, so no deadlock.
	stripes [256]sync.Mutex
}

// col is a collection whose writes are serialised per document on the
// embedded store. Its methods are those of mongo.Collection that write;
// reads go to the mongo.Collection itself (col.Collection).
type col struct {
	*mongo.Collection
	locks *docLocks // nil: MongoDB, nothing to serialise
	// written counts the writes to the surveys on the embedded store (nil
	// elsewhere): see Store.openSurveyHeads.
	written *atomic.Uint64
}

// col returns a collection for writing.
func (s *Store) col(name string) col {
	c := col{Collection: s.db.Collection(name)}
	if s.embedded != nil && !s.locks.off.Load() {
		c.locks = &s.locks
	}
	if s.embedded != nil && name == colSurveys {
		c.written = &s.surveysWritten
	}
	return c
}

// wrote counts a write once it is done (and whatever its outcome: a write
// that failed may still have landed).
func (c col) wrote() {
	if c.written != nil {
		c.written.Add(1)
	}
}

// InsertOne needs no lock (SQLite's primary key refuses a duplicate _id
// atomically); it goes through col to be counted.
func (c col) InsertOne(ctx context.Context, doc any, opts ...options.Lister[options.InsertOneOptions]) (*mongo.InsertOneResult, error) {
	defer c.wrote()
	return c.Collection.InsertOne(ctx, doc, opts...)
}

// lockOne locks the document filter names by _id (its collection shared),
// or, when the filter names no single document, the whole collection.
func (c col) lockOne(filter bson.D) (unlock func()) {
	if c.locks == nil {
		return func() {}
	}
	id, ok := filterID(filter)
	if !ok {
		return c.lockAll()
	}
	coll := c.collection()
	coll.RLock()
	var h maphash.Hash
	h.SetSeed(c.locks.seed)
	h.WriteString(c.Name())
	h.WriteByte(0)
	h.WriteString(id)
	m := &c.locks.stripes[h.Sum64()%uint64(len(c.locks.stripes))]
	m.Lock()
	return func() {
		m.Unlock()
		coll.RUnlock()
	}
}

// lockAll locks the whole collection.
func (c col) lockAll() (unlock func()) {
	if c.locks == nil {
		return func() {}
	}
	coll := c.collection()
	coll.Lock()
	return coll.Unlock
}

func (c col) collection() *sync.RWMutex {
	m, _ := c.locks.collections.LoadOrStore(c.Name(), &sync.RWMutex{})
	return m.(*sync.RWMutex)
}

// filterID is the _id a filter names by equality, if it is a string (every
// _id the store writes is).
func filterID(filter bson.D) (string, bool) {
	for _, e := range filter {
		if e.Key == "_id" {
			id, ok := e.Value.(string)
			return id, ok
		}
	}
	return "", false
}

func (c col) UpdateOne(ctx context.Context, filter bson.D, update any, opts ...options.Lister[options.UpdateOneOptions]) (*mongo.UpdateResult, error) {
	defer c.wrote()
	defer c.lockOne(filter)()
	filter, matched, err := c.byID(ctx, filter)
	if err != nil || !matched {
		return &mongo.UpdateResult{}, err
	}
	return c.Collection.UpdateOne(ctx, filter, update, opts...)
}

func (c col) ReplaceOne(ctx context.Context, filter bson.D, doc any, opts ...options.Lister[options.ReplaceOptions]) (*mongo.UpdateResult, error) {
	defer c.wrote()
	defer c.lockOne(filter)()
	filter, matched, err := c.byID(ctx, filter)
	if err != nil || !matched {
		return &mongo.UpdateResult{}, err
	}
	return c.Collection.ReplaceOne(ctx, filter, doc, opts...)
}

func (c col) DeleteOne(ctx context.Context, filter bson.D, opts ...options.Lister[options.DeleteOneOptions]) (*mongo.DeleteResult, error) {
	defer c.wrote()
	defer c.lockOne(filter)()
	filter, matched, err := c.byID(ctx, filter)
	if err != nil || !matched {
		return &mongo.DeleteResult{}, err
	}
	return c.Collection.DeleteOne(ctx, filter, opts...)
}

func (c col) FindOneAndUpdate(ctx context.Context, filter bson.D, update any, opts ...options.Lister[options.FindOneAndUpdateOptions]) *mongo.SingleResult {
	defer c.wrote()
	defer c.lockOne(filter)()
	return c.Collection.FindOneAndUpdate(ctx, filter, update, opts...)
}

// byID turns a filter of an _id and plain equalities into one of the _id
// alone, on the embedded store, where the caller holds the document's
// lock: the equalities are checked here, against the document read by
// _id. FerretDB passes a filter to SQLite only when it is the _id alone;
// any other filter reads and converts every document of the collection
// (a survey save or a summary update scanned them all). Matched false:
// the document does not exist or does not match, which the caller reports
// as nothing matched. On MongoDB, or for filters with operators, the
// filter is left to the server. (Every upsert of the store is by _id
// alone, which this leaves as it is: a missing document is not upserted
// here.)
func (c col) byID(ctx context.Context, filter bson.D) (bson.D, bool, error) {
	if c.locks == nil || len(filter) < 2 {
		return filter, true, nil
	}
	id, ok := filterID(filter)
	if !ok {
		return filter, true, nil
	}
	for _, e := range filter {
		if !plainValue(e.Value) {
			return filter, true, nil
		}
	}
	raw, err := c.Collection.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Raw()
	if errors.Is(err, mongo.ErrNoDocuments) {
		return filter, false, nil
	}
	if err != nil {
		return filter, false, err
	}
	for _, e := range filter {
		if e.Key != "_id" && !equalValue(raw.Lookup(e.Key), e.Value) {
			return filter, false, nil
		}
	}
	return bson.D{{Key: "_id", Value: id}}, true, nil
}

// plainValue reports whether v is a value equalValue compares (not an
// operator document or an array).
func plainValue(v any) bool {
	switch v.(type) {
	case nil, string, bool, int, int32, int64, time.Time:
		return true
	}
	return false
}

// equalValue reports whether a stored field matches an equality filter's
// value as MongoDB would match it: nil matches a missing field or null,
// numbers match whatever their width, times to the millisecond.
func equalValue(f bson.RawValue, v any) bool {
	missing := f.Type == 0 || f.Type == bson.TypeNull
	switch v := v.(type) {
	case nil:
		return missing
	case string:
		got, ok := f.StringValueOK()
		return ok && got == v
	case bool:
		got, ok := f.BooleanOK()
		return ok && got == v
	case int:
		got, ok := f.AsInt64OK()
		return ok && got == int64(v)
	case int32:
		got, ok := f.AsInt64OK()
		return ok && got == int64(v)
	case int64:
		got, ok := f.AsInt64OK()
		return ok && got == v
	case time.Time:
		got, ok := f.DateTimeOK()
		return ok && got == v.UnixMilli()
	}
	return false
}

func (c col) UpdateMany(ctx context.Context, filter bson.D, update any, opts ...options.Lister[options.UpdateManyOptions]) (*mongo.UpdateResult, error) {
	defer c.wrote()
	defer c.lockAll()()
	return c.Collection.UpdateMany(ctx, filter, update, opts...)
}

func (c col) DeleteMany(ctx context.Context, filter bson.D, opts ...options.Lister[options.DeleteManyOptions]) (*mongo.DeleteResult, error) {
	defer c.wrote()
	defer c.lockAll()()
	return c.Collection.DeleteMany(ctx, filter, opts...)
}

// SetSerialisedWrites switches the embedded store's per-document
// serialisation on (the default) or off. Only tests switch it off, to show
// what it prevents.
func (s *Store) SetSerialisedWrites(on bool) { s.locks.off.Store(!on) }

// AtomicDocumentWrites reports whether every write to one document is
// atomic for every process using the database: true for MongoDB, and for
// the embedded store (one process, serialised here); false for a FerretDB
// server, which several processes would share without that guarantee.
func (s *Store) AtomicDocumentWrites(ctx context.Context) (bool, error) {
	if s.embedded != nil {
		return !s.locks.off.Load(), nil
	}
	var info bson.M
	if err := s.db.RunCommand(ctx, bson.D{{Key: "buildInfo", Value: 1}}).Decode(&info); err != nil {
		return false, s.fail("build info", err)
	}
	_, ferret := info["ferretdbVersion"]
	return !ferret, nil
}
