package surveys_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/youthvoice/youthvoice/examples"
	"github.com/youthvoice/youthvoice/surveys"
)

func cday(d int) *time.Time {
	t := time.Date(2026, 6, d, 12, 0, 0, 0, time.UTC)
	return &t
}

// completeConsultation is a consultation definition ready to publish, in
// Swedish and English.
func completeConsultation() surveys.ConsultationDefinition {
	two := func(sv, en string) surveys.Text { return surveys.Text{"sv": sv, "en": en} }
	return surveys.ConsultationDefinition{
		DefaultLanguage: "sv", Languages: []string{"sv", "en"},
		Title:         two("Fritid", "Free time"),
		Summary:       two("Vad ska kommunen göra?", "What should the municipality do?"),
		Background:    two("## Bakgrund\n\nKommunen ska besluta.", "## Background\n\nThe municipality decides."),
		Question:      two("Var ska fritidsgården ligga?", "Where should the youth centre be?"),
		DecisionMaker: two("Kultur- och fritidsnämnden", "The culture and leisure board"),
		OpensAt:       cday(1), ClosesAt: cday(20), DecisionExpectedBy: cday(30),
		Surveys:  []string{"3f0c7c9e-5d2a-4c1b-9d7e-1a2b3c4d5e6f"},
		Audience: surveys.Audience{MinAge: 10, MaxAge: 18, Regions: []string{"SE"}},
	}
}

func consultationProblems(t *testing.T, err error) []string {
	t.Helper()
	if err == nil {
		return nil
	}
	var ve *surveys.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("not a validation error: %v", err)
	}
	var out []string
	for _, f := range ve.Errors {
		out = append(out, f.Pointer+" "+string(f.Code))
	}
	slices.Sort(out) // a text's languages are checked in map order
	return out
}

func TestConsultationValidate(t *testing.T) {
	long := strings.Repeat("a", surveys.MaxMarkdownLength+1)
	cases := []struct {
		name   string
		change func(d *surveys.ConsultationDefinition)
		want   []string // pointer and code of each problem
	}{
		{"complete", func(d *surveys.ConsultationDefinition) {}, nil},
		{"no languages", func(d *surveys.ConsultationDefinition) { d.Languages = nil },
			[]string{"/languages required", "/default_language undeclared_language", "/title/sv undeclared_language",
				"/title/en undeclared_language", "/summary/sv undeclared_language", "/summary/en undeclared_language",
				"/background/sv undeclared_language", "/background/en undeclared_language", "/question/sv undeclared_language",
				"/question/en undeclared_language", "/decision_maker/sv undeclared_language", "/decision_maker/en undeclared_language"}},
		{"unknown language", func(d *surveys.ConsultationDefinition) { d.Languages = []string{"sv", "en", "xx-!"} },
			[]string{"/languages/2 unknown_language"}},
		{"title missing in the default language", func(d *surveys.ConsultationDefinition) { delete(d.Title, "sv") },
			[]string{"/title/sv required"}},
		{"text in an undeclared language", func(d *surveys.ConsultationDefinition) { d.Question["fi"] = "Missä?" },
			[]string{"/question/fi undeclared_language"}},
		{"background too long", func(d *surveys.ConsultationDefinition) { d.Background["en"] = long },
			[]string{"/background/en too_long"}},
		{"summary too long", func(d *surveys.ConsultationDefinition) {
			d.Summary["sv"] = strings.Repeat("ö", surveys.MaxSummaryLength+1)
		}, []string{"/summary/sv too_long"}},
		{"closes before it opens", func(d *surveys.ConsultationDefinition) { d.ClosesAt = cday(1) },
			[]string{"/closes_at window"}},
		{"decision before close", func(d *surveys.ConsultationDefinition) { d.DecisionExpectedBy = cday(19) },
			[]string{"/decision_expected_by decision_before_close"}},
		{"date out of range", func(d *surveys.ConsultationDefinition) {
			x := time.Date(1999, 1, 1, 0, 0, 0, 0, time.UTC)
			d.OpensAt = &x
		}, []string{"/opens_at out_of_range"}},
		{"bad survey id", func(d *surveys.ConsultationDefinition) { d.Surveys = append(d.Surveys, "../x") },
			[]string{"/surveys/1 invalid"}},
		{"survey twice", func(d *surveys.ConsultationDefinition) { d.Surveys = append(d.Surveys, d.Surveys[0]) },
			[]string{"/surveys/1 duplicate"}},
		{"too many surveys", func(d *surveys.ConsultationDefinition) {
			for i := range surveys.MaxConsultationSurveys {
				d.Surveys = append(d.Surveys, "s"+string(rune('a'+i)))
			}
		}, []string{"/surveys too_many"}},
		{"audience as for surveys", func(d *surveys.ConsultationDefinition) {
			d.Audience = surveys.Audience{MinAge: 15, MaxAge: 12, Regions: []string{"a b"}}
		},
			[]string{"/audience/max_age out_of_range", "/audience/regions/0 invalid"}},
		{"easy version", func(d *surveys.ConsultationDefinition) {
			d.Easy = &surveys.EasyVersion{MaxAge: 12, Summary: surveys.Text{"sv": "Lätt", "en": "Easy"}, Background: surveys.Text{"sv": "Lätt", "en": "Easy"}}
		}, nil},
		{"easy version above the audience", func(d *surveys.ConsultationDefinition) {
			d.Easy = &surveys.EasyVersion{MaxAge: 19, Summary: surveys.Text{"sv": "Lätt", "en": "Easy"}}
		}, []string{"/easy/max_age out_of_range"}},
		{"easy version empty", func(d *surveys.ConsultationDefinition) { d.Easy = &surveys.EasyVersion{MaxAge: 12} },
			[]string{"/easy/summary required"}},
		{"language codes written canonically", func(d *surveys.ConsultationDefinition) {
			d.Languages, d.DefaultLanguage = []string{"SV", "en"}, "Sv"
			d.Title["SV"] = d.Title["sv"]
			delete(d.Title, "sv")
		}, nil},
		{"one language twice", func(d *surveys.ConsultationDefinition) { d.Title["SV"] = "Dubbel" },
			[]string{"/title/SV duplicate"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := completeConsultation()
			c.change(&d)
			slices.Sort(c.want)
			if got := consultationProblems(t, d.Validate()); !slices.Equal(got, c.want) {
				t.Errorf("problems\n got %q\nwant %q", got, c.want)
			}
		})
	}
}

func TestConsultationValidateWritesCanonicalCodes(t *testing.T) {
	d := completeConsultation()
	d.Languages, d.DefaultLanguage = []string{"SV", "en"}, "Sv"
	d.Summary["EN"] = d.Summary["en"]
	delete(d.Summary, "en")
	if err := d.Validate(); err != nil {
		t.Fatal(err)
	}
	if d.DefaultLanguage != "sv" || !slices.Equal(d.Languages, []string{"sv", "en"}) || d.Summary["en"] == "" {
		t.Fatalf("not canonical: %q %q %v", d.DefaultLanguage, d.Languages, d.Summary)
	}
}

func TestConsultationComplete(t *testing.T) {
	cases := []struct {
		name   string
		change func(d *surveys.ConsultationDefinition)
		want   []string
	}{
		{"complete", func(d *surveys.ConsultationDefinition) {}, nil},
		{"untranslated", func(d *surveys.ConsultationDefinition) { delete(d.Background, "en"); delete(d.DecisionMaker, "en") },
			[]string{"/background/en missing_translation", "/decision_maker/en missing_translation"}},
		{"easy version half translated", func(d *surveys.ConsultationDefinition) {
			d.Easy = &surveys.EasyVersion{MaxAge: 12, Summary: surveys.Text{"sv": "Lätt"}}
		}, []string{"/easy/summary/en missing_translation"}},
		{"no survey, no dates", func(d *surveys.ConsultationDefinition) {
			d.Surveys, d.ClosesAt, d.DecisionExpectedBy = nil, nil, nil
		}, []string{"/surveys required", "/closes_at required", "/decision_expected_by required"}},
		{"invalid first", func(d *surveys.ConsultationDefinition) { d.Title = nil; delete(d.Summary, "en") },
			[]string{"/title/sv required"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := completeConsultation()
			c.change(&d)
			slices.Sort(c.want)
			if got := consultationProblems(t, d.Complete()); !slices.Equal(got, c.want) {
				t.Errorf("problems\n got %q\nwant %q", got, c.want)
			}
		})
	}
}

// Every pair of states: the move is allowed exactly when the documented
// graph has it, and a refused move changes nothing.
func TestConsultationMoves(t *testing.T) {
	allowed := map[[2]surveys.ConsultationState]bool{
		{surveys.ConsultationDraft, surveys.ConsultationOpen}:        true,
		{surveys.ConsultationOpen, surveys.ConsultationAnalysing}:    true,
		{surveys.ConsultationOpen, surveys.ConsultationClosed}:       true,
		{surveys.ConsultationAnalysing, surveys.ConsultationDecided}: true,
		{surveys.ConsultationAnalysing, surveys.ConsultationClosed}:  true,
		{surveys.ConsultationDecided, surveys.ConsultationClosed}:    true,
	}
	for _, from := range surveys.ConsultationStates {
		for _, to := range surveys.ConsultationStates {
			c := &surveys.Consultation{ID: "c", State: from, Definition: completeConsultation(), Version: 3}
			err := c.Move(to, *cday(2))
			want := allowed[[2]surveys.ConsultationState{from, to}]
			if got := surveys.CanMove(from, to); got != want {
				t.Errorf("CanMove(%s, %s) = %v", from, to, got)
			}
			if want {
				if err != nil || c.State != to || c.PublicAt == nil || !c.PublicAt.Equal(*cday(2)) {
					t.Errorf("%s -> %s: %v, state %s, public at %v", from, to, err, c.State, c.PublicAt)
				}
				continue
			}
			var te *surveys.TransitionError
			if !errors.As(err, &te) || te.From != from || te.To != to || !errors.Is(err, surveys.ErrConsultationTransition) {
				t.Errorf("%s -> %s: %v, want a transition error", from, to, err)
			}
			if c.State != from || c.PublicAt != nil {
				t.Errorf("%s -> %s refused but changed the consultation", from, to)
			}
		}
	}
}

// Each state records when it was entered; a draft is published only
// complete; a public consultation takes only complete updates, which the
// updates feed sees; a closed one takes none.
func TestConsultationLifecycle(t *testing.T) {
	draft := completeConsultation()
	delete(draft.Summary, "en")
	c := &surveys.Consultation{ID: "c", State: surveys.ConsultationDraft}
	if err := c.Update(draft, *cday(1)); err != nil || c.PublicAt != nil {
		t.Fatalf("draft update: %v, public at %v", err, c.PublicAt)
	}
	if got := consultationProblems(t, c.Move(surveys.ConsultationOpen, *cday(1))); !slices.Equal(got, []string{"/summary/en missing_translation"}) {
		t.Fatalf("publishing an incomplete draft: %q", got)
	}
	if c.State != surveys.ConsultationDraft || c.OpenedAt != nil {
		t.Fatal("a refused publication changed the state")
	}
	if err := c.Update(completeConsultation(), *cday(1)); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		to   surveys.ConsultationState
		at   int
		when func() *time.Time
	}{
		{surveys.ConsultationOpen, 2, func() *time.Time { return c.OpenedAt }},
		{surveys.ConsultationAnalysing, 21, func() *time.Time { return c.AnalysingAt }},
		{surveys.ConsultationDecided, 29, func() *time.Time { return c.DecidedAt }},
	}
	for _, s := range steps {
		if err := c.Move(s.to, *cday(s.at)); err != nil {
			t.Fatalf("-> %s: %v", s.to, err)
		}
		if w := s.when(); w == nil || !w.Equal(*cday(s.at)) {
			t.Fatalf("-> %s recorded at %v", s.to, w)
		}
	}
	if err := c.Update(draft, *cday(29)); !slices.Equal(consultationProblems(t, err), []string{"/summary/en missing_translation"}) {
		t.Fatalf("an incomplete update of a decided consultation: %v", err)
	}
	fixed := completeConsultation()
	fixed.Summary["en"] = "Corrected"
	if err := c.Update(fixed, *cday(30)); err != nil || !c.PublicAt.Equal(*cday(30)) {
		t.Fatalf("a public update: %v, public at %v", err, c.PublicAt)
	}
	c.NoteOutcome(*cday(31))
	if !c.OutcomeAt.Equal(*cday(31)) || !c.PublicAt.Equal(*cday(31)) {
		t.Fatal("the outcome's publication is not public news")
	}
	if err := c.Move(surveys.ConsultationClosed, *cday(40)); err != nil || !c.ClosedAt.Equal(*cday(40)) {
		t.Fatalf("close: %v", err)
	}
	if err := c.Update(completeConsultation(), *cday(41)); !errors.Is(err, surveys.ErrConsultationNotEditable) {
		t.Fatalf("updating a closed consultation: %v", err)
	}
}

func TestConsultationStates(t *testing.T) {
	cases := []struct {
		s                     surveys.ConsultationState
		valid, public, listed bool
	}{
		{surveys.ConsultationDraft, true, false, false},
		{surveys.ConsultationOpen, true, true, true},
		{surveys.ConsultationAnalysing, true, true, true},
		{surveys.ConsultationDecided, true, true, true},
		{surveys.ConsultationClosed, true, true, false},
		{"archived", false, false, false},
		{"", false, false, false},
	}
	for _, c := range cases {
		if c.s.Valid() != c.valid || c.s.Public() != c.public || c.s.Listed() != c.listed {
			t.Errorf("%q: valid %v public %v listed %v", c.s, c.s.Valid(), c.s.Public(), c.s.Listed())
		}
	}
}

func TestConsultationMarkdownTexts(t *testing.T) {
	d := completeConsultation()
	d.Easy = &surveys.EasyVersion{MaxAge: 12, Background: surveys.Text{"sv": "a", "en": "b"}}
	var got []string
	d.MarkdownTexts(func(ptr, md string) { got = append(got, ptr) })
	want := []string{"/background/sv", "/background/en", "/easy/background/sv", "/easy/background/en"}
	if !slices.Equal(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	if !d.EasyFor(12) || d.EasyFor(13) || d.EasyFor(0) {
		t.Fatal("EasyFor")
	}
}

// The example consultations (examples/consultations) are complete: they
// can be published as they are, once their surveys have ids.
func TestExampleConsultationsComplete(t *testing.T) {
	ids := map[string]string{}
	for i, n := range examples.Names() {
		ids[n] = fmt.Sprintf("3f0c7c9e-5d2a-4c1b-9d7e-00000000000%d", i)
	}
	for _, name := range examples.ConsultationNames() {
		body, err := examples.Consultation(name, ids)
		if err != nil {
			t.Fatal(err)
		}
		var d surveys.ConsultationDefinition
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&d); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := d.Complete(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if !slices.Equal(d.Languages, []string{"sv", "en", "ar"}) || d.Easy == nil || len(d.Surveys) != 2 {
			t.Errorf("%s: languages %v, easy %v, surveys %v", name, d.Languages, d.Easy != nil, d.Surveys)
		}
	}
}
