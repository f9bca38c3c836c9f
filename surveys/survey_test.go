package surveys_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/youthvoice/youthvoice/surveys"
)

// The lifecycle: draft -> open (publish) -> closed (by hand or by its
// window) -> archived, each step allowed only from the one before, and a
// new revision for each change to an open survey.
func TestSurveyLifecycle(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2026, 6, d, 12, 0, 0, 0, time.UTC) }
	s := &surveys.Survey{ID: "s1", Status: surveys.Draft, Draft: *everyType()}
	if err := s.Close(day(1)); !errors.Is(err, surveys.ErrNotOpen) {
		t.Fatalf("closing a draft: %v", err)
	}
	if err := s.Archive(day(1)); !errors.Is(err, surveys.ErrNotClosed) {
		t.Fatalf("archiving a draft: %v", err)
	}

	// A draft takes any valid definition, even one not fully translated,
	// but is published only complete.
	draft := *everyType()
	draft.Languages = []string{"en", "sv"}
	if rev, err := s.Update(draft, day(1)); err != nil || rev != nil {
		t.Fatalf("updating a draft: %v, revision %v", err, rev)
	}
	invalid := *everyType()
	invalid.K = 1
	if _, err := s.Update(invalid, day(1)); !slices.Equal(fieldErrors(t, err), []string{"/k threshold_too_low map[Min:5]"}) {
		t.Fatalf("an invalid draft: %v", err)
	}
	if _, err := s.Publish(day(1)); err == nil || s.Status != surveys.Draft {
		t.Fatalf("published without translations: %v", err)
	}
	s.Draft = *everyType()
	closes := day(10)
	s.Draft.ClosesAt = &closes
	if _, err := s.Publish(day(10)); !errors.Is(err, surveys.ErrAlreadyClosed) {
		t.Fatalf("published after its window: %v", err)
	}
	opens := day(3)
	s.Draft.OpensAt = &opens
	rev, err := s.Publish(day(2))
	if err != nil || rev.Number != 1 || s.Revision != 1 || s.Status != surveys.Open || !s.PublishedAt.Equal(day(2)) {
		t.Fatalf("publish: %v, %+v, survey %+v", err, rev, s)
	}
	if _, err := s.Publish(day(2)); !errors.Is(err, surveys.ErrNotDraft) {
		t.Fatalf("published twice: %v", err)
	}

	// Listed inside its window only.
	for d, want := range map[int]bool{2: false, 3: true, 9: true, 10: false} {
		if s.Listed(day(d)) != want {
			t.Errorf("listed on day %d: %v", d, !want)
		}
	}

	// An open survey takes a complete definition as a new revision.
	next := s.Draft
	next.Title = en("Every type, again")
	if rev, err := s.Update(next, day(4)); err != nil || rev == nil || rev.Number != 2 || s.Revision != 2 {
		t.Fatalf("a new revision: %v, %+v", err, rev)
	}
	if _, err := s.Update(draft, day(4)); err == nil || s.Revision != 2 {
		t.Fatalf("an incomplete revision: %v", err)
	}

	// Closed by its window before the closer records it: not editable,
	// can be closed by hand and archived.
	if s.StatusAt(day(10)) != surveys.Closed || s.Status != surveys.Open {
		t.Fatalf("status at the end of the window: %s (%s)", s.StatusAt(day(10)), s.Status)
	}
	if _, err := s.Update(next, day(11)); !errors.Is(err, surveys.ErrNotEditable) {
		t.Fatalf("updating a closed survey: %v", err)
	}
	archived := *s
	if err := archived.Archive(day(12)); err != nil || archived.Status != surveys.Archived || !archived.ClosedAt.Equal(closes) {
		t.Fatalf("archiving by the window: %v, %+v", err, archived)
	}
	if err := s.Close(day(11)); err != nil || s.Status != surveys.Closed || !s.ClosedAt.Equal(day(11)) {
		t.Fatalf("closing: %v, %+v", err, s)
	}
	if err := s.Close(day(12)); !errors.Is(err, surveys.ErrNotOpen) {
		t.Fatalf("closing twice: %v", err)
	}
	if err := s.Archive(day(12)); err != nil || s.Status != surveys.Archived || !s.ClosedAt.Equal(day(11)) {
		t.Fatalf("archiving: %v, %+v", err, s)
	}
	if s.Listed(day(12)) {
		t.Fatal("an archived survey is listed")
	}
}
