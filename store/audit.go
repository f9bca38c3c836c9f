package store

import (
	"context"
	"time"

	"github.com/google/uuid"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

const colAudit = "audit"

// AuditEntry records who did what, when. Respondents never appear in it.
type AuditEntry struct {
	ID       string    `bson:"_id"`
	OrgID    string    `bson:"org_id"`
	TokenID  string    `bson:"token_id"`
	Action   string    `bson:"action"`
	SurveyID string    `bson:"survey_id,omitempty"`
	Detail   string    `bson:"detail,omitempty"`
	At       time.Time `bson:"at"`
}

// Audit appends an entry to the audit log (it is never updated).
func (s *Store) Audit(ctx context.Context, e AuditEntry) error {
	e.ID = uuid.NewString()
	e.At = e.At.UTC()
	if _, err := s.db.Collection(colAudit).InsertOne(ctx, e); err != nil {
		return s.fail("audit", err)
	}
	return nil
}

// AuditLog lists an organisation's audit entries, newest first (ordered
// by time, then id): at most limit, after the entry (before, afterID) of a
// previous page (zero time: from the newest). Every read is bounded by
// limit and served by the index on (org_id, at, _id): first the rest of
// the previous page's last millisecond (ids after afterID), then older
// entries.
func (s *Store) AuditLog(ctx context.Context, orgID string, before time.Time, afterID string, limit int) ([]AuditEntry, error) {
	if limit <= 0 {
		return nil, nil
	}
	coll := s.db.Collection(colAudit)
	var out []AuditEntry
	read := func(filter, sort bson.D) error {
		cur, err := coll.Find(ctx, filter, options.Find().SetSort(sort).SetLimit(int64(limit-len(out))))
		if err != nil {
			return s.fail("read audit", err)
		}
		var page []AuditEntry
		if err := cur.All(ctx, &page); err != nil {
			return s.fail("read audit", err)
		}
		out = append(out, page...)
		return nil
	}
	newestFirst := bson.D{{Key: "at", Value: -1}, {Key: "_id", Value: 1}}
	if before.IsZero() {
		return out, read(bson.D{{Key: "org_id", Value: orgID}}, newestFirst)
	}
	before = before.UTC()
	if err := read(bson.D{{Key: "org_id", Value: orgID}, {Key: "at", Value: before}, {Key: "_id", Value: bson.D{{Key: "$gt", Value: afterID}}}},
		bson.D{{Key: "_id", Value: 1}}); err != nil {
		return nil, err
	}
	if len(out) < limit {
		if err := read(bson.D{{Key: "org_id", Value: orgID}, {Key: "at", Value: bson.D{{Key: "$lt", Value: before}}}}, newestFirst); err != nil {
			return nil, err
		}
	}
	return out, nil
}
