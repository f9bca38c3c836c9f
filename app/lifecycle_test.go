package app_test

import (
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/youthvoice/youthvoice/app"
	"github.com/youthvoice/youthvoice/simulate"
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

// Closing a survey with access codes unlinks its used codes from the
// submissions: by a close, by an archive once its window has ended (the
// survey never recorded as closed), and, for a close cut short after its
// save, by the closer, from the record the close wrote before saving.
func TestClosingUnlinksAccessCodes(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	def, err := surveystest.Example("youth-policy-consultation.json")
	if err != nil {
		t.Fatal(err)
	}
	def.AccessCodes = true
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	a := app.New(app.Options{Store: st, Now: func() time.Time { return now }, HashKey: []byte("0123456789abcdef0123456789abcdef")})
	defer a.Shutdown(ctx)
	actor := surveys.Token{ID: "tok", OrgID: "o"}
	ends := now.Add(time.Hour)
	for _, id := range []string{"C", "W", "X"} {
		d := *def
		if id == "W" {
			d.ClosesAt = &ends
		}
		sv := &surveys.Survey{ID: id, OrgID: "o", Status: surveys.Draft, Draft: d, CreatedAt: now, UpdatedAt: now}
		if err := st.CreateSurvey(ctx, sv); err != nil {
			t.Fatal(err)
		}
		if err := a.ChangeState(ctx, actor, sv, app.Publish); err != nil {
			t.Fatal(err)
		}
		keys := []string{id + "-1", id + "-2", id + "-3"}
		if err := st.AddAccessCodes(ctx, id, keys, 10); err != nil {
			t.Fatal(err)
		}
		for _, k := range keys[:2] {
			if err := st.BurnAccessCode(ctx, id, k, "submission-"+k); err != nil {
				t.Fatal(err)
			}
		}
	}
	linked := func(id string) int {
		t.Helper()
		docs, err := st.RawDocuments(ctx, "access_codes")
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, d := range docs {
			if d["survey_id"] == id && d["used_by"] != nil {
				n++
			}
		}
		return n
	}
	read := func(id string) *surveys.Survey {
		t.Helper()
		sv, err := st.Survey(ctx, "o", id)
		if err != nil {
			t.Fatal(err)
		}
		return sv
	}
	// The closer's first round searches the codes once for closes cut
	// short before closes were recorded; from then on only records count.
	if closed := a.CloseOverdue(ctx); len(closed) != 0 {
		t.Fatalf("closed %v", closed)
	}
	if linked("C") != 2 || linked("W") != 2 || linked("X") != 2 {
		t.Fatalf("while open: %d %d %d codes linked, want 2 each", linked("C"), linked("W"), linked("X"))
	}

	if err := a.ChangeState(ctx, actor, read("C"), app.Close); err != nil {
		t.Fatal(err)
	}
	if linked("C") != 0 {
		t.Fatalf("after the close: %d codes linked", linked("C"))
	}

	// W's window ends; it is archived before the closer records the close.
	now = ends.Add(time.Minute)
	if err := a.ChangeState(ctx, actor, read("W"), app.Archive); err != nil {
		t.Fatal(err)
	}
	sum, err := st.Summary(ctx, "W")
	if linked("W") != 0 || err != nil || !sum.Frozen {
		t.Fatalf("after archiving at the window's end: %d codes linked, frozen %v (%v)", linked("W"), sum.Frozen, err)
	}

	// X's close is saved, and the process dies before it unlinks.
	x := read("X")
	if err := st.WillUnlinkAccessCodes(ctx, "X"); err != nil {
		t.Fatal(err)
	}
	if err := x.Close(now); err != nil {
		t.Fatal(err)
	}
	if err := st.SaveSurvey(ctx, x, nil); err != nil {
		t.Fatal(err)
	}
	if linked("X") != 2 {
		t.Fatalf("the cut-short close unlinked %d codes", 2-linked("X"))
	}
	a.CloseOverdue(ctx)
	if linked("X") != 0 {
		t.Fatalf("after the closer: %d codes linked", linked("X"))
	}
	if left, err := st.LinkedClosedSurveys(ctx); err != nil || len(left) != 0 {
		t.Fatalf("closes left to finish: %v (%v)", left, err)
	}

	// A submission that passed the check that the survey is open (here: a
	// copy read before the close) burns its code after the close unlinked
	// the others: the burn sees the survey closed and records the code,
	// and the closer unlinks it.
	lateDef := *def
	late := &surveys.Survey{ID: "L", OrgID: "o", Status: surveys.Draft, Draft: lateDef, CreatedAt: now, UpdatedAt: now}
	if err := st.CreateSurvey(ctx, late); err != nil {
		t.Fatal(err)
	}
	if err := a.ChangeState(ctx, actor, late, app.Publish); err != nil {
		t.Fatal(err)
	}
	codes, err := a.IssueAccessCodes(ctx, read("L"), 1, 10)
	if err != nil {
		t.Fatal(err)
	}
	stale := read("L")
	if err := a.ChangeState(ctx, actor, read("L"), app.Close); err != nil {
		t.Fatal(err)
	}
	var sub surveys.Submission
	b, _ := json.Marshal(simulate.Submission(&stale.Draft, stale.Revision, rand.New(rand.NewPCG(3, 3))))
	if err := json.Unmarshal(b, &sub); err != nil {
		t.Fatal(err)
	}
	sub.AccessCode = codes[0]
	revisions := func(_ context.Context, sv *surveys.Survey, n int) (*surveys.Definition, error) { return &sv.Draft, nil }
	if _, err := a.Submit(ctx, stale, &sub, revisions); err != nil {
		t.Fatalf("the late submission: %v", err)
	}
	a.CloseOverdue(ctx)
	if linked("L") != 0 {
		t.Fatalf("a code burned after the close is still linked")
	}
}
