package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/youthvoice/youthvoice/store"
	"github.com/youthvoice/youthvoice/store/storetest"
	"github.com/youthvoice/youthvoice/surveys"
)

// Sessions are stored under the hash of their secret, read back as they
// were written, touched, deleted, and swept by their end; a token is read
// by its id, revoked or not.
func TestSessions(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	org, secret, err := st.CreateOrg(ctx, "Kommunen", now)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := st.TokenBySecret(ctx, secret)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := st.Token(ctx, tok.ID); err != nil || got.ID != tok.ID || got.OrgID != org.ID || got.Role != surveys.Owner {
		t.Fatalf("Token: %+v %v", got, err)
	}
	if _, err := st.Token(ctx, "nope"); !errors.Is(err, surveys.ErrNotFound) {
		t.Fatalf("Token of no id: %v", err)
	}
	mk := func(secret string, ends time.Time) store.Session {
		s := store.Session{ID: store.SessionID(secret), TokenID: tok.ID, OrgID: org.ID, Role: tok.Role, CSRF: "c-" + secret,
			CreatedAt: now, LastSeen: now, ExpiresAt: now.Add(12 * time.Hour), EndsAt: ends}
		if err := st.CreateSession(ctx, s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	a := mk("secret-a", now.Add(30*time.Minute))
	b := mk("secret-b", now.Add(time.Hour))
	if a.ID == "secret-a" || len(a.ID) != 64 {
		t.Fatalf("session id %q is not the secret's hash", a.ID)
	}
	got, err := st.SessionByID(ctx, a.ID)
	if err != nil || got != a {
		t.Fatalf("SessionByID: %+v %v, want %+v", got, err, a)
	}
	later := now.Add(20 * time.Minute)
	if err := st.TouchSession(ctx, a.ID, later, later.Add(30*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if got, _ := st.SessionByID(ctx, a.ID); !got.LastSeen.Equal(later) || !got.EndsAt.Equal(later.Add(30*time.Minute)) {
		t.Fatalf("after touch: %+v", got)
	}
	// At now+55 min: a (ends at now+50) has ended, b (now+60) not.
	n, err := st.DeleteEndedSessions(ctx, now.Add(55*time.Minute))
	if err != nil || n != 1 {
		t.Fatalf("swept %d, %v", n, err)
	}
	if _, err := st.SessionByID(ctx, a.ID); !errors.Is(err, surveys.ErrNotFound) {
		t.Fatalf("ended session still there: %v", err)
	}
	if err := st.DeleteSession(ctx, b.ID); err != nil {
		t.Fatal(err)
	}
	if err := st.DeleteSession(ctx, b.ID); err != nil {
		t.Fatalf("deleting twice: %v", err)
	}
	if _, err := st.SessionByID(ctx, b.ID); !errors.Is(err, surveys.ErrNotFound) {
		t.Fatalf("deleted session still there: %v", err)
	}
}
