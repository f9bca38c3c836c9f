package store

import (
	"context"
	"net/url"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Collection names.
const (
	colSettings = "settings"
)

// index is one index the application relies on.
type index struct {
	collection string
	keys       bson.D
	unique     bool
	name       string
}

// indexes lists every index; creating an index that exists is a no-op, so
// start-up may run this every time.
var indexes = []index{}

func (s *Store) ensureIndexes(ctx context.Context) error {
	for _, ix := range indexes {
		m := mongo.IndexModel{Keys: ix.keys, Options: options.Index().SetName(ix.name)}
		if ix.unique {
			m.Options.SetUnique(true)
		}
		if _, err := s.db.Collection(ix.collection).Indexes().CreateOne(ctx, m); err != nil {
			return s.fail("create index "+ix.collection+"."+ix.name, err)
		}
	}
	return nil
}

// redactURI hides a password in a MongoDB URI for the log.
func redactURI(uri string) string {
	u, err := url.Parse(uri)
	if err != nil {
		return "(unparsable URI)"
	}
	if u.User != nil {
		u.User = url.User(u.User.Username())
	}
	return u.Redacted()
}
