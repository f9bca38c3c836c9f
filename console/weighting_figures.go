package console

import (
	"context"
	"errors"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/youthvoice/youthvoice/app"
	"github.com/youthvoice/youthvoice/export"
	"github.com/youthvoice/youthvoice/i18n"
	"github.com/youthvoice/youthvoice/surveys"
)

// weightedView is the page of the release's figures weighted to the
// population, each beside the release's own.
type weightedView struct {
	ID, Title, SurveyLang string
	Languages             []choice
	Released              string
	Level                 int
	// RefusedTitle and RefusedDetail: why no weighted figure can be
	// made (the API's 409 problems), instead of the figures.
	RefusedTitle, RefusedDetail string
	Withheld                    bool // too few responses for any figure
	Dimensions                  []marginDimension
	Questions                   []weightedQuestionView
	Notes                       []string
	Formats                     []string
	Suppressed                  string
}

// weightedQuestionView is one question's weighted figures.
type weightedQuestionView struct {
	ID, Text, Anchor string
	NEff, Deff       string
	Rows             []weightedRowView
	Mean             *weightedMeanView
	None             bool // no weighted figure: too few answers count once weighted
}

// weightedRowView is an option: the release's count and percentage, and
// the weighted percentage with its interval.
type weightedRowView struct {
	Label      string
	Unweighted cell
	Pct        string
	Interval   string
	Suppressed bool
}

type weightedMeanView struct {
	Unweighted, Value, Interval string
}

// weightedFormats are the summary formats offered weighted (JSON too is
// made by the export link, but the page offers the files for reports).
var weightedFormats = []string{"csv", "xlsx", "pdf"}

// weightedPage is GET /console/surveys/{id}/weighted?slang=: the release
// weighted to the survey's population totals, made as the API's GET
// summary?weighted=true makes it (app.WeightedRelease: the same release,
// the same disclosure control, the same figures), for everyone who reads
// the release (analysts and ministries included), with the notes that
// say how. A weighting that cannot be made shows why, in words (the
// API's 409 problems), with the status the API gives.
func (c *Console) weightedPage(ctx *fiber.Ctx) error {
	w, err := c.signedIn(ctx)
	if err != nil {
		return err
	}
	sv, _, err := c.readableSurvey(ctx, w)
	if err != nil {
		return err
	}
	def := &sv.Draft
	uiLang := c.lang(ctx)
	slang := i18n.NewMatcher(def.Languages).Best(ctx.Query("slang"), uiLang)
	v := &weightedView{ID: sv.ID, Title: def.Title.In(slang, def.DefaultLanguage), SurveyLang: slang, Level: surveys.DefaultLevel,
		Formats: weightedFormats, Suppressed: c.cat.Message(uiLang, "export.suppressed", nil)}
	for _, l := range def.Languages {
		v.Languages = append(v.Languages, choice{Value: l, Label: languageName(l), Selected: l == slang})
	}
	p := &page{Title: c.cat.Message(uiLang, "console.weighted.title", nil), Data: v}
	p.Keep = keep(ctx, "slang")
	rel, err := c.weightedRelease(ctx.UserContext(), sv, slang)
	if status, title, detail := c.weightingRefusal(uiLang, err); status != 0 {
		v.RefusedTitle, v.RefusedDetail = title, detail
		return c.render(ctx, status, "weighting_figures", p)
	}
	if err != nil {
		return err
	}
	v.Released = rel.Day
	wr := rel.Weighted
	if wr == nil {
		v.Withheld = true
		return c.render(ctx, fiber.StatusOK, "weighting_figures", p)
	}
	v.Level = wr.Level
	v.Notes = export.WeightingNotes(wr, uiLang, c.cat)
	for _, d := range wr.Dimensions {
		md := marginDimension{Question: d.Question, Text: d.Text}
		for _, t := range d.Totals {
			r := marginRow{Code: t.Code, Label: t.Label, NotStated: t.NotStated}
			if t.Total != nil {
				r.Total = formatTotal(*t.Total)
			}
			md.Rows = append(md.Rows, r)
		}
		v.Dimensions = append(v.Dimensions, md)
	}
	unweighted := rel.Protected.Results(slang, "", c.cat.Message(uiLang, "text.not_answered", nil))
	published := map[string]*surveys.QuestionResults{}
	if len(unweighted.Groups) > 0 {
		for i := range unweighted.Groups[0].Questions {
			q := &unweighted.Groups[0].Questions[i]
			published[q.ID] = q
		}
	}
	for _, q := range wr.Questions {
		v.Questions = append(v.Questions, weightedQuestionOf(q, published[q.ID], v.Suppressed))
	}
	return c.render(ctx, fiber.StatusOK, "weighting_figures", p)
}

// weightedRelease is the release of sv weighted to its margins, in lang
// (app.WeightedRelease, at the default level, as the API's summary):
// app.ErrNoWeighting without margins.
func (c *Console) weightedRelease(ctx context.Context, sv *surveys.Survey, lang string) (export.Release, error) {
	wt, err := c.app.WeightingFor(ctx, sv)
	if err != nil {
		return export.Release{}, err
	}
	return c.app.WeightedRelease(ctx, sv, nil, wt, lang, surveys.DefaultLevel)
}

// percent writes a weighted figure as the page shows it.
func percent(v *float64) string {
	if v == nil {
		return ""
	}
	return strconv.FormatFloat(*v, 'f', 1, 64) + "%"
}

func twoPlaces(v *float64) string {
	if v == nil {
		return ""
	}
	return strconv.FormatFloat(*v, 'f', 2, 64)
}

func weightedQuestionOf(q surveys.WeightedQuestion, pub *surveys.QuestionResults, suppressed string) weightedQuestionView {
	qv := weightedQuestionView{ID: q.ID, Text: q.Text, Anchor: "w-" + q.ID}
	if q.NEff != nil {
		qv.NEff = strconv.FormatFloat(*q.NEff, 'f', 0, 64)
	}
	qv.Deff = twoPlaces(q.Deff)
	release := map[string]surveys.Count{}
	if pub != nil {
		for _, o := range pub.Options {
			release[o.Code] = o.Count
		}
	}
	shown := false
	for _, o := range q.Options {
		r := weightedRowView{Label: o.Label, Unweighted: cellOf(release[o.Code], suppressed), Suppressed: o.Suppressed || o.Pct == nil}
		if !r.Suppressed {
			shown = true
			r.Pct = percent(o.Pct)
			r.Interval = percent(o.CILow) + " – " + percent(o.CIHigh)
		}
		qv.Rows = append(qv.Rows, r)
	}
	if q.Mean != nil {
		shown = true
		m := &weightedMeanView{Value: twoPlaces(q.Mean)}
		if q.MeanCILow != nil && q.MeanCIHigh != nil {
			m.Interval = twoPlaces(q.MeanCILow) + " – " + twoPlaces(q.MeanCIHigh)
		}
		if pub != nil && pub.Stats != nil {
			m.Unweighted = twoPlaces(&pub.Stats.Mean)
		}
		qv.Mean = m
	}
	// No figure at all (the effective sample size below k): the page says
	// so instead of a table of suppressed cells.
	qv.None = !shown && q.NEff == nil
	return qv
}

// weightingProblems are the problems of a weighting that cannot be made,
// by ErrWeightingUnusable's reason (api/weighting.go weightingProblem).
var weightingProblems = map[string]string{
	"margins":  problem("weighting_margins"),
	"empty":    problem("weighting_empty"),
	"converge": problem("weighting_converge"),
	"bounds":   problem("weighting_bounds"),
	"overflow": problem("weighting_overflow"),
}

// weightingRefusal explains why weighted figures cannot be made, in
// lang: the API's status (409) and the title and detail of its problem;
// 0 for any other error. Without margins the detail is the console's own
// (the API's names its endpoint).
func (c *Console) weightingRefusal(lang string, err error) (int, string, string) {
	if err == nil {
		return 0, "", ""
	}
	var unusable *surveys.ErrWeightingUnusable
	kind, detail := "", ""
	switch {
	case errors.Is(err, app.ErrNoWeighting):
		kind, detail = problem("no_weighting"), "console.weighting.none_detail"
	case errors.As(err, &unusable):
		kind = weightingProblems[unusable.Reason]
	case errors.Is(err, app.ErrWeightingRecount):
		kind = problem("weighting_recount")
	}
	if kind == "" {
		return 0, "", ""
	}
	if detail == "" {
		detail = kind + ".detail"
	}
	data := map[string]any{"Max": surveys.MaxWeightRatio}
	return fiber.StatusConflict, c.cat.Message(lang, kind+".title", data), c.cat.Message(lang, detail, data)
}

// renderWeightingRefusal shows the error page of a weighting that cannot
// be made (an export asked for weighted), and says whether err was one.
func (c *Console) renderWeightingRefusal(ctx *fiber.Ctx, err error) (bool, error) {
	status, title, detail := c.weightingRefusal(c.lang(ctx), err)
	if status == 0 {
		return false, nil
	}
	return true, c.render(ctx, status, "error", &page{Title: title, Data: errorView{Status: status, Detail: detail}})
}
