package app_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/youthvoice/youthvoice/app"
	"github.com/youthvoice/youthvoice/store/storetest"
	"github.com/youthvoice/youthvoice/surveys"
)

// Publishing an outcome writes the outcome, then notes it on the
// consultation (which the app's updates feed reports). A crash between
// the two leaves an outcome the feed has not announced: the next attempt
// finds it, announces it and says it is published already. A state that
// does not allow an outcome refuses it before anything is read.
func TestOutcomeNoteCompletedAfterACrash(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	now := time.Date(2027, 6, 20, 9, 0, 0, 0, time.UTC)
	a := app.New(app.Options{Store: st, Now: func() time.Time { return now }, HashKey: []byte("0123456789abcdef0123456789abcdef")})
	defer a.Shutdown(ctx)
	sv := surveys.Text{"sv": "x"}
	c := &surveys.Consultation{ID: "c1", OrgID: "o", State: surveys.ConsultationOpen, CreatedAt: now.Add(-time.Hour), UpdatedAt: now.Add(-time.Hour),
		PublicAt:   ptr(now.Add(-time.Hour)),
		Definition: surveys.ConsultationDefinition{DefaultLanguage: "sv", Languages: []string{"sv"}, Title: sv, Surveys: []string{"A"}}}
	if err := st.CreateConsultation(ctx, c); err != nil {
		t.Fatal(err)
	}
	in := &surveys.OutcomeInput{Findings: []surveys.FindingInput{{Text: sv, Cites: []surveys.Citation{{Survey: "A", Question: "q"}}}},
		Decisions: []surveys.DecisionInput{{Proposal: sv, Status: surveys.DecisionConsidering}}}
	actor := surveys.Token{ID: "t", OrgID: "o", Role: surveys.Owner}
	var se *surveys.OutcomeStateError
	if _, err := a.PublishOutcome(ctx, actor, c, in, nil, nil); !errors.As(err, &se) || se.State != surveys.ConsultationOpen {
		t.Fatalf("an open consultation's outcome: %v", err)
	}
	c.State = surveys.ConsultationAnalysing
	if err := st.SaveConsultation(ctx, c); err != nil {
		t.Fatal(err)
	}
	// The crash: the outcome is stored, the consultation not told.
	stored := surveys.NewOutcome(c, in, []surveys.Finding{{Text: sv}}, now.Add(-time.Minute))
	if err := st.CreateOutcome(ctx, stored); err != nil {
		t.Fatal(err)
	}
	if _, err := a.PublishOutcome(ctx, actor, c, in, nil, nil); !errors.Is(err, surveys.ErrOutcomePublished) {
		t.Fatalf("publication again: %v", err)
	}
	got, err := st.Consultation(ctx, "o", "c1")
	if err != nil {
		t.Fatal(err)
	}
	if got.OutcomeAt == nil || !got.OutcomeAt.Equal(stored.PublishedAt) || !got.PublicAt.Equal(stored.PublishedAt) {
		t.Fatalf("not announced: outcome_at %v public_at %v", got.OutcomeAt, got.PublicAt)
	}
	feed, err := st.ConsultationUpdates(ctx, now.Add(-30*time.Minute), "", 10)
	if err != nil || len(feed) != 1 || feed[0].ID != "c1" || feed[0].OutcomeAt == nil {
		t.Fatalf("updates feed: %v %+v", err, feed)
	}
	// The update appends, and the note follows it.
	now = now.Add(time.Hour)
	o, err := a.UpdateOutcome(ctx, actor, got, &surveys.OutcomeUpdateInput{Text: sv}, nil, nil)
	if err != nil || len(o.Updates) != 1 || !got.OutcomeAt.Equal(now) {
		t.Fatalf("update: %v %+v, outcome_at %v", err, o, got.OutcomeAt)
	}
}

func ptr(t time.Time) *time.Time { return &t }

// A survey without a release cannot be cited: not a number of it reaches
// the outcome, and nothing is stored.
func TestOutcomeRefusesAnUnreleasedSurvey(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	now := time.Date(2027, 6, 20, 9, 0, 0, 0, time.UTC)
	a := app.New(app.Options{Store: st, Now: func() time.Time { return now }, HashKey: []byte("0123456789abcdef0123456789abcdef")})
	defer a.Shutdown(ctx)
	sv := surveys.Text{"sv": "x"}
	c := &surveys.Consultation{ID: "c2", OrgID: "o", State: surveys.ConsultationDecided, CreatedAt: now, UpdatedAt: now,
		Definition: surveys.ConsultationDefinition{DefaultLanguage: "sv", Languages: []string{"sv"}, Title: sv, Surveys: []string{"gone"}}}
	if err := st.CreateConsultation(ctx, c); err != nil {
		t.Fatal(err)
	}
	in := &surveys.OutcomeInput{Findings: []surveys.FindingInput{{Text: sv, Cites: []surveys.Citation{{Survey: "gone", Question: "q"}}}},
		Decisions: []surveys.DecisionInput{{Proposal: sv, Status: surveys.DecisionConsidering}}}
	_, err := a.PublishOutcome(ctx, surveys.Token{ID: "t", OrgID: "o", Role: surveys.Owner}, c, in, nil, nil)
	var ve *surveys.ValidationError
	if !errors.As(err, &ve) || len(ve.Errors) != 1 || ve.Errors[0].Pointer != "/findings/0/cites/0/survey" || ve.Errors[0].Code != surveys.CodeNotReleased {
		t.Fatalf("an unreleased survey cited: %v", err)
	}
	if _, err := st.Outcome(ctx, "c2"); !errors.Is(err, surveys.ErrNotFound) {
		t.Fatalf("stored anyway: %v", err)
	}
}
