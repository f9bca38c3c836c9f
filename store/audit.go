package store

import (
	"context"
	"time"

	"github.com/google/uuid"
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
