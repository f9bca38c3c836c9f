package app_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/youthvoice/youthvoice/app"
	"github.com/youthvoice/youthvoice/store/storetest"
	"github.com/youthvoice/youthvoice/surveys"
	"github.com/youthvoice/youthvoice/surveys/surveystest"
)

func consultationDef(surveyIDs ...string) surveys.ConsultationDefinition {
	at := func(d int) *time.Time {
		t := time.Date(2027, 2, d, 12, 0, 0, 0, time.UTC)
		return &t
	}
	return surveys.ConsultationDefinition{
		DefaultLanguage: "sv", Languages: []string{"sv"},
		Title: surveys.Text{"sv": "Samråd"}, Summary: surveys.Text{"sv": "Kort"},
		Background: surveys.Text{"sv": "## Bakgrund\n\n- en\n- två"}, Question: surveys.Text{"sv": "Vad?"},
		DecisionMaker: surveys.Text{"sv": "Nämnden"}, ClosesAt: at(10), DecisionExpectedBy: at(20), Surveys: surveyIDs,
	}
}

func fieldCodes(t *testing.T, err error) []string {
	t.Helper()
	var ve *surveys.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("not a validation error: %v", err)
	}
	var out []string
	for _, f := range ve.Errors {
		out = append(out, f.Pointer+" "+string(f.Code))
	}
	return out
}

// The consultation workflows on a real store: linked surveys must be the
// organisation's (and published at publication), information pages must
// render, a stale copy cannot overwrite a newer one, and every change is
// audited in order with the consultation's id.
func TestConsultationWorkflows(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	now := time.Date(2027, 1, 10, 9, 0, 0, 0, time.UTC)
	a := app.New(app.Options{Store: st, Now: func() time.Time { now = now.Add(time.Second); return now },
		HashKey: []byte("0123456789abcdef0123456789abcdef")})
	defer a.Shutdown(ctx)
	def, err := surveystest.Example("youth-policy-consultation.json")
	if err != nil {
		t.Fatal(err)
	}
	newSurvey := func(id, org string) *surveys.Survey {
		sv := &surveys.Survey{ID: id, OrgID: org, Status: surveys.Draft, Draft: *def, CreatedAt: now, UpdatedAt: now}
		if err := st.CreateSurvey(ctx, sv); err != nil {
			t.Fatal(err)
		}
		return sv
	}
	mine, theirs := newSurvey("s-mine", "o"), newSurvey("s-theirs", "other")
	actor := surveys.Token{ID: "tok", OrgID: "o"}

	_, err = a.CreateConsultation(ctx, actor, consultationDef(mine.ID, theirs.ID, "s-none"))
	if got := fieldCodes(t, err); !slices.Equal(got, []string{"/surveys/1 unknown_survey", "/surveys/2 unknown_survey"}) {
		t.Fatalf("foreign surveys: %v", got)
	}
	deep := consultationDef(mine.ID)
	deep.Background["sv"] = strings.Repeat("> ", 9) + "djupt"
	_, err = a.CreateConsultation(ctx, actor, deep)
	if got := fieldCodes(t, err); !slices.Equal(got, []string{"/background/sv markdown_nesting"}) {
		t.Fatalf("nesting: %v", got)
	}

	c, err := a.CreateConsultation(ctx, actor, consultationDef(mine.ID))
	if err != nil || c.State != surveys.ConsultationDraft || c.Version != 1 {
		t.Fatalf("create: %+v %v", c, err)
	}
	// The linked survey is a draft: not yet.
	err = a.MoveConsultation(ctx, actor, c, surveys.ConsultationOpen)
	if got := fieldCodes(t, err); !slices.Equal(got, []string{"/surveys/0 survey_not_published"}) || c.State != surveys.ConsultationDraft {
		t.Fatalf("publish with a draft survey: %v", got)
	}
	if err := a.ChangeState(ctx, actor, mine, app.Publish); err != nil {
		t.Fatal(err)
	}
	stale, _ := st.Consultation(ctx, "o", c.ID)
	if err := a.MoveConsultation(ctx, actor, c, surveys.ConsultationOpen); err != nil || c.State != surveys.ConsultationOpen {
		t.Fatalf("publish: %v", err)
	}
	// A stale copy (read before the publication) cannot overwrite it.
	if err := a.UpdateConsultation(ctx, actor, stale, consultationDef(mine.ID)); !errors.Is(err, surveys.ErrConflict) {
		t.Fatalf("stale update: %v", err)
	}
	var te *surveys.TransitionError
	if err := a.MoveConsultation(ctx, actor, c, surveys.ConsultationDecided); !errors.As(err, &te) || te.From != surveys.ConsultationOpen {
		t.Fatalf("open -> decided: %v", err)
	}
	// A public consultation takes only complete definitions of its own surveys.
	if err := a.UpdateConsultation(ctx, actor, c, consultationDef(theirs.ID)); !slices.Equal(fieldCodes(t, err), []string{"/surveys/0 unknown_survey"}) {
		t.Fatalf("update to a foreign survey: %v", err)
	}
	incomplete := consultationDef(mine.ID)
	incomplete.DecisionMaker = nil
	if err := a.UpdateConsultation(ctx, actor, c, incomplete); !slices.Equal(fieldCodes(t, err), []string{"/decision_maker/sv missing_translation"}) {
		t.Fatalf("incomplete update: %v", err)
	}
	stored, _ := st.Consultation(ctx, "o", c.ID)
	if stored.Version != 2 || stored.Definition.DecisionMaker["sv"] != "Nämnden" {
		t.Fatalf("a refused update changed the stored consultation: %+v", stored)
	}
	for _, s := range []surveys.ConsultationState{surveys.ConsultationAnalysing, surveys.ConsultationDecided, surveys.ConsultationClosed} {
		if err := a.MoveConsultation(ctx, actor, c, s); err != nil {
			t.Fatalf("-> %s: %v", s, err)
		}
	}
	if err := a.UpdateConsultation(ctx, actor, c, consultationDef(mine.ID)); !errors.Is(err, surveys.ErrConsultationNotEditable) {
		t.Fatalf("update of a closed consultation: %v", err)
	}
	log, err := st.AuditLog(ctx, "o", time.Time{}, "", 100)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range log {
		if strings.HasPrefix(e.Action, "consultation_") {
			if e.Detail != c.ID || e.TokenID != "tok" || e.SurveyID != "" {
				t.Errorf("entry %+v", e)
			}
			actions = append(actions, e.Action)
		}
	}
	want := []string{"consultation_closed", "consultation_decided", "consultation_analysing", "consultation_open", "consultation_create"}
	if !slices.Equal(actions, want) {
		t.Fatalf("audited %v, want %v", actions, want)
	}
	if got := fmt.Sprint(c.OpenedAt != nil, c.AnalysingAt != nil, c.DecidedAt != nil, c.ClosedAt != nil); got != "true true true true" {
		t.Fatalf("state times: %s", got)
	}
}
