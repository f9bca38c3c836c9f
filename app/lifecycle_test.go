package app_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/youthvoice/youthvoice/app"
	"github.com/youthvoice/youthvoice/store/storetest"
	"github.com/youthvoice/youthvoice/surveys"
	"github.com/youthvoice/youthvoice/surveys/surveystest"
)

// A survey's life through the application layer on a real store: each
// allowed transition is saved and audited in order, a transition the
// domain refuses leaves the stored survey and the audit log as they were,
// a stale copy of the survey cannot overwrite a newer state, and a close
// freezes the summary's release.
func TestChangeState(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	def, err := surveystest.Example("youth-policy-consultation.json")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	sv := &surveys.Survey{ID: "L", OrgID: "o", Status: surveys.Draft, Draft: *def, CreatedAt: now, UpdatedAt: now}
	if err := st.CreateSurvey(ctx, sv); err != nil {
		t.Fatal(err)
	}
	a := app.New(app.Options{Store: st, Now: func() time.Time { return now }, HashKey: []byte("0123456789abcdef0123456789abcdef")})
	defer a.Shutdown(ctx)
	actor := surveys.Token{ID: "tok", OrgID: "o"}
	read := func() *surveys.Survey {
		t.Helper()
		got, err := st.Survey(ctx, "o", "L")
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	audited := func() []string {
		t.Helper()
		entries, err := st.AuditLog(ctx, "o", time.Time{}, "", 50)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, e := range entries {
			if e.SurveyID != "L" || e.TokenID != "tok" {
				t.Errorf("audit entry %+v: not the survey and actor", e)
			}
			out = append(out, e.Action)
		}
		return out
	}

	// Archiving a draft is refused by the domain: nothing saved or audited.
	if err := a.ChangeState(ctx, actor, read(), app.Archive); !errors.Is(err, surveys.ErrNotClosed) {
		t.Fatalf("archive a draft: %v", err)
	}
	if got := read(); got.Status != surveys.Draft || len(audited()) != 0 {
		t.Fatalf("after a refused archive: %s, audit %v", got.Status, audited())
	}

	if err := a.ChangeState(ctx, actor, read(), app.Publish); err != nil {
		t.Fatal(err)
	}
	stale := read()
	if err := a.ChangeState(ctx, actor, read(), app.Close); err != nil {
		t.Fatal(err)
	}
	if got := read(); got.Status != surveys.Closed || got.ClosedAt == nil {
		t.Fatalf("after close: %s", got.Status)
	}
	sum, err := st.Summary(ctx, "L")
	if err != nil || !sum.Frozen {
		t.Fatalf("the close froze the release: %+v, %v", sum, err)
	}
	// The copy read while the survey was open is behind: closing it again
	// is a conflict, not a second close.
	if err := a.ChangeState(ctx, actor, stale, app.Close); !errors.Is(err, surveys.ErrConflict) {
		t.Fatalf("close from a stale copy: %v", err)
	}
	if err := a.ChangeState(ctx, actor, read(), app.Archive); err != nil {
		t.Fatal(err)
	}
	if got := read(); got.Status != surveys.Archived {
		t.Fatalf("after archive: %s", got.Status)
	}
	want := []string{"publish", "close", "archive"}
	got := audited()
	if len(got) != len(want) {
		t.Fatalf("audit log %v, want %v (any order the log keeps)", got, want)
	}
	seen := map[string]bool{}
	for _, g := range got {
		seen[g] = true
	}
	for _, w := range want {
		if !seen[w] {
			t.Fatalf("audit log %v lacks %q", got, w)
		}
	}
}
