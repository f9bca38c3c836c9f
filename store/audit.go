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
// previous page (zero time: from the newest).
func (s *Store) AuditLog(ctx context.Context, orgID string, before time.Time, afterID string, limit int) ([]AuditEntry, error) {
	filter := bson.D{{Key: "org_id", Value: orgID}}
	if !before.IsZero() {
		filter = append(filter, bson.E{Key: "at", Value: bson.D{{Key: "$lte", Value: before.UTC()}}})
	}
	cur, err := s.db.Collection(colAudit).Find(ctx, filter, options.Find().SetSort(bson.D{{Key: "at", Value: -1}, {Key: "_id", Value: 1}}))
	if err != nil {
		return nil, s.fail("read audit", err)
	}
	defer cur.Close(ctx)
	var out []AuditEntry
	for len(out) < limit && cur.Next(ctx) {
		var e AuditEntry
		if err := cur.Decode(&e); err != nil {
			return nil, s.fail("read audit", err)
		}
		// Entries of the previous page's last millisecond up to its last id
		// were on that page.
		if !before.IsZero() && e.At.Equal(before.UTC()) && e.ID <= afterID {
			continue
		}
		out = append(out, e)
	}
	if err := cur.Err(); err != nil {
		return nil, s.fail("read audit", err)
	}
	return out, nil
}
