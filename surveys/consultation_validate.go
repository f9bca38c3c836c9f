package surveys

import (
	"regexp"
	"time"
)

// Field codes of consultation problems; each has a message "field.<code>".
const (
	// CodeDecisionBeforeClose: the decision is expected before young
	// people can finish taking part.
	CodeDecisionBeforeClose Code = "decision_before_close"
	// CodeUnknownSurvey: no survey of the organisation has this id.
	CodeUnknownSurvey Code = "unknown_survey"
	// CodeSurveyNotPublished: a linked survey is still a draft, so young
	// people could not take part in it.
	CodeSurveyNotPublished Code = "survey_not_published"
	// CodeMarkdownNesting: a line nests more quotes and lists than the
	// information pages allow.
	CodeMarkdownNesting Code = "markdown_nesting"
	// CodeMarkdownLinks: an information page has more links than it may
	// (rendering time grows with their number).
	CodeMarkdownLinks Code = "markdown_links"
)

// surveyIDPattern is what a survey id may be made of (a UUID's characters).
var surveyIDPattern = regexp.MustCompile(`^[A-Za-z0-9-]{1,64}$`)

// Validate checks a consultation definition's structure, as a survey
// definition's Validate does (the same language rules, canonical codes
// written back, the same audience rules): everything but whether every
// text is in every language (Complete). It returns a *ValidationError
// with a pointer per problem, or nil. Whether the surveys exist and belong
// to the organisation is the application's check (it needs the store).
func (d *ConsultationDefinition) Validate() error {
	// The survey validator's language, text and audience checks, on a
	// definition that shares the consultation's languages and audience.
	v := validator{d: &Definition{DefaultLanguage: d.DefaultLanguage, Languages: d.Languages, Audience: d.Audience}}
	v.langs, v.badLangs, v.ids = map[string]bool{}, map[string]bool{}, map[string]bool{}
	v.languages()
	d.DefaultLanguage = v.d.DefaultLanguage // canonical case
	v.canonicalKeys("/title", d.Title)
	if d.Title[d.DefaultLanguage] == "" && d.DefaultLanguage != "" {
		v.p.add(Pointer("title", d.DefaultLanguage), CodeRequired, nil)
	}
	v.text("/title", d.Title, MaxTextLength)
	v.text("/summary", d.Summary, MaxSummaryLength)
	v.text("/background", d.Background, MaxMarkdownLength)
	v.text("/question", d.Question, MaxTextLength)
	v.text("/decision_maker", d.DecisionMaker, MaxTextLength)
	v.audience()
	d.easy(&v)
	d.timeline(&v.p)
	d.surveyIDs(&v.p)
	d.participation(&v.p)
	return v.p.err()
}

func (d *ConsultationDefinition) easy(v *validator) {
	e := d.Easy
	if e == nil {
		return
	}
	a := d.Audience
	lo, hi := max(a.MinAge, 1), 120
	if a.MaxAge > 0 {
		hi = a.MaxAge
	}
	if e.MaxAge < lo || e.MaxAge > hi {
		v.p.add("/easy/max_age", CodeOutOfRange, map[string]any{"Min": lo, "Max": hi})
	}
	v.text("/easy/summary", e.Summary, MaxSummaryLength)
	v.text("/easy/background", e.Background, MaxMarkdownLength)
	if len(e.Summary) == 0 && len(e.Background) == 0 {
		v.p.add("/easy/summary", CodeRequired, nil)
	}
}

// timeline checks the dates' order: opens before closes, and the decision
// not expected before young people have finished taking part.
func (d *ConsultationDefinition) timeline(p *problems) {
	if d.OpensAt != nil && d.ClosesAt != nil && !d.ClosesAt.After(*d.OpensAt) {
		p.add("/closes_at", CodeWindow, nil)
	}
	last := d.ClosesAt
	if last == nil {
		last = d.OpensAt
	}
	if d.DecisionExpectedBy != nil && last != nil && d.DecisionExpectedBy.Before(*last) {
		p.add("/decision_expected_by", CodeDecisionBeforeClose, nil)
	}
	dates := []struct {
		ptr string
		t   *time.Time
	}{{"/opens_at", d.OpensAt}, {"/closes_at", d.ClosesAt}, {"/decision_expected_by", d.DecisionExpectedBy}}
	for _, x := range dates {
		if x.t != nil && (x.t.Year() < 2000 || x.t.Year() > 2200) {
			p.add(x.ptr, CodeOutOfRange, map[string]any{"Min": 2000, "Max": 2200})
		}
	}
}

// surveyIDs checks the linked surveys' ids: well formed, each once, at
// most MaxConsultationSurveys.
func (d *ConsultationDefinition) surveyIDs(p *problems) {
	if len(d.Surveys) > MaxConsultationSurveys {
		p.add("/surveys", CodeTooMany, map[string]any{"Max": MaxConsultationSurveys})
		return
	}
	seen := map[string]bool{}
	for i, id := range d.Surveys {
		switch {
		case !surveyIDPattern.MatchString(id):
			p.add(Pointer("surveys", i), CodeInvalid, nil)
		case seen[id]:
			p.add(Pointer("surveys", i), CodeDuplicate, nil)
		}
		seen[id] = true
	}
}

// Complete checks that the definition is valid and ready for young
// people: every text in every declared language (the easy version's too,
// when there is one), at least one survey, and the closing and decision
// dates.
func (d *ConsultationDefinition) Complete() error {
	if err := d.Validate(); err != nil {
		return err
	}
	var p problems
	for _, m := range d.MissingTranslations() {
		p.add(m.Pointer, CodeMissingTranslation, map[string]any{"Language": m.Language})
	}
	if len(d.Surveys) == 0 {
		p.add("/surveys", CodeRequired, nil)
	}
	if d.ClosesAt == nil {
		p.add("/closes_at", CodeRequired, nil)
	}
	if d.DecisionExpectedBy == nil {
		p.add("/decision_expected_by", CodeRequired, nil)
	}
	return p.err()
}

// MissingTranslations lists every text that lacks a declared language.
// The title, summary, background, question and decision maker are
// required; the easy version's texts, when given in any language, in
// every one.
func (d *ConsultationDefinition) MissingTranslations() []MissingText {
	var out []MissingText
	check := func(ptr string, t Text, required bool) {
		if !required && len(t) == 0 {
			return
		}
		for _, l := range d.Languages {
			if t[l] == "" {
				out = append(out, MissingText{Pointer: ptr + Pointer(l), Language: l})
			}
		}
	}
	check("/title", d.Title, true)
	check("/summary", d.Summary, true)
	check("/background", d.Background, true)
	check("/question", d.Question, true)
	check("/decision_maker", d.DecisionMaker, true)
	if d.Easy != nil {
		check("/easy/summary", d.Easy.Summary, false)
		check("/easy/background", d.Easy.Background, false)
	}
	return out
}

// MarkdownTexts calls fn for every Markdown text of the definition (the
// information pages, in every language) with its pointer, so that the
// application checks them with the renderer, which this package does not
// import.
func (d *ConsultationDefinition) MarkdownTexts(fn func(ptr, markdown string)) {
	each := func(ptr string, t Text) {
		for _, l := range d.Languages {
			if s, ok := t[l]; ok {
				fn(ptr+Pointer(l), s)
			}
		}
	}
	each("/background", d.Background)
	if d.Easy != nil {
		each("/easy/background", d.Easy.Background)
	}
}
