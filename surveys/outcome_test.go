package surveys_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/youthvoice/youthvoice/surveys"
	"github.com/youthvoice/youthvoice/surveys/surveystest"
)

// released is the example survey's release of n simulated responses.
func released(t *testing.T, n int) (*surveys.Definition, *surveys.ReleasedSurvey) {
	t.Helper()
	def, err := surveystest.Example("youth-policy-consultation.json")
	if err != nil {
		t.Fatal(err)
	}
	tally := tallyOf(t, def, n, 7)
	p := surveys.Disclose(def, tally, def.Threshold())
	return def, &surveys.ReleasedSurvey{
		Ref:   surveys.ReleaseRef{Survey: "s1", Revision: 1, Responses: n, Day: "2026-09-30"},
		Title: def.Title, Protected: p, NotAnswered: func(string) string { return "not answered" },
	}
}

// suppressedOption finds an option whose count the release suppresses,
// for everyone.
func suppressedOption(r surveys.Results) (question, option string) {
	for _, q := range r.Groups[0].Questions {
		for _, o := range q.Options {
			if o.Count.Suppressed {
				return q.ID, o.Code
			}
		}
	}
	return "", ""
}

// A citation is resolved from the release's tables exactly as analysts
// see them; what the release does not show is refused with the pointer
// of the field that asks for it.
func TestCiteReleasedNumbers(t *testing.T) {
	_, rs := released(t, 300)
	overall := rs.Protected.Results("en", "", "not answered")
	byAge := rs.Protected.Results("en", "age_band", "not answered")
	var youngest surveys.GroupResults
	for _, g := range byAge.Groups[1:] {
		if !g.Hidden {
			youngest = g
			break
		}
	}
	want := func(g surveys.GroupResults, q, o string) surveys.Count {
		for _, qr := range g.Questions {
			for _, x := range qr.Options {
				if qr.ID == q && x.Code == o {
					return x.Count
				}
			}
		}
		t.Fatalf("no %s/%s", q, o)
		return surveys.Count{}
	}
	langs := []string{"sv", "en", "ar"}
	for _, tc := range []struct {
		name  string
		c     surveys.Citation
		count surveys.Count
		err   string // pointer:code
	}{
		{"option for everyone", surveys.Citation{Survey: "s1", Question: "places_wanted", Option: "youth_centre"}, want(overall.Groups[0], "places_wanted", "youth_centre"), ""},
		{"option in an age band", surveys.Citation{Survey: "s1", Question: "places_wanted", By: "age_band", Group: youngest.Code, Option: "free_sports"},
			want(youngest, "places_wanted", "free_sports"), ""},
		{"unknown question", surveys.Citation{Survey: "s1", Question: "nope"}, surveys.Count{}, "/f/question:unknown_question"},
		{"unknown option", surveys.Citation{Survey: "s1", Question: "places_wanted", Option: "nope"}, surveys.Count{}, "/f/option:unknown_option"},
		{"not a breakdown", surveys.Citation{Survey: "s1", Question: "places_wanted", By: "occupation", Group: "work"}, surveys.Count{}, "/f/by:not_breakdown"},
		{"unknown group", surveys.Citation{Survey: "s1", Question: "places_wanted", By: "age_band", Group: "99"}, surveys.Count{}, "/f/group:unknown_option"},
		{"matrix without statement", surveys.Citation{Survey: "s1", Question: "school_matrix"}, surveys.Count{}, "/f/statement:required"},
		{"statement of a choice question", surveys.Citation{Survey: "s1", Question: "places_wanted", Statement: "x"}, surveys.Count{}, "/f/statement:not_applicable"},
		{"option of a text question", surveys.Citation{Survey: "s1", Question: "school_change", Option: "x"}, surveys.Count{}, "/f/option:not_applicable"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, fe := rs.Cite("/f", tc.c, langs)
			if tc.err != "" {
				if fe == nil || fe.Pointer+":"+string(fe.Code) != tc.err {
					t.Fatalf("got %+v, want %s", fe, tc.err)
				}
				return
			}
			if fe != nil {
				t.Fatalf("refused: %+v", fe)
			}
			if n.Count != *tc.count.N || (tc.count.Pct == nil) != (n.Pct == nil) || (n.Pct != nil && *n.Pct != *tc.count.Pct) {
				t.Fatalf("cited %d %v, release shows %+v", n.Count, n.Pct, tc.count)
			}
			if n.Release.Responses != 300 || n.Release.Day != "2026-09-30" {
				t.Fatalf("release %+v", n.Release)
			}
			for _, l := range langs {
				if n.QuestionText[l] == "" || n.OptionLabel[l] == "" || n.SurveyTitle[l] == "" {
					t.Fatalf("texts in %s missing: %+v", l, n)
				}
			}
			if tc.c.By != "" && (n.GroupLabel["ar"] == "" || n.ByText["sv"] == "") {
				t.Fatalf("group texts missing: %+v", n)
			}
		})
	}
	// The texts are the tables' own, in every language: an option, a
	// group, a scale point.
	for _, c := range []surveys.Citation{{Survey: "s1", Question: "places_wanted", By: "age_band", Group: youngest.Code, Option: "free_sports"},
		{Survey: "s1", Question: "wellbeing", Option: "1"}} {
		n, fe := rs.Cite("/f", c, langs)
		if fe != nil {
			t.Fatalf("%+v: %+v", c, fe)
		}
		for _, l := range langs {
			r := rs.Protected.Results(l, c.By, "not answered")
			g := r.Groups[0]
			for _, x := range r.Groups {
				if c.By != "" && x.Code == c.Group {
					g = x
					if n.GroupLabel[l] != x.Label {
						t.Errorf("%s: group %q, the tables say %q", l, n.GroupLabel[l], x.Label)
					}
				}
			}
			for _, q := range g.Questions {
				for _, o := range slices.Concat(q.Options, q.Bins) {
					if q.ID == c.Question && o.Code == c.Option && (o.Label != n.OptionLabel[l] || q.Text != n.QuestionText[l]) {
						t.Errorf("%s: %q / %q, the tables say %q / %q", l, n.QuestionText[l], n.OptionLabel[l], q.Text, o.Label)
					}
				}
			}
		}
	}
	// A matrix statement's point and a scale's mean.
	if n, fe := rs.Cite("/f", surveys.Citation{Survey: "s1", Question: "wellbeing"}, langs); fe != nil || n.Mean == nil || n.Count == 0 {
		t.Fatalf("scale answered and mean: %+v %+v", n, fe)
	}
}

// A suppressed count cannot be cited, and nothing of a release with fewer
// than k responses.
func TestCiteRefusesWhatIsNotShown(t *testing.T) {
	_, rs := released(t, 40)
	q, o := suppressedOption(rs.Protected.Results("en", "", ""))
	if q == "" {
		t.Fatal("no suppressed option in 40 responses: choose another seed")
	}
	if _, fe := rs.Cite("/f", surveys.Citation{Survey: "s1", Question: q, Option: o}, []string{"en"}); fe == nil || fe.Code != surveys.CodeSuppressedNumber || fe.Pointer != "/f/option" {
		t.Fatalf("suppressed %s/%s cited: %+v", q, o, fe)
	}
	_, few := released(t, 5)
	if _, fe := few.Cite("/f", surveys.Citation{Survey: "s1", Question: "places_wanted"}, []string{"en"}); fe == nil || fe.Code != surveys.CodeNotReleased {
		t.Fatalf("withheld release cited: %+v", fe)
	}
	// ResolveFindings names every bad citation, and a survey without a
	// release at all.
	shown := ""
	for _, qr := range rs.Protected.Results("en", "", "").Groups[0].Questions {
		if !qr.Answered.Suppressed && shown == "" {
			shown = qr.ID
		}
	}
	_, err := surveys.ResolveFindings("/findings", []surveys.FindingInput{{Text: surveys.Text{"en": "x"}, Cites: []surveys.Citation{
		{Survey: "s1", Question: q, Option: o}, {Survey: "s2", Question: "a"}, {Survey: "s1", Question: shown},
	}}}, map[string]*surveys.ReleasedSurvey{"s1": rs}, []string{"en"})
	var ve *surveys.ValidationError
	if !errors.As(err, &ve) || len(ve.Errors) != 2 || ve.Errors[0].Pointer != "/findings/0/cites/0/option" || ve.Errors[1].Pointer != "/findings/0/cites/1/survey" {
		t.Fatalf("ResolveFindings: %v", err)
	}
}

func consultationDef() *surveys.ConsultationDefinition {
	return &surveys.ConsultationDefinition{DefaultLanguage: "sv", Languages: []string{"sv", "en", "ar"}, Surveys: []string{"s1", "s2"}}
}

func all(s string) surveys.Text {
	return surveys.Text{"sv": s + " sv", "en": s + " en", "ar": s + " ar"}
}

func TestOutcomeValidation(t *testing.T) {
	good := func() surveys.OutcomeInput {
		return surveys.OutcomeInput{
			Findings: []surveys.FindingInput{{Text: all("f"), Cites: []surveys.Citation{{Survey: "s1", Question: "q"}}}},
			Decisions: []surveys.DecisionInput{{Proposal: all("p"), Status: surveys.DecisionAdopted, Reason: all("r"), DecidedBy: all("b"), DecidedOn: "2027-06-10"},
				{Proposal: all("p2"), Status: surveys.DecisionConsidering}},
		}
	}
	for _, tc := range []struct {
		name   string
		change func(*surveys.OutcomeInput)
		want   []string
	}{
		{"valid", func(*surveys.OutcomeInput) {}, nil},
		{"missing language", func(in *surveys.OutcomeInput) { delete(in.Findings[0].Text, "ar") }, []string{"/findings/0/text/ar:missing_translation"}},
		{"undeclared language", func(in *surveys.OutcomeInput) { in.Decisions[0].Reason["fi"] = "x" }, []string{"/decisions/0/reason/fi:undeclared_language"}},
		{"decided without a day", func(in *surveys.OutcomeInput) { in.Decisions[0].DecidedOn = "" }, []string{"/decisions/0/decided_on:required"}},
		{"bad day", func(in *surveys.OutcomeInput) { in.Decisions[0].DecidedOn = "10/6/2027" }, []string{"/decisions/0/decided_on:invalid"}},
		{"bad status", func(in *surveys.OutcomeInput) { in.Decisions[1].Status = "maybe" }, []string{"/decisions/1/status:invalid"}},
		{"decided without who", func(in *surveys.OutcomeInput) { in.Decisions[0].DecidedBy = nil }, []string{
			"/decisions/0/decided_by/sv:missing_translation", "/decisions/0/decided_by/en:missing_translation", "/decisions/0/decided_by/ar:missing_translation"}},
		{"survey not linked", func(in *surveys.OutcomeInput) { in.Findings[0].Cites[0].Survey = "s9" }, []string{"/findings/0/cites/0/survey:not_linked"}},
		{"by without group", func(in *surveys.OutcomeInput) { in.Findings[0].Cites[0].By = "age_band" }, []string{"/findings/0/cites/0/group:required"}},
		{"no citation", func(in *surveys.OutcomeInput) { in.Findings[0].Cites = nil }, []string{"/findings/0/cites:required"}},
		{"no decisions", func(in *surveys.OutcomeInput) { in.Decisions = nil }, []string{"/decisions:required"}},
		{"too long", func(in *surveys.OutcomeInput) { in.Summary = all(strings.Repeat("x", surveys.MaxDecisionText)) }, []string{
			"/summary/ar:too_long", "/summary/en:too_long", "/summary/sv:too_long"}},
		{"too many findings", func(in *surveys.OutcomeInput) {
			in.Findings = make([]surveys.FindingInput, surveys.MaxFindings+1)
		}, []string{"/findings:too_many"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := good()
			tc.change(&in)
			var got []string
			var ve *surveys.ValidationError
			if err := in.Validate(consultationDef()); errors.As(err, &ve) {
				for _, e := range ve.Errors {
					got = append(got, e.Pointer+":"+string(e.Code))
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if strings.Join(got, " ") != strings.Join(tc.want, " ") {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
}

// Updates append: the decisions as they stand follow the latest change,
// the published ones and the history stay as they were, and an update
// names only decisions that exist.
func TestOutcomeUpdatesAppend(t *testing.T) {
	at := time.Date(2027, 6, 20, 9, 0, 0, 0, time.UTC)
	c := &surveys.Consultation{ID: "c1", OrgID: "o", State: surveys.ConsultationDecided, Definition: *consultationDef()}
	in := &surveys.OutcomeInput{Decisions: []surveys.DecisionInput{{Proposal: all("p"), Status: surveys.DecisionConsidering}}}
	o := surveys.NewOutcome(c, in, nil, at)
	up := &surveys.OutcomeUpdateInput{Text: all("u"), Decisions: []surveys.DecisionChange{{Decision: 0, Status: surveys.DecisionAdopted,
		Reason: all("r"), DecidedBy: all("b"), DecidedOn: "2027-09-01"}}}
	if err := up.Validate(&c.Definition, o); err != nil {
		t.Fatal(err)
	}
	if err := o.Append(up, nil, at.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	if !o.Updates[0].At.Equal(at) {
		t.Fatalf("an update dated before the publication: %v", o.Updates[0].At)
	}
	if cur := o.Current(); cur[0].Status != surveys.DecisionAdopted || o.Decisions[0].Status != surveys.DecisionConsidering {
		t.Fatalf("current %+v, published %+v", cur, o.Decisions)
	}
	bad := &surveys.OutcomeUpdateInput{Text: all("u"), Decisions: []surveys.DecisionChange{{Decision: 1, Status: surveys.DecisionAdopted}, {Decision: 0, Status: surveys.DecisionConsidering}, {Decision: 0, Status: surveys.DecisionConsidering}}}
	var ve *surveys.ValidationError
	if err := bad.Validate(&c.Definition, o); !errors.As(err, &ve) || ve.Errors[0].Pointer != "/decisions/0/decision" || ve.Errors[0].Code != surveys.CodeUnknownDecision ||
		ve.Errors[len(ve.Errors)-1].Code != surveys.CodeDuplicate {
		t.Fatalf("bad update: %v", err)
	}
	for range surveys.MaxOutcomeUpdates - 1 {
		if err := o.Append(up, nil, at); err != nil {
			t.Fatal(err)
		}
	}
	if err := o.Append(up, nil, at); !errors.Is(err, surveys.ErrTooManyUpdates) {
		t.Fatalf("update %d: %v", surveys.MaxOutcomeUpdates+1, err)
	}
}

func TestLoopMeasures(t *testing.T) {
	day := func(s string) *time.Time {
		d, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return &d
	}
	now := *day("2027-08-01T12:00:00Z")
	decisions := []surveys.Decision{
		{Status: surveys.DecisionAdopted, Reason: all("r")},
		{Status: surveys.DecisionNotAdopted, Reason: all("r")},
		{Status: surveys.DecisionPartly},
		{Status: surveys.DecisionConsidering},
	}
	for _, tc := range []struct {
		name                   string
		c                      surveys.Consultation
		outcome                *time.Time
		toOutcome, waiting     int // -1: none
		decidedShare, reasonSh float64
		recommendations, ended int
	}{
		{"closed on the announced day, outcome 45 days later",
			surveys.Consultation{State: surveys.ConsultationDecided, Definition: surveys.ConsultationDefinition{ClosesAt: day("2027-03-31T21:59:00Z")},
				AnalysingAt: day("2027-04-02T08:00:00Z")}, day("2027-05-15T10:00:00Z"), 45, -1, 0.75, 0.5, 4, 1},
		{"moved to analysing before the announced close",
			surveys.Consultation{State: surveys.ConsultationAnalysing, Definition: surveys.ConsultationDefinition{ClosesAt: day("2027-03-31T21:59:00Z")},
				AnalysingAt: day("2027-03-20T08:00:00Z")}, day("2027-03-21T10:00:00Z"), 1, -1, 0.75, 0.5, 4, 1},
		{"no outcome yet: days waiting",
			surveys.Consultation{State: surveys.ConsultationAnalysing, Definition: surveys.ConsultationDefinition{ClosesAt: day("2027-07-01T21:59:00Z")},
				AnalysingAt: day("2027-07-02T08:00:00Z")}, nil, -1, 31, 0, 0, 0, 1},
		{"still open", surveys.Consultation{State: surveys.ConsultationOpen, Definition: surveys.ConsultationDefinition{ClosesAt: day("2027-09-01T21:59:00Z")}},
			nil, -1, -1, 0, 0, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var o *surveys.Outcome
			if tc.outcome != nil {
				o = &surveys.Outcome{PublishedAt: *tc.outcome, Decisions: decisions}
			}
			m := surveys.Measure(&tc.c, o, now)
			opt := func(p *int) int {
				if p == nil {
					return -1
				}
				return *p
			}
			if opt(m.DaysToOutcome) != tc.toOutcome || opt(m.DaysWaiting) != tc.waiting || m.Recommendations != tc.recommendations || (m.EndedAt != nil) != (tc.ended == 1) {
				t.Fatalf("%+v", m)
			}
			if tc.recommendations > 0 && (*m.DecidedShare != tc.decidedShare || *m.ReasonShare != tc.reasonSh || m.Decided != 3 || m.WithReason != 2) {
				t.Fatalf("shares %+v", m)
			}
		})
	}
}

// An outcome is bounded as stored: one whose citations' texts would
// outgrow MaxOutcomeBytes is refused before it is saved.
func TestOutcomeSizeBounded(t *testing.T) {
	long := strings.Repeat("ord ", surveys.MaxDecisionText/4)
	cite := surveys.CitedNumber{QuestionText: surveys.Text{}, SurveyTitle: surveys.Text{}}
	for _, l := range []string{"sv", "en", "ar", "fi", "so", "uk", "es", "de", "fr", "it"} {
		cite.QuestionText[l], cite.SurveyTitle[l] = long, long
	}
	o := &surveys.Outcome{Findings: []surveys.Finding{{Text: all("f"), Cites: []surveys.CitedNumber{cite}}}}
	if err := o.CheckSize(); err != nil {
		t.Fatalf("a small outcome: %v", err)
	}
	for len(o.Findings) < surveys.MaxOutcomeBytes/(20*len(long)) {
		o.Findings = append(o.Findings, o.Findings[0])
	}
	o.Findings = append(o.Findings, o.Findings[:10]...)
	if err := o.CheckSize(); !errors.Is(err, surveys.ErrOutcomeTooLarge) {
		t.Fatalf("%d findings: %v", len(o.Findings), err)
	}
}
