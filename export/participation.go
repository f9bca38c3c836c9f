package export

import (
	"strconv"
	"time"

	"github.com/youthvoice/youthvoice/i18n"
	"github.com/youthvoice/youthvoice/surveys"
)

// The participation report of a consultation (docs/consultations.md,
// "Participation report"), for a ministry's action plan: how many young
// people took part in each linked survey, by age band and region, in the
// numbers of its current release after disclosure control (a hidden
// group is shown as hidden, a suppressed count as suppressed); the key
// findings with the numbers stored when they were published; the
// decisions and their reasons, with their history; and the timeline.
// Counts stay per survey: a young person may have answered more than one
// survey, so they are never added up as if they were people. One model,
// built here in one language; the PDF (participation_pdf.go) and the
// XLSX (participation_xlsx.go) print it.

// Participation is the participation report in one language.
type Participation struct {
	ConsultationID string
	Title          string
	Lang           string
	Dir            string
	Question       string
	DecisionMaker  string
	State          string
	// Day is the UTC day the report's content last changed (the outcome's
	// last change, else the consultation's): the same content gives the
	// same file.
	Day       string
	Surveys   []ParticipationSurvey
	Findings  []ParticipationFinding
	Decisions []ParticipationDecision
	Updates   []ParticipationUpdate
	Timeline  []ParticipationEvent
	// Notes say how the numbers were counted and protected.
	Notes  []string
	Labels ParticipationLabels
}

// ParticipationSurvey is one linked survey's participation.
type ParticipationSurvey struct {
	ID    string
	Title string
	// Withheld: no release with numbers yet.
	Withheld bool
	Released string // the release's day
	Final    bool
	K        int
	// Responses is the number of responses in the release.
	Responses int
	AgeBand   *ParticipationBreakdown
	Region    *ParticipationBreakdown
}

// ParticipationBreakdown is a survey's participation by one breakdown
// question, group by group, as released.
type ParticipationBreakdown struct {
	Question string
	Groups   []ParticipationGroup
}

// ParticipationGroup is one group's released count.
type ParticipationGroup struct {
	Label  string
	Hidden bool
	Count  surveys.Count
}

// ParticipationFinding is a published finding with its numbers as stored.
type ParticipationFinding struct {
	Text  string
	Cites []ParticipationCite
}

// ParticipationCite is one cited number, as published.
type ParticipationCite struct {
	Survey   string
	Question string
	// Group names the breakdown group ("" for everyone), Option the
	// option cited ("" for those who answered).
	Group    string
	Option   string
	Count    int
	Pct      *float64
	Of       *int
	Mean     *float64
	Released string // the release's day
	N        int    // responses in that release
}

// ParticipationDecision is a decision as it stands, with its history.
type ParticipationDecision struct {
	Proposal  string
	Status    string
	Reason    string
	DecidedBy string
	DecidedOn string
	Next      string
}

// ParticipationUpdate is an update of the outcome.
type ParticipationUpdate struct {
	Day     string
	Text    string
	Changes []string // "proposal – status", in order
}

// ParticipationEvent is a line of the timeline.
type ParticipationEvent struct {
	Label string
	Day   string
}

// ParticipationLabels are the words the report prints.
type ParticipationLabels struct {
	Report, Question, DecisionMaker, State       string
	TakingPart, Survey, Responses, Released      string
	AgeBand, Region, Group, Count, Percent       string
	Suppressed, Hidden, NotReleased, Final       string
	Findings, Cited, Decisions, Proposal, Status string
	Reason, DecidedBy, DecidedOn, Next, Updates  string
	Timeline, NoOutcome, Method, Mean, Of        string
	// SurveyQuestion and Option head the findings' columns.
	SurveyQuestion, Option string
}

// ParticipationSource is what the report is made of: the consultation,
// its outcome (nil: none yet), and the current release of each linked
// survey (in the consultation's order; Protected nil for a survey
// without one).
type ParticipationSource struct {
	Consultation *surveys.Consultation
	Outcome      *surveys.Outcome
	Releases     []Release
}

// BuildParticipation makes the report in lang (a language of the
// consultation) with the words of the server language uiLang.
func BuildParticipation(src ParticipationSource, lang, uiLang string, cat *i18n.Catalog) *Participation {
	m := func(id string) string { return cat.Message(uiLang, id, nil) }
	c := src.Consultation
	d := &c.Definition
	p := &Participation{
		ConsultationID: c.ID, Title: d.Text(d.Title, lang), Lang: lang, Dir: i18n.Direction(lang),
		Question: d.Text(d.Question, lang), DecisionMaker: d.Text(d.DecisionMaker, lang),
		State: m("consultation.state." + string(c.State)), Day: c.UpdatedAt.UTC().Format(time.DateOnly),
		Labels: participationLabels(m),
	}
	notAnswered := m("text.not_answered")
	for _, r := range src.Releases {
		p.Surveys = append(p.Surveys, participationSurvey(r, d.ParticipationOf(r.SurveyID), lang, notAnswered))
	}
	if o := src.Outcome; o != nil {
		p.Day = o.LastAt().UTC().Format(time.DateOnly)
		p.outcome(o, d, lang, m)
	}
	p.timeline(c, src.Outcome, m)
	k := 0
	for _, s := range p.Surveys {
		k = max(k, s.K)
	}
	p.Notes = []string{m("participation.note.per_survey"), cat.Message(uiLang, "participation.note.disclosure", map[string]any{"K": k})}
	return p
}

func participationLabels(m func(string) string) ParticipationLabels {
	return ParticipationLabels{
		Report: m("participation.report"), Question: m("participation.question"), DecisionMaker: m("participation.decision_maker"),
		State: m("participation.state"), TakingPart: m("participation.taking_part"), Survey: m("participation.survey"),
		Responses: m("participation.responses"), Released: m("export.released"), AgeBand: m("participation.age_band"),
		Region: m("participation.region"), Group: m("export.group"), Count: m("export.count"), Percent: m("export.percent"),
		Suppressed: m("export.suppressed"), Hidden: m("export.hidden"), NotReleased: m("participation.not_released"),
		Final: m("export.final"), Findings: m("participation.findings"), Cited: m("participation.cited"),
		Decisions: m("participation.decisions"), Proposal: m("participation.proposal"), Status: m("participation.status"),
		Reason: m("participation.reason"), DecidedBy: m("participation.decided_by"), DecidedOn: m("participation.decided_on"),
		Next: m("participation.next"), Updates: m("participation.updates"), Timeline: m("participation.timeline"),
		NoOutcome: m("participation.no_outcome"), Method: m("export.method"), Mean: m("export.mean"), Of: m("participation.of"),
		SurveyQuestion: m("export.question"), Option: m("export.option"),
	}
}

// participationSurvey is one survey's participation from its release.
func participationSurvey(r Release, link surveys.ParticipationLink, lang, notAnswered string) ParticipationSurvey {
	s := ParticipationSurvey{ID: r.SurveyID, Withheld: true}
	if r.Def != nil {
		s.Title = r.Def.Title.In(lang, r.Def.DefaultLanguage)
	}
	if r.Protected == nil || r.N == 0 || r.Day == "" {
		return s
	}
	s.Released, s.Final, s.K = r.Day, r.Final, r.K
	overall := r.Protected.Results(lang, "", notAnswered)
	if overall.Withheld || overall.N == nil || overall.N.N == nil {
		return s
	}
	s.Withheld, s.Responses = false, *overall.N.N
	by := func(id string) *ParticipationBreakdown {
		if id == "" || r.Def.Question(id) == nil {
			return nil
		}
		res := r.Protected.Results(lang, id, notAnswered)
		if res.By != id {
			return nil // not a breakdown of this release
		}
		b := &ParticipationBreakdown{Question: r.Def.Question(id).Text.In(lang, r.Def.DefaultLanguage)}
		for _, g := range res.Groups[1:] {
			pg := ParticipationGroup{Label: g.Label, Hidden: g.Hidden}
			if g.N != nil {
				pg.Count = *g.N
			}
			b.Groups = append(b.Groups, pg)
		}
		return b
	}
	s.AgeBand, s.Region = by(link.AgeBand), by(link.Region)
	return s
}

// outcome adds the findings, the decisions as they stand and the updates.
func (p *Participation) outcome(o *surveys.Outcome, d *surveys.ConsultationDefinition, lang string, m func(string) string) {
	in := func(t surveys.Text) string { return t.In(lang, d.DefaultLanguage) }
	for _, f := range o.AllFindings() {
		pf := ParticipationFinding{Text: in(f.Text)}
		for _, c := range f.Cites {
			pc := ParticipationCite{Survey: in(c.SurveyTitle), Question: in(c.QuestionText), Count: c.Count, Pct: c.Pct, Of: c.Of,
				Mean: c.Mean, Released: c.Release.Day, N: c.Release.Responses}
			if c.By != "" {
				pc.Group = in(c.GroupLabel)
			}
			if c.Statement != "" {
				pc.Question += ": " + in(c.StatementLabel)
			}
			if c.Option != "" {
				pc.Option = in(c.OptionLabel)
			}
			pf.Cites = append(pf.Cites, pc)
		}
		p.Findings = append(p.Findings, pf)
	}
	status := func(s surveys.DecisionStatus) string { return m("decision.status." + string(s)) }
	for _, x := range o.Current() {
		p.Decisions = append(p.Decisions, ParticipationDecision{Proposal: in(x.Proposal), Status: status(x.Status),
			Reason: in(x.Reason), DecidedBy: in(x.DecidedBy), DecidedOn: x.DecidedOn, Next: in(x.Next)})
	}
	for _, u := range o.Updates {
		pu := ParticipationUpdate{Day: u.At.UTC().Format(time.DateOnly), Text: in(u.Text)}
		for _, ch := range u.Decisions {
			if ch.Decision >= 0 && ch.Decision < len(o.Decisions) {
				pu.Changes = append(pu.Changes, in(o.Decisions[ch.Decision].Proposal)+" – "+status(ch.Status))
			}
		}
		p.Updates = append(p.Updates, pu)
	}
}

// timeline lists the dates announced and the steps taken, in order.
func (p *Participation) timeline(c *surveys.Consultation, o *surveys.Outcome, m func(string) string) {
	d := &c.Definition
	add := func(id string, t *time.Time) {
		if t != nil {
			p.Timeline = append(p.Timeline, ParticipationEvent{Label: m(id), Day: t.UTC().Format(time.DateOnly)})
		}
	}
	add("participation.timeline.opens", d.OpensAt)
	add("participation.timeline.closes", d.ClosesAt)
	add("participation.timeline.decision_expected", d.DecisionExpectedBy)
	add("participation.timeline.opened", c.OpenedAt)
	add("participation.timeline.analysing", c.AnalysingAt)
	add("participation.timeline.decided", c.DecidedAt)
	add("participation.timeline.closed", c.ClosedAt)
	if o != nil {
		at := o.PublishedAt
		add("participation.timeline.outcome", &at)
		for _, u := range o.Updates {
			add("participation.timeline.update", &u.At)
		}
	}
}

// citeText is a cited number as a sentence part: "12 (34.5%) of 35",
// "35", with the mean when there is one.
func citeText(c ParticipationCite, l *ParticipationLabels, num func(float64, int) string) string {
	s := strconv.Itoa(c.Count)
	if c.Pct != nil {
		s += " (" + num(*c.Pct, 1) + "%)"
	}
	if c.Of != nil {
		s += " " + l.Of + " " + strconv.Itoa(*c.Of)
	}
	if c.Mean != nil {
		s += "; " + l.Mean + " " + num(*c.Mean, 2)
	}
	return s
}
