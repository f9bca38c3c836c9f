package app

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"strings"
	"sync/atomic"
	"time"

	"github.com/youthvoice/youthvoice/store"
	"github.com/youthvoice/youthvoice/surveys"
)

// The console's sign-in sessions (package console): a person pastes an
// organisation token once; the server checks it as the API does and keeps
// a session in the database, which the browser names by a random secret in
// a cookie. The token's secret is never kept: the session holds the
// token's id, and every request checks that token again, so revoking it
// ends its sessions at their next request.

// Session lifetimes: a session ends after SessionIdle without a request,
// and SessionLifetime after sign-in whatever the activity.
const (
	SessionIdle     = 30 * time.Minute
	SessionLifetime = 12 * time.Hour
)

// sessionTouchEvery is how stale a session's last-seen time may get before
// a request writes it again: a page view then costs a read, not a write,
// and the idle end is at most this much early.
const sessionTouchEvery = time.Minute

// sessionSecretBytes is the size of a session secret (and of its CSRF
// token): 256 bits from the system's random source.
const sessionSecretBytes = 32

// maxTokenLength bounds a pasted token: secrets are far shorter, and
// nothing longer is hashed.
const maxTokenLength = 512

// ErrNoSession: no live session has this secret (none, ended, signed out,
// or its token was revoked). The console asks the person to sign in.
var ErrNoSession = errors.New("app: no live session")

// SignIn opens a session for the holder of an organisation token; it
// returns the session and its secret, which only the browser keeps.
// surveys.ErrUnauthorized: the token is unknown or revoked.
func (a *App) SignIn(ctx context.Context, token string) (store.Session, string, error) {
	token = strings.TrimSpace(token)
	if token == "" || len(token) > maxTokenLength {
		return store.Session{}, "", surveys.ErrUnauthorized
	}
	tok, err := a.store.TokenBySecret(ctx, token)
	if err != nil {
		return store.Session{}, "", err
	}
	secret, csrf := randomString(), randomString()
	now := a.now().UTC()
	sess := store.Session{
		ID: store.SessionID(secret), TokenID: tok.ID, OrgID: tok.OrgID, Role: tok.Role, CSRF: csrf,
		CreatedAt: now, LastSeen: now, ExpiresAt: now.Add(SessionLifetime), EndsAt: sessionEnd(now, now.Add(SessionLifetime)),
	}
	if err := a.store.CreateSession(ctx, sess); err != nil {
		return store.Session{}, "", err
	}
	return sess, secret, nil
}

// Session finds the live session of a secret and the token it acts as
// (read again: its role is the token's, now). An ended session, and one
// whose token was revoked or deleted, is deleted and is ErrNoSession.
func (a *App) Session(ctx context.Context, secret string) (store.Session, surveys.Token, error) {
	if secret == "" || len(secret) > maxTokenLength {
		return store.Session{}, surveys.Token{}, ErrNoSession
	}
	sess, err := a.store.SessionByID(ctx, store.SessionID(secret))
	if errors.Is(err, surveys.ErrNotFound) {
		return store.Session{}, surveys.Token{}, ErrNoSession
	}
	if err != nil {
		return store.Session{}, surveys.Token{}, err
	}
	now := a.now().UTC()
	if !now.Before(sess.EndsAt) || !now.Before(sess.ExpiresAt) {
		return store.Session{}, surveys.Token{}, a.endSession(ctx, sess.ID)
	}
	tok, err := a.store.Token(ctx, sess.TokenID)
	if errors.Is(err, surveys.ErrNotFound) || err == nil && (tok.RevokedAt != nil || tok.OrgID != sess.OrgID) {
		return store.Session{}, surveys.Token{}, a.endSession(ctx, sess.ID)
	}
	if err != nil {
		return store.Session{}, surveys.Token{}, err
	}
	if now.Sub(sess.LastSeen) >= sessionTouchEvery {
		sess.LastSeen, sess.EndsAt = now, sessionEnd(now, sess.ExpiresAt)
		if err := a.store.TouchSession(ctx, sess.ID, sess.LastSeen, sess.EndsAt); err != nil {
			return store.Session{}, surveys.Token{}, err
		}
	}
	sess.Role = tok.Role
	return sess, tok, nil
}

// SignOut ends the session of a secret (none: nothing to do).
func (a *App) SignOut(ctx context.Context, secret string) error {
	if secret == "" || len(secret) > maxTokenLength {
		return nil
	}
	return a.store.DeleteSession(ctx, store.SessionID(secret))
}

// endSession deletes a session that has ended and reports ErrNoSession,
// or the store's failure.
func (a *App) endSession(ctx context.Context, id string) error {
	if err := a.store.DeleteSession(ctx, id); err != nil {
		return err
	}
	return ErrNoSession
}

// SweepSessions deletes every session that has ended (FerretDB has no TTL
// index to do it) and reports how many.
func (a *App) SweepSessions(ctx context.Context) (int64, error) {
	return a.store.DeleteEndedSessions(ctx, a.now())
}

// sessionSweepEvery is how often the closer's loop sweeps sessions.
const sessionSweepEvery = 10 * time.Minute

// lastSessionSweep is when this process last swept (Unix nanoseconds).
var lastSessionSweep atomic.Int64

// sweepSessionsNow sweeps when the last sweep is sessionSweepEvery old;
// RunCloser calls it at each of its ticks. A failure is logged and tried
// again at the next tick: ended sessions are refused at every request
// anyway, so a late sweep only keeps dead documents a little longer.
func (a *App) sweepSessionsNow(ctx context.Context) {
	now := a.now()
	last := lastSessionSweep.Load()
	if last != 0 && now.Sub(time.Unix(0, last)) < sessionSweepEvery || !lastSessionSweep.CompareAndSwap(last, now.UnixNano()) {
		return
	}
	if n, err := a.SweepSessions(ctx); err != nil {
		a.log.Warn("sweeping console sessions failed", "error", err.Error())
	} else if n > 0 {
		a.log.Info("console sessions swept", "deleted", n)
	}
}

// sessionEnd is when a session seen at now ends if nothing happens: after
// the idle time, or at its absolute expiry if that is earlier.
func sessionEnd(now, expires time.Time) time.Time {
	end := now.Add(SessionIdle)
	if expires.Before(end) {
		return expires
	}
	return end
}

// randomString is a fresh secret of sessionSecretBytes random bytes,
// base64url without padding (cookie- and form-safe).
func randomString() string {
	b := make([]byte, sessionSecretBytes)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}
