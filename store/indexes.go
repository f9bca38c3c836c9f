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
	colSettings    = "settings"
	colOrgs        = "orgs"
	colTokens      = "tokens"
	colSurveys     = "surveys"
	colRevisions   = "revisions"
	colResponses   = "responses"
	colAccessCodes = "access_codes"
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
var indexes = []index{
	{colTokens, bson.D{{Key: "hash", Value: 1}}, true, "hash"},
	{colTokens, bson.D{{Key: "org_id", Value: 1}}, false, "org"},
	{colSurveys, bson.D{{Key: "org_id", Value: 1}, {Key: "created_at", Value: -1}}, false, "org_created"},
	{colSurveys, bson.D{{Key: "status", Value: 1}}, false, "status"},
	{colRevisions, bson.D{{Key: "survey_id", Value: 1}, {Key: "number", Value: 1}}, true, "survey_number"},
	{colResponses, bson.D{{Key: "survey_id", Value: 1}}, false, "survey"},
	{colAccessCodes, bson.D{{Key: "survey_id", Value: 1}}, false, "survey"},
	{colPages, bson.D{{Key: "survey_id", Value: 1}}, false, "survey"},
}

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
