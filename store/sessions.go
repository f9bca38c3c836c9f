package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/youthvoice/youthvoice/surveys"
)

// colSessions holds the console's sign-in sessions (app/sessions.go).
const colSessions = "console_sessions"

// Session is a console sign-in: a person pasted an organisation token
// once, and the browser holds a random session secret in a cookie. The
// secret is stored only as its hash (the _id), so a copy of the database
// signs nobody in; the token's own secret is never stored here.
//
// FerretDB has no TTL indexes, so nothing removes a session by itself:
// the server checks EndsAt and ExpiresAt on every request and deletes
// what has ended, and a periodic sweep deletes sessions nobody came back
// to (DeleteEndedSessions, by EndsAt).
type Session struct {
	ID      string       `bson:"_id"` // SessionID(secret)
	TokenID string       `bson:"token_id"`
	OrgID   string       `bson:"org_id"`
	Role    surveys.Role `bson:"role"`
	// CSRF is the session's anti-forgery token: every form of the session
	// carries it, and every POST must send it back.
	CSRF      string    `bson:"csrf"`
	CreatedAt time.Time `bson:"created_at"`
	LastSeen  time.Time `bson:"last_seen"`
	// ExpiresAt is the absolute end, whatever the activity; EndsAt is the
	// earlier of it and the idle end (LastSeen plus the idle time).
	ExpiresAt time.Time `bson:"expires_at"`
	EndsAt    time.Time `bson:"ends_at"`
}

// SessionID is the stored id of a session secret: its SHA-256, in hex.
func SessionID(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// CreateSession stores a new session.
func (s *Store) CreateSession(ctx context.Context, sess Session) error {
	sess.CreatedAt, sess.LastSeen = sess.CreatedAt.UTC(), sess.LastSeen.UTC()
	sess.ExpiresAt, sess.EndsAt = sess.ExpiresAt.UTC(), sess.EndsAt.UTC()
	if _, err := s.db.Collection(colSessions).InsertOne(ctx, sess); err != nil {
		return s.fail("create session", err)
	}
	return nil
}

// SessionByID reads a session (surveys.ErrNotFound: none, or it was
// deleted). Whether it has ended is the caller's to decide.
func (s *Store) SessionByID(ctx context.Context, id string) (Session, error) {
	var sess Session
	err := s.db.Collection(colSessions).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&sess)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return Session{}, surveys.ErrNotFound
	}
	if err != nil {
		return Session{}, s.fail("read session", err)
	}
	return sess, nil
}

// TouchSession records activity: the new last-seen time and end.
func (s *Store) TouchSession(ctx context.Context, id string, lastSeen, endsAt time.Time) error {
	_, err := s.col(colSessions).UpdateOne(ctx, bson.D{{Key: "_id", Value: id}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "last_seen", Value: lastSeen.UTC()}, {Key: "ends_at", Value: endsAt.UTC()}}}})
	if err != nil {
		return s.fail("touch session", err)
	}
	return nil
}

// DeleteSession ends a session (deleting one that is gone is no error).
func (s *Store) DeleteSession(ctx context.Context, id string) error {
	if _, err := s.col(colSessions).DeleteOne(ctx, bson.D{{Key: "_id", Value: id}}); err != nil {
		return s.fail("delete session", err)
	}
	return nil
}

// DeleteEndedSessions deletes every session that ended before now and
// reports how many.
func (s *Store) DeleteEndedSessions(ctx context.Context, now time.Time) (int64, error) {
	res, err := s.col(colSessions).DeleteMany(ctx, bson.D{{Key: "ends_at", Value: bson.D{{Key: "$lt", Value: now.UTC()}}}})
	if err != nil {
		return 0, s.fail("delete ended sessions", err)
	}
	return res.DeletedCount, nil
}

// Token reads a token by its id, revoked or not (surveys.ErrNotFound:
// none). A console session checks with it, at every request, that the
// token it was opened with is still live.
func (s *Store) Token(ctx context.Context, id string) (surveys.Token, error) {
	var d tokenDoc
	err := s.db.Collection(colTokens).FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return surveys.Token{}, surveys.ErrNotFound
	}
	if err != nil {
		return surveys.Token{}, s.fail("read token", err)
	}
	return tokenFromDoc(d), nil
}
