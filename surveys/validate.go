package surveys

import (
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/language"
)

// Field codes of definition problems; each has a message "field.<code>".
const (
	CodeRequired           Code = "required"
	CodeInvalid            Code = "invalid"
	CodeInvalidID          Code = "invalid_id"
	CodeInvalidCode        Code = "invalid_code"
	CodeDuplicate          Code = "duplicate"
	CodeTooMany            Code = "too_many"
	CodeTooLong            Code = "too_long"
	CodeOutOfRange         Code = "out_of_range"
	CodeUnknownLanguage    Code = "unknown_language"
	CodeUndeclaredLanguage Code = "undeclared_language"
	CodeMissingTranslation Code = "missing_translation"
	CodeUnknownType        Code = "unknown_type"
	CodeNotApplicable      Code = "not_applicable"
	CodeUnknownQuestion    Code = "unknown_question"
	CodeNotBreakdown       Code = "not_breakdown"
	CodeNoBreakdowns       Code = "no_breakdowns"
	CodeLaterQuestion      Code = "later_question"
	CodeUnknownOption      Code = "unknown_option"
	CodeBadCondition       Code = "bad_condition"
	CodeOperatorNotAllowed Code = "operator_not_allowed"
	CodeSensitiveRequired  Code = "sensitive_required"
	CodeBreakdownType      Code = "breakdown_type"
	CodeThresholdTooLow    Code = "threshold_too_low"
	CodeWindow             Code = "window"
	CodeInvalidType        Code = "invalid_type"
	CodeInvalidCountry     Code = "invalid_country"
	CodeUnknownField       Code = "unknown_field"
	CodeTooManyBreakdowns  Code = "too_many_breakdowns"
	CodeBreakdownOptions   Code = "breakdown_options"
	CodeSummaryTooLarge    Code = "summary_too_large"
)

var (
	idPattern   = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)
	codePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,31}$`)
	countryCode = regexp.MustCompile(`^[A-Z]{2}$`)
	regionCode  = regexp.MustCompile(`^[A-Za-z0-9-]{1,16}$`)
)

// Validate checks a definition's structure: everything except whether every
// text is translated into every declared language (a draft may lack
// translations; see MissingTranslations). It returns a *ValidationError
// listing every problem with a JSON pointer, or nil.
//
// It first writes every language code in its canonical case
// (CanonicalLanguage: "SO" is "so"): the declared languages, the default
// one and the keys of every text, so that what is stored and looked up is
// one form. Two keys of one text that are the same language ("so" and
// "SO") are a duplicate. A declared code that is not a language is
// reported once, where it is declared; the texts keyed by it are not
// reported again.
func (d *Definition) Validate() error {
	v := validator{d: d, seen: map[string]*Question{}}
	v.definition()
	return v.p.err()
}

// Complete checks that the definition is valid and fully translated, as
// publishing requires.
func (d *Definition) Complete() error {
	if err := d.Validate(); err != nil {
		return err
	}
	var p problems
	for _, m := range d.MissingTranslations() {
		p.add(m.Pointer, CodeMissingTranslation, map[string]any{"Language": m.Language})
	}
	return p.err()
}

type validator struct {
	d     *Definition
	p     problems
	langs map[string]bool
	// badLangs are the declared codes that are not languages, reported
	// at /languages: texts keyed by them are not reported again.
	badLangs map[string]bool
	seen     map[string]*Question // questions so far, for show_if
	ids      map[string]bool
	// breakdowns counts the breakdown questions so far, tests the
	// show_if tests.
	breakdowns, tests int
	// oversized is set when a question has more options, statements or
	// points than allowed, so its size is not worth counting.
	oversized bool
}

func (v *validator) definition() {
	v.langs = map[string]bool{}
	v.badLangs = map[string]bool{}
	v.ids = map[string]bool{}
	v.languages()
	v.texts()
	v.settings()
	v.audience()
	v.support()
	v.sensitive()
	// The size of the summary is worth reporting only when every question
	// is within its own limits (and then it cannot overflow), and when
	// every question was looked at.
	if v.sections() && !v.oversized {
		if cells := v.d.SummaryCells(); cells > MaxSummaryCells {
			v.p.add("/sections", CodeSummaryTooLarge, map[string]any{"Cells": cells, "Max": MaxSummaryCells})
		}
	}
}

// languages checks the declared languages and the default one, and
// records the declared ones for the texts.
func (v *validator) languages() {
	d := v.d
	switch {
	case len(d.Languages) == 0:
		v.p.add("/languages", CodeRequired, nil)
	case len(d.Languages) > MaxLanguages:
		v.p.add("/languages", CodeTooMany, map[string]any{"Max": MaxLanguages})
	}
	for i := range d.Languages {
		// Written only when it changes: a stored definition, which may be
		// read concurrently, is canonical already and stays untouched.
		l := CanonicalLanguage(d.Languages[i])
		if l != d.Languages[i] {
			d.Languages[i] = l
		}
		if !validLanguage(l) {
			v.p.add(Pointer("languages", i), CodeUnknownLanguage, map[string]any{"Language": l})
			v.badLangs[l] = true
			continue
		}
		if v.langs[l] {
			v.p.add(Pointer("languages", i), CodeDuplicate, nil)
		}
		v.langs[l] = true
	}
	if l := CanonicalLanguage(d.DefaultLanguage); l != d.DefaultLanguage {
		d.DefaultLanguage = l
	}
	switch {
	case d.DefaultLanguage == "":
		v.p.add("/default_language", CodeRequired, nil)
	case v.badLangs[d.DefaultLanguage]: // reported at /languages
	case !v.langs[d.DefaultLanguage]:
		v.p.add("/default_language", CodeUndeclaredLanguage, map[string]any{"Language": d.DefaultLanguage})
	}
}

// texts checks the survey's own texts; a title in the default language is
// required.
func (v *validator) texts() {
	d := v.d
	v.canonicalKeys("/title", d.Title)
	if d.Title[d.DefaultLanguage] == "" {
		v.p.add(Pointer("title", d.DefaultLanguage), CodeRequired, nil)
	}
	v.text("/title", d.Title, MaxTextLength)
	v.text("/description", d.Description, MaxLongTextLength)
	v.text("/introduction", d.Introduction, MaxLongTextLength)
	v.text("/thank_you", d.ThankYou, MaxTextLength)
	v.text("/content_note", d.ContentNote, MaxLongTextLength)
}

// settings checks the estimated time, the threshold k and the window.
func (v *validator) settings() {
	d := v.d
	if d.EstimatedMinutes < 0 || d.EstimatedMinutes > 240 {
		v.p.add("/estimated_minutes", CodeOutOfRange, map[string]any{"Min": 0, "Max": 240})
	}
	if d.K != 0 && d.K < MinK {
		v.p.add("/k", CodeThresholdTooLow, map[string]any{"Min": MinK})
	}
	if d.K > 1000 {
		v.p.add("/k", CodeOutOfRange, map[string]any{"Min": MinK, "Max": 1000})
	}
	if d.OpensAt != nil && d.ClosesAt != nil && !d.ClosesAt.After(*d.OpensAt) {
		v.p.add("/closes_at", CodeWindow, nil)
	}
}

// sensitive checks what a sensitive survey must have: a content note and
// somewhere to get help.
func (v *validator) sensitive() {
	d := v.d
	if d.Sensitive && len(d.ContentNote) == 0 {
		v.p.add("/content_note", CodeRequired, nil)
	}
	if d.Sensitive && len(d.SupportResources) == 0 {
		v.p.add("/support_resources", CodeRequired, nil)
	}
}

// sections checks the sections and their questions, in order (a show_if
// may only look back). It reports false when it stopped early, at too
// many sections or questions.
func (v *validator) sections() bool {
	d := v.d
	switch {
	case len(d.Sections) == 0:
		v.p.add("/sections", CodeRequired, nil)
	case len(d.Sections) > MaxSections:
		v.p.add("/sections", CodeTooMany, map[string]any{"Max": MaxSections})
		return false
	}
	count := 0
	for si := range d.Sections {
		s := &d.Sections[si]
		sp := Pointer("sections", si)
		v.id(sp+"/id", s.ID)
		v.text(sp+"/title", s.Title, MaxTextLength)
		if len(s.Questions) == 0 {
			v.p.add(sp+"/questions", CodeRequired, nil)
		}
		for qi := range s.Questions {
			count++
			if count > MaxQuestions {
				v.p.add(sp+"/questions", CodeTooMany, map[string]any{"Max": MaxQuestions})
				return false
			}
			q := &s.Questions[qi]
			v.question(Pointer("sections", si, "questions", qi), q)
			if q.ID != "" {
				v.seen[q.ID] = q
			}
		}
	}
	return true
}

// CheckBreakdown says whether the results can be broken down by question
// id, as a problem at pointer (the query parameter): no such question
// (unknown_question), or a question that exists but is not a breakdown
// question (not_breakdown, naming those that are; no_breakdowns when the
// survey has none). nil when it can.
func (d *Definition) CheckBreakdown(pointer, id string) error {
	q := d.Question(id)
	if q == nil {
		return &ValidationError{Errors: []FieldError{{Pointer: pointer, Code: CodeUnknownQuestion}}}
	}
	if q.Breakdown {
		return nil
	}
	var dims []string
	for _, b := range d.Questions() {
		if b.Breakdown {
			dims = append(dims, b.ID)
		}
	}
	if len(dims) == 0 {
		return &ValidationError{Errors: []FieldError{{Pointer: pointer, Code: CodeNoBreakdowns, Params: map[string]any{"Question": id}}}}
	}
	return &ValidationError{Errors: []FieldError{{Pointer: pointer, Code: CodeNotBreakdown,
		Params: map[string]any{"Question": id, "Breakdowns": strings.Join(dims, ", ")}}}}
}

func validLanguage(l string) bool {
	t, err := language.Parse(l)
	return err == nil && t.String() == l && len(l) <= 16
}

func (v *validator) id(ptr, id string) {
	switch {
	case id == "":
		v.p.add(ptr, CodeRequired, nil)
	case !idPattern.MatchString(id):
		v.p.add(ptr, CodeInvalidID, nil)
	case v.ids[id]:
		v.p.add(ptr, CodeDuplicate, nil)
	default:
		v.ids[id] = true
	}
}

// text checks one localized text: only declared languages, within size.
// Whether every language is present is MissingTranslations' job.
func (v *validator) text(ptr string, t Text, longest int) {
	v.canonicalKeys(ptr, t)
	for lang, s := range t {
		p := ptr + Pointer(lang)
		if !v.langs[lang] {
			if !v.badLangs[lang] {
				v.p.add(p, CodeUndeclaredLanguage, map[string]any{"Language": lang})
			}
			continue
		}
		if utf8.RuneCountInString(s) > longest {
			v.p.add(p, CodeTooLong, map[string]any{"Max": longest})
		}
	}
}

// canonicalKeys keys a text by its languages' canonical codes ("SO"
// becomes "so"); a key that is the same language as another ("SO" beside
// "so") is a duplicate, reported and dropped.
func (v *validator) canonicalKeys(ptr string, t Text) { canonicalKeys(&v.p, ptr, t) }

func canonicalKeys(p *problems, ptr string, t Text) {
	var keys []string
	for k := range t {
		if CanonicalLanguage(k) != k {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys) // problems in the same order every time
	for _, k := range keys {
		c := CanonicalLanguage(k)
		if _, taken := t[c]; taken {
			p.add(ptr+Pointer(k), CodeDuplicate, nil)
		} else {
			t[c] = t[k]
		}
		delete(t, k)
	}
}

func (v *validator) audience() {
	a := v.d.Audience
	if a.MinAge < 0 || a.MinAge > 120 {
		v.p.add("/audience/min_age", CodeOutOfRange, map[string]any{"Min": 0, "Max": 120})
	}
	if a.MaxAge < 0 || a.MaxAge > 120 || (a.MaxAge != 0 && a.MaxAge < a.MinAge) {
		v.p.add("/audience/max_age", CodeOutOfRange, map[string]any{"Min": a.MinAge, "Max": 120})
	}
	if len(a.Regions) > 100 {
		v.p.add("/audience/regions", CodeTooMany, map[string]any{"Max": 100})
	}
	for i, r := range a.Regions {
		if !regionCode.MatchString(r) {
			v.p.add(Pointer("audience", "regions", i), CodeInvalid, nil)
		}
	}
}

func (v *validator) support() {
	if len(v.d.SupportResources) > MaxSupportResources {
		v.p.add("/support_resources", CodeTooMany, map[string]any{"Max": MaxSupportResources})
		return
	}
	for i, r := range v.d.SupportResources {
		validateSupportResource(&v.p, Pointer("support_resources", i), r)
		v.text(Pointer("support_resources", i, "name"), r.Name, MaxTextLength)
		v.text(Pointer("support_resources", i, "hours"), r.Hours, MaxTextLength)
	}
}

// validateSupportResource checks the fields of a support resource that do
// not depend on a survey's languages.
func validateSupportResource(p *problems, ptr string, r SupportResource) {
	if !countryCode.MatchString(r.Country) {
		p.add(ptr+"/country", CodeInvalidCountry, nil)
	}
	if len(r.Name) == 0 {
		p.add(ptr+"/name", CodeRequired, nil)
	}
	if r.Phone == "" && r.URL == "" {
		p.add(ptr+"/phone", CodeRequired, nil)
	}
	if len(r.Phone) > 40 {
		p.add(ptr+"/phone", CodeTooLong, map[string]any{"Max": 40})
	}
	if len(r.URL) > 500 || (r.URL != "" && !httpURL.MatchString(r.URL)) {
		p.add(ptr+"/url", CodeInvalid, nil)
	}
}

var httpURL = regexp.MustCompile(`^https?://[^\s/$.?#][^\s]*$`)

// ValidateSupportResources checks an organisation's default support
// resources (no survey languages apply). It writes their texts' language
// codes in canonical case, as Validate does a survey's.
func ValidateSupportResources(rs []SupportResource) error {
	var p problems
	if len(rs) > MaxSupportResources {
		p.add("", CodeTooMany, map[string]any{"Max": MaxSupportResources})
	}
	for i, r := range rs {
		canonicalKeys(&p, Pointer(i, "name"), r.Name)
		canonicalKeys(&p, Pointer(i, "hours"), r.Hours)
		validateSupportResource(&p, Pointer(i), r)
		for lang := range r.Name {
			if !validLanguage(lang) {
				p.add(Pointer(i, "name", lang), CodeUnknownLanguage, map[string]any{"Language": lang})
			}
		}
	}
	return p.err()
}

func (v *validator) question(ptr string, q *Question) {
	v.id(ptr+"/id", q.ID)
	if len(q.Text) == 0 {
		v.p.add(ptr+"/text", CodeRequired, nil)
	}
	v.text(ptr+"/text", q.Text, MaxTextLength)
	v.text(ptr+"/help", q.Help, MaxTextLength)
	if v.d.Sensitive && q.Required && !q.Consent {
		v.p.add(ptr+"/required", CodeSensitiveRequired, nil)
	}
	v.breakdown(ptr, q)
	if len(q.Options) > MaxOptions || len(q.Statements) > MaxStatements || q.Points < 0 || q.Points > MaxPoints {
		v.oversized = true
	}
	if q.Consent && q.Type != SingleChoice {
		v.p.add(ptr+"/consent", CodeNotApplicable, nil)
	}
	if !v.typed(ptr, q) {
		return
	}
	v.otherTypesFields(ptr, q)
	if q.ShowIf != nil {
		v.condition(ptr+"/show_if", q.ShowIf, 1)
	}
}

// typed checks the fields of q's type. It reports false when the type is
// missing or unknown, and so nothing more can be checked.
func (v *validator) typed(ptr string, q *Question) bool {
	switch q.Type {
	case SingleChoice, MultipleChoice, Ranking:
		v.choiceQuestion(ptr, q)
	case Scale, Matrix:
		v.scaleQuestion(ptr, q)
	case Number:
		v.numberQuestion(ptr, q)
	case FreeText:
		v.textQuestion(ptr, q)
	case "":
		v.p.add(ptr+"/type", CodeRequired, nil)
		return false
	default:
		v.p.add(ptr+"/type", CodeUnknownType, map[string]any{"Type": string(q.Type)})
		return false
	}
	return true
}

// breakdown checks a breakdown question. Each breakdown group repeats
// every table of the survey, so both the number of breakdowns and their
// groups are bounded.
func (v *validator) breakdown(ptr string, q *Question) {
	if !q.Breakdown {
		return
	}
	if q.Type != SingleChoice {
		v.p.add(ptr+"/breakdown", CodeBreakdownType, nil)
	}
	v.breakdowns++
	if v.breakdowns > MaxBreakdowns {
		v.p.add(ptr+"/breakdown", CodeTooManyBreakdowns, map[string]any{"Max": MaxBreakdowns})
	}
	if q.Type == SingleChoice && len(q.Options) > MaxBreakdownOptions {
		v.p.add(ptr+"/options", CodeBreakdownOptions, map[string]any{"Max": MaxBreakdownOptions})
	}
}

// choiceQuestion checks the options of a single or multiple choice or a
// ranking question, and the number of selections of a multiple choice.
func (v *validator) choiceQuestion(ptr string, q *Question) {
	v.options(ptr+"/options", q.Options, MaxOptions, q.Type != Ranking)
	if q.Type == Ranking && len(q.Options) < 2 {
		v.p.add(ptr+"/options", CodeRequired, nil)
	}
	if q.Type != MultipleChoice {
		return
	}
	n := len(q.Options)
	if q.MinSelections < 0 || q.MinSelections > n {
		v.p.add(ptr+"/min_selections", CodeOutOfRange, map[string]any{"Min": 0, "Max": n})
	}
	if q.MaxSelections < 0 || q.MaxSelections > n || (q.MaxSelections != 0 && q.MaxSelections < q.MinSelections) {
		v.p.add(ptr+"/max_selections", CodeOutOfRange, map[string]any{"Min": q.MinSelections, "Max": n})
	}
}

// scaleQuestion checks a scale, or a matrix: statements answered on a
// scale.
func (v *validator) scaleQuestion(ptr string, q *Question) {
	v.scale(ptr, q)
	if q.Type != Matrix {
		return
	}
	if len(q.Statements) == 0 {
		v.p.add(ptr+"/statements", CodeRequired, nil)
	}
	v.options(ptr+"/statements", q.Statements, MaxStatements, false)
}

// numberQuestion checks a number question's bounds and unit.
func (v *validator) numberQuestion(ptr string, q *Question) {
	minOK := v.number(ptr+"/min", q.Min, q.Integer)
	maxOK := v.number(ptr+"/max", q.Max, q.Integer)
	if minOK && maxOK && q.Min != nil && q.Max != nil && *q.Min > *q.Max {
		v.p.add(ptr+"/max", CodeOutOfRange, map[string]any{"Min": *q.Min, "Max": maxNumber})
	}
	// Bounds are required: an unbounded number can single out a
	// respondent (an exact age, a count nobody else gives).
	if q.Min == nil {
		v.p.add(ptr+"/min", CodeRequired, nil)
	}
	if q.Max == nil {
		v.p.add(ptr+"/max", CodeRequired, nil)
	}
	v.text(ptr+"/unit", q.Unit, 40)
}

// textQuestion checks a text question's length limit.
func (v *validator) textQuestion(ptr string, q *Question) {
	if q.MaxLength < 0 || q.MaxLength > MaxAnswerTextLength {
		v.p.add(ptr+"/max_length", CodeOutOfRange, map[string]any{"Min": 1, "Max": MaxAnswerTextLength})
	}
}

// typeFields lists the fields that belong to each question type (beyond
// those every question has).
var typeFields = map[QuestionType][]string{
	SingleChoice:   {"options"},
	MultipleChoice: {"options", "min_selections", "max_selections"},
	Ranking:        {"options"},
	Scale:          {"points", "labels", "dont_know", "dont_know_label"},
	Matrix:         {"points", "labels", "dont_know", "dont_know_label", "statements"},
	Number:         {"integer", "min", "max", "unit"},
	FreeText:       {"max_length"},
}

// otherTypesFields points at each field set that belongs to another
// question type: a mistake worth pointing at.
func (v *validator) otherTypesFields(ptr string, q *Question) {
	for _, f := range []struct {
		name string
		set  bool
	}{
		{"options", len(q.Options) > 0}, {"min_selections", q.MinSelections != 0}, {"max_selections", q.MaxSelections != 0},
		{"points", q.Points != 0}, {"labels", len(q.Labels) > 0}, {"dont_know", q.DontKnow}, {"dont_know_label", len(q.DontKnowLabel) > 0},
		{"statements", len(q.Statements) > 0}, {"integer", q.Integer}, {"min", q.Min != nil}, {"max", q.Max != nil},
		{"unit", len(q.Unit) > 0}, {"max_length", q.MaxLength != 0},
	} {
		if f.set && !slices.Contains(typeFields[q.Type], f.name) {
			v.p.add(ptr+"/"+f.name, CodeNotApplicable, map[string]any{"Type": string(q.Type)})
		}
	}
}

// maxNumber is MaxNumber for messages: written out in full (a float64
// would print as 1e+09).
const maxNumber int64 = MaxNumber

// number checks a bound of a number question: finite, within MaxNumber,
// and whole when the question takes whole numbers. A nil bound is left to
// the caller. It reports whether the bound is usable.
func (v *validator) number(ptr string, f *float64, integer bool) bool {
	switch {
	case f == nil:
		return false
	case !finite(*f) || math.Abs(*f) > MaxNumber:
		v.p.add(ptr, CodeOutOfRange, map[string]any{"Min": -maxNumber, "Max": maxNumber})
		return false
	case integer && *f != math.Trunc(*f):
		v.p.add(ptr, CodeNotInteger, nil)
		return false
	}
	return true
}

// finite reports whether f is neither NaN nor infinite.
func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

func (v *validator) options(ptr string, opts []Option, most int, allowOther bool) {
	if len(opts) == 0 {
		v.p.add(ptr, CodeRequired, nil)
		return
	}
	if len(opts) > most {
		v.p.add(ptr, CodeTooMany, map[string]any{"Max": most})
		return
	}
	codes := map[string]bool{}
	for i, o := range opts {
		op := ptr + Pointer(i)
		switch {
		case !codePattern.MatchString(o.Code):
			v.p.add(op+"/code", CodeInvalidCode, nil)
		case codes[o.Code]:
			v.p.add(op+"/code", CodeDuplicate, nil)
		}
		codes[o.Code] = true
		if len(o.Label) == 0 {
			v.p.add(op+"/label", CodeRequired, nil)
		}
		v.text(op+"/label", o.Label, MaxTextLength)
		if o.Other && !allowOther {
			v.p.add(op+"/other", CodeNotApplicable, nil)
		}
	}
}

func (v *validator) scale(ptr string, q *Question) {
	if q.Points < 2 || q.Points > MaxPoints {
		v.p.add(ptr+"/points", CodeOutOfRange, map[string]any{"Min": 2, "Max": MaxPoints})
		return
	}
	for _, end := range []int{1, q.Points} {
		if len(q.Labels[strconv.Itoa(end)]) == 0 {
			v.p.add(ptr+Pointer("labels", strconv.Itoa(end)), CodeRequired, nil)
		}
	}
	for k, t := range q.Labels {
		n, err := strconv.Atoi(k)
		if err != nil || n < 1 || n > q.Points || strconv.Itoa(n) != k {
			v.p.add(ptr+Pointer("labels", k), CodeOutOfRange, map[string]any{"Min": 1, "Max": q.Points})
			continue
		}
		v.text(ptr+Pointer("labels", k), t, MaxTextLength)
	}
	if q.DontKnow && len(q.DontKnowLabel) == 0 {
		v.p.add(ptr+"/dont_know_label", CodeRequired, nil)
	}
	v.text(ptr+"/dont_know_label", q.DontKnowLabel, MaxTextLength)
}

// condition checks a show_if condition: a group or a leaf with exactly one
// operator, on an earlier question, with codes that exist.
func (v *validator) condition(ptr string, c *Condition, depth int) {
	if depth > MaxConditionDepth {
		v.p.add(ptr, CodeTooMany, map[string]any{"Max": MaxConditionDepth})
		return
	}
	if len(c.All) > 0 || len(c.Any) > 0 {
		v.conditionGroup(ptr, c, depth)
		return
	}
	v.conditionTest(ptr, c)
}

// conditionGroup checks an all or any group: nothing else set, and at
// most 20 sub-conditions.
func (v *validator) conditionGroup(ptr string, c *Condition, depth int) {
	if c.Question != "" || len(c.operators()) > 0 || (len(c.All) > 0 && len(c.Any) > 0) {
		v.p.add(ptr, CodeBadCondition, nil)
		return
	}
	name, subs := "all", c.All
	if len(c.Any) > 0 {
		name, subs = "any", c.Any
	}
	if len(subs) > 20 {
		v.p.add(ptr+"/"+name, CodeTooMany, map[string]any{"Max": 20})
		return
	}
	for i := range subs {
		v.condition(ptr+Pointer(name, i), &subs[i], depth+1)
	}
}

// conditionTest checks a test on one earlier question: exactly one
// operator, allowed for the question's type, with values that exist.
func (v *validator) conditionTest(ptr string, c *Condition) {
	// Every submission evaluates the conditions (and the tally again), so
	// their total is bounded, not only their shape.
	v.tests++
	if v.tests == MaxConditionTests+1 {
		v.p.add(ptr, CodeTooMany, map[string]any{"Max": MaxConditionTests})
	}
	if c.Question == "" {
		v.p.add(ptr+"/question", CodeRequired, nil)
		return
	}
	ops := c.operators()
	if len(ops) != 1 {
		v.p.add(ptr, CodeBadCondition, nil)
		return
	}
	if !v.conditionNumbers(ptr, c) {
		return
	}
	q, ok := v.seen[c.Question]
	if !ok {
		if v.d.Question(c.Question) != nil {
			v.p.add(ptr+"/question", CodeLaterQuestion, nil)
		} else {
			v.p.add(ptr+"/question", CodeUnknownQuestion, nil)
		}
		return
	}
	op := ops[0]
	if !operatorAllowed(op, q.Type) {
		v.p.add(ptr+"/"+op, CodeOperatorNotAllowed, map[string]any{"Type": string(q.Type)})
		return
	}
	switch op {
	case "equals":
		v.conditionEquals(ptr+"/equals", c.Equals, q)
	case "any_of":
		v.conditionCodes(ptr, op, c.AnyOf, q)
	case "none_of":
		v.conditionCodes(ptr, op, c.NoneOf, q)
	}
}

// conditionNumbers checks the numbers a test compares answers with: they
// are bounded like the answers are. It reports whether they are.
func (v *validator) conditionNumbers(ptr string, c *Condition) bool {
	for _, f := range []struct {
		name  string
		value *float64
	}{{"at_least", c.AtLeast}, {"at_most", c.AtMost}} {
		if f.value != nil && (!finite(*f.value) || math.Abs(*f.value) > MaxNumber) {
			v.p.add(ptr+"/"+f.name, CodeOutOfRange, map[string]any{"Min": -maxNumber, "Max": maxNumber})
			return false
		}
	}
	if f, ok := c.Equals.(float64); ok && (!finite(f) || math.Abs(f) > MaxNumber) {
		v.p.add(ptr+"/equals", CodeOutOfRange, map[string]any{"Min": -maxNumber, "Max": maxNumber})
		return false
	}
	return true
}

// conditionEquals checks the value of an equals test on q: an option code
// of a choice or ranking question, a number otherwise.
func (v *validator) conditionEquals(ptr string, value any, q *Question) {
	switch q.Type {
	case SingleChoice, MultipleChoice, Ranking:
		s, ok := value.(string)
		if !ok {
			v.p.add(ptr, CodeInvalid, nil)
			return
		}
		v.optionCode(ptr, s, q)
	default:
		if _, ok := value.(float64); !ok {
			v.p.add(ptr, CodeInvalid, nil)
		}
	}
}

// conditionCodes checks the codes of an any_of or none_of test on q.
func (v *validator) conditionCodes(ptr, op string, codes []string, q *Question) {
	for i, code := range codes {
		v.optionCode(ptr+Pointer(op, i), code, q)
	}
}

// optionCode checks that code is one of q's options.
func (v *validator) optionCode(ptr, code string, q *Question) {
	if q.Option(code) == nil {
		v.p.add(ptr, CodeUnknownOption, map[string]any{"Code": code})
	}
}

// operators lists the operators set on a leaf condition.
func (c *Condition) operators() []string {
	var ops []string
	if c.Equals != nil {
		ops = append(ops, "equals")
	}
	if len(c.AnyOf) > 0 {
		ops = append(ops, "any_of")
	}
	if len(c.NoneOf) > 0 {
		ops = append(ops, "none_of")
	}
	if c.AtLeast != nil {
		ops = append(ops, "at_least")
	}
	if c.AtMost != nil {
		ops = append(ops, "at_most")
	}
	if c.Answered != nil {
		ops = append(ops, "answered")
	}
	return ops
}

func operatorAllowed(op string, t QuestionType) bool {
	switch op {
	case "answered":
		return true
	case "equals":
		return t == SingleChoice || t == MultipleChoice || t == Ranking || t == Scale || t == Number
	case "any_of", "none_of":
		return t == SingleChoice || t == MultipleChoice
	case "at_least", "at_most":
		return t == Scale || t == Number
	}
	return false
}
