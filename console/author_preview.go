package console

import (
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/youthvoice/youthvoice/i18n"
	"github.com/youthvoice/youthvoice/surveys"
)

// previewView is a survey as the app shows it in one language, in a frame
// of a phone's width, with the organiser's trial answers: the questions
// show_if hides given those answers are not shown, as in the app.
type previewView struct {
	ID, Title   string
	Lang, Dir   string
	Languages   []choice
	App         surveys.Localized
	Sections    []previewSection
	Hidden      int  // questions hidden by show_if with these answers
	Answered    bool // the organiser submitted answers
	Complete    bool // the answers as given would be accepted
	ProblemIDs  []string
	Thanks      bool
	DefaultLang string
}

type previewSection struct {
	Title     string
	Questions []previewQuestion
}

// previewQuestion is one visible question with the answer given so far.
type previewQuestion struct {
	ID, Type, Text, Help string
	Required             bool
	Kind                 string // radio, checkbox, number, text, ranking, matrix
	Name                 string
	Options              []previewOption
	OtherName, Other     string
	OtherAllowed         bool
	Value                string
	Min, Max, Step, Unit string
	MaxLength            int
	Rows                 []previewRow
	Errors               []string
	ErrorID              string
}

type previewOption struct {
	ID, Value, Label string
	Checked          bool
}

// previewRow is a matrix statement or a ranking's option.
type previewRow struct {
	ID, Name, Label, Value string
	Options                []previewOption
}

// preview is GET /console/surveys/{id}/preview?plang=: the draft (or the
// survey's current definition) in one language, every role of the
// organisation. Without answers, the questions with no show_if and those
// whose condition holds without answers are shown.
func (c *Console) preview(ctx *fiber.Ctx) error {
	w, err := c.signedIn(ctx)
	if err != nil {
		return err
	}
	sv, err := c.orgSurvey(ctx, w)
	if err != nil {
		return err
	}
	v := c.previewOf(ctx, sv, ctx.Query("plang"), nil)
	p := &page{Title: v.Title, Data: v}
	p.Keep = keep(ctx, "plang")
	return c.render(ctx, fiber.StatusOK, "author_preview", p)
}

// answerPreview is POST /console/surveys/{id}/preview: the same page
// after the organiser answered, with show_if decided on the server by
// surveys' own code (Condition.Eval, in question order, an answer to a
// question that became hidden dropped, as the app and ParseAnswers do),
// and each answer checked as a submission's would be. Nothing is stored;
// a POST keeps the trial answers out of URLs and logs.
func (c *Console) answerPreview(ctx *fiber.Ctx) error {
	w, err := c.signedIn(ctx)
	if err != nil {
		return err
	}
	sv, err := c.orgSurvey(ctx, w)
	if err != nil {
		return err
	}
	v := c.previewOf(ctx, sv, ctx.FormValue("plang"), ctx)
	return c.render(ctx, fiber.StatusOK, "author_preview", &page{Title: v.Title, Data: v})
}

// previewOf builds the preview in plang (the default language when the
// survey has no such language); form holds the trial answers, or is nil.
func (c *Console) previewOf(ctx *fiber.Ctx, sv *surveys.Survey, plang string, form *fiber.Ctx) *previewView {
	def := &sv.Draft
	if !slices.Contains(def.Languages, plang) {
		plang = def.DefaultLanguage
	}
	dir := i18n.Direction(plang)
	rev := max(sv.Revision, 1)
	app := def.Localize(sv.ID, rev, plang, dir)
	v := &previewView{ID: sv.ID, Title: app.Title, Lang: plang, Dir: dir, App: app, Answered: form != nil, DefaultLang: def.DefaultLanguage}
	for _, l := range def.Languages {
		v.Languages = append(v.Languages, choice{Value: l, Label: languageName(l), Selected: l == plang})
	}
	raw := map[string]json.RawMessage{}
	if form != nil {
		raw = trialAnswers(def, form)
	}
	answers, visible, problems := evaluate(def, raw)
	uiLang := c.lang(ctx)
	// The app's own words for "don't know" where the survey gives none.
	dontKnow := c.cat.Message(c.cat.Negotiate(plang, ""), "console.preview.dont_know", nil)
	v.Complete = form != nil
	for _, ls := range app.Sections {
		ps := previewSection{Title: ls.Title}
		for _, lq := range ls.Questions {
			if !visible[lq.ID] {
				v.Hidden++
				continue
			}
			pq := previewQuestionOf(def.Question(lq.ID), &lq, dontKnow, form)
			for _, fe := range problems[lq.ID] {
				pq.Errors = append(pq.Errors, c.cat.Message(uiLang, "field."+string(fe.Code), fe.Params))
			}
			if form != nil && lq.Required && len(pq.Errors) == 0 {
				if _, ok := answers[lq.ID]; !ok {
					pq.Errors = append(pq.Errors, c.cat.Message(uiLang, "field.required", nil))
				}
			}
			if len(pq.Errors) > 0 {
				pq.ErrorID = "err-" + lq.ID
				v.Complete = false
				v.ProblemIDs = append(v.ProblemIDs, lq.ID)
			}
			ps.Questions = append(ps.Questions, pq)
		}
		v.Sections = append(v.Sections, ps)
	}
	v.Thanks = v.Complete && ctx.FormValue("finish") == "1"
	return v
}

// evaluate decides, in question order, which questions are shown and
// which answers stand: a question is shown when it has no show_if or its
// condition holds on the answers kept so far (Condition.Eval); the answer
// to a shown question is checked alone, as ParseAnswers checks it (a probe
// definition without show_if and required, so that only that answer's own
// problems are reported); answers to hidden questions are dropped.
func evaluate(def *surveys.Definition, raw map[string]json.RawMessage) (surveys.Answers, map[string]bool, map[string][]surveys.FieldError) {
	probe := *def
	probe.Sections = slices.Clone(def.Sections)
	for si := range probe.Sections {
		probe.Sections[si].Questions = slices.Clone(def.Sections[si].Questions)
		for qi := range probe.Sections[si].Questions {
			q := &probe.Sections[si].Questions[qi]
			q.ShowIf, q.Required = nil, false
		}
	}
	answers := surveys.Answers{}
	visible := map[string]bool{}
	problems := map[string][]surveys.FieldError{}
	for _, q := range def.Questions() {
		shown := q.ShowIf == nil || q.ShowIf.Eval(def, answers)
		visible[q.ID] = shown
		r, given := raw[q.ID]
		if !shown || !given {
			continue
		}
		got, err := probe.ParseAnswers(map[string]json.RawMessage{q.ID: r})
		if ve, ok := err.(*surveys.ValidationError); ok {
			problems[q.ID] = ve.Errors
			continue
		}
		if a, ok := got[q.ID]; ok && err == nil {
			answers[q.ID] = a
		}
	}
	return answers, visible, problems
}

// maxTrialValue bounds one trial answer's form value (the longest answer
// a question takes is 8000 characters).
const maxTrialValue = 10000

// trialAnswers reads the preview form's answers into the app's JSON
// answer format (docs/surveys.md), one per question answered.
func trialAnswers(def *surveys.Definition, ctx *fiber.Ctx) map[string]json.RawMessage {
	args := ctx.Request().PostArgs()
	one := func(name string) string {
		v := strings.TrimSpace(string(args.Peek(name)))
		if len(v) > maxTrialValue {
			v = v[:maxTrialValue]
		}
		return v
	}
	out := map[string]json.RawMessage{}
	put := func(id string, v any) {
		if b, err := json.Marshal(v); err == nil {
			out[id] = b
		}
	}
	for _, q := range def.Questions() {
		name := "q." + q.ID
		switch q.Type {
		case surveys.SingleChoice:
			if v := one(name); v != "" {
				if other := one("o." + q.ID); other != "" {
					put(q.ID, map[string]string{"choice": v, "other": other})
				} else {
					put(q.ID, v)
				}
			}
		case surveys.MultipleChoice:
			var codes []string
			for i, b := range args.PeekMulti(name) {
				if i >= len(q.Options) { // each code at most once
					break
				}
				codes = append(codes, string(b))
			}
			if len(codes) > 0 {
				if other := one("o." + q.ID); other != "" {
					put(q.ID, map[string]any{"choices": codes, "other": other})
				} else {
					put(q.ID, codes)
				}
			}
		case surveys.Scale, surveys.Number:
			if v := one(name); v != "" {
				put(q.ID, numberOrText(v))
			}
		case surveys.FreeText:
			if v := one(name); v != "" {
				put(q.ID, v)
			}
		case surveys.Ranking:
			if order := rankOrder(q, one); len(order) > 0 {
				put(q.ID, order)
			}
		case surveys.Matrix:
			rows := map[string]any{}
			for _, st := range q.Statements {
				if v := one("m." + q.ID + "." + st.Code); v != "" {
					rows[st.Code] = numberOrText(v)
				}
			}
			if len(rows) > 0 {
				put(q.ID, rows)
			}
		}
	}
	return out
}

// numberOrText is a form value as the app would send it: a number when it
// reads as one (so that "3" is the scale point 3), else the text itself
// ("dont_know", or something ParseAnswers refuses with its own message).
func numberOrText(v string) any {
	if f, err := strconv.ParseFloat(strings.ReplaceAll(v, ",", "."), 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
		return f
	}
	return v
}

// rankOrder reads a ranking's places ("r.<id>.<code>": 1 for the first
// place) into the app's order, first place first; options without a
// place are left out (and ParseAnswers asks for them all).
func rankOrder(q *surveys.Question, one func(string) string) []string {
	type placed struct {
		code  string
		place int
	}
	var ps []placed
	for _, o := range q.Options {
		if n, err := strconv.Atoi(one("r." + q.ID + "." + o.Code)); err == nil {
			ps = append(ps, placed{o.Code, n})
		}
	}
	slices.SortStableFunc(ps, func(a, b placed) int { return a.place - b.place })
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.code
	}
	return out
}

// previewQuestionOf is the form of one question, filled in with what the
// organiser gave (the kept answer, or the raw value that was refused).
func previewQuestionOf(q *surveys.Question, lq *surveys.LocalizedQuestion, dontKnow string, form *fiber.Ctx) previewQuestion {
	pq := previewQuestion{ID: lq.ID, Type: string(lq.Type), Text: lq.Text, Help: lq.Help, Required: lq.Required, Name: "q." + lq.ID,
		OtherName: "o." + lq.ID, Unit: lq.Unit, MaxLength: lq.MaxLength}
	given := func(name string) string {
		if form == nil {
			return ""
		}
		return strings.TrimSpace(string(form.Request().PostArgs().Peek(name)))
	}
	chosen := map[string]bool{}
	if form != nil {
		for _, b := range form.Request().PostArgs().PeekMulti(pq.Name) {
			chosen[string(b)] = true
		}
	}
	switch q.Type {
	case surveys.SingleChoice, surveys.MultipleChoice:
		pq.Kind = "radio"
		if q.Type == surveys.MultipleChoice {
			pq.Kind = "checkbox"
		}
		for i, o := range lq.Options {
			pq.Options = append(pq.Options, previewOption{ID: optionID(lq.ID, i), Value: o.Code, Label: o.Label, Checked: chosen[o.Code]})
			pq.OtherAllowed = pq.OtherAllowed || o.Other
		}
		pq.Other = given(pq.OtherName)
	case surveys.Scale:
		pq.Kind = "radio"
		pq.Options = scaleOptions(lq, lq.ID, dontKnow, given(pq.Name))
	case surveys.Number:
		pq.Kind, pq.Value = "number", given(pq.Name)
		pq.Step = "any"
		if lq.Integer {
			pq.Step = "1"
		}
		if lq.Min != nil {
			pq.Min = strconv.FormatFloat(*lq.Min, 'f', -1, 64)
		}
		if lq.Max != nil {
			pq.Max = strconv.FormatFloat(*lq.Max, 'f', -1, 64)
		}
	case surveys.FreeText:
		pq.Kind, pq.Value = "text", given(pq.Name)
	case surveys.Ranking:
		pq.Kind = "ranking"
		for i, o := range lq.Options {
			name := "r." + lq.ID + "." + o.Code
			pq.Rows = append(pq.Rows, previewRow{ID: optionID(lq.ID, i), Name: name, Label: o.Label, Value: given(name)})
		}
	case surveys.Matrix:
		pq.Kind = "matrix"
		for i, st := range lq.Statements {
			name := "m." + lq.ID + "." + st.Code
			pq.Rows = append(pq.Rows, previewRow{ID: optionID(lq.ID, i), Name: name, Label: st.Label,
				Options: scaleOptions(lq, optionID(lq.ID, i), dontKnow, given(name))})
		}
	}
	return pq
}

// scaleOptions are the points of a scale (with their labels) and its
// "don't know", as radio buttons named name.
func scaleOptions(lq *surveys.LocalizedQuestion, idPrefix, dontKnow, value string) []previewOption {
	var out []previewOption
	for p := 1; p <= lq.Points; p++ {
		code := strconv.Itoa(p)
		label := code
		if l := lq.Labels[code]; l != "" {
			label = code + " " + l
		}
		out = append(out, previewOption{ID: idPrefix + "-p" + code, Value: code, Label: label, Checked: value == code})
	}
	if lq.DontKnow {
		label := lq.DontKnowLabel
		if label == "" {
			label = dontKnow
		}
		out = append(out, previewOption{ID: idPrefix + "-dk", Value: surveys.DontKnowValue, Label: label, Checked: value == surveys.DontKnowValue})
	}
	return out
}

// optionID is an element id for an option of a question (question ids
// are restricted to letters, digits and underscores by validation).
func optionID(qid string, i int) string { return "opt-" + qid + "-" + strconv.Itoa(i) }
