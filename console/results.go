package console

import (
	"slices"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/youthvoice/youthvoice/app"
	"github.com/youthvoice/youthvoice/export"
	"github.com/youthvoice/youthvoice/i18n"
	"github.com/youthvoice/youthvoice/store"
	"github.com/youthvoice/youthvoice/surveys"
)

// readableSurvey finds a survey whose results the caller may read, by the
// API's rule (api/shares.go summarySurvey): one of its organisation's, or
// one shared with it (shared). Anything else is a 404.
func (c *Console) readableSurvey(ctx *fiber.Ctx, w *who) (sv *surveys.Survey, shared bool, err error) {
	return c.app.ReadableSurvey(ctx.UserContext(), w.tok, ctx.Params("id"))
}

// resultsView is the results page's data.
type resultsView struct {
	ID, Title   string
	State       surveys.Status
	Live        bool // the exact live tally (owners and editors, audited)
	CanLive     bool
	SurveyLang  string
	Languages   []choice // the survey's languages, for its texts and exports
	Breakdowns  []choice // "" (everyone) and each breakdown question
	By          string
	Withheld    bool
	N           cell
	Notes       []string
	Method      []string
	Legend      string
	K           int
	Released    string
	Final       bool
	Groups      []groupView
	Formats     []string
	Suppressed  string // the word for a suppressed cell
	Everyone    string
	HiddenGroup string
	// Weighting is the section on the population totals (weighting.go);
	// WeightedFormats the weighted downloads offered when there are some.
	Weighting       *weightingSection
	WeightedFormats []string
}

// results is GET /console/surveys/{id}: the release as analysts see it
// (app.Release and export.BuildSummary, the code of GET summary and the
// exports: disclosure control applied), or with ?view=live, for the
// survey's own owners and editors, the exact live tally, recorded in the
// audit log as the API's live view is (api/summary.go).
func (c *Console) results(ctx *fiber.Ctx) error {
	w, err := c.signedIn(ctx)
	if err != nil {
		return err
	}
	sv, shared, err := c.readableSurvey(ctx, w)
	if err != nil {
		return err
	}
	canLive := !shared && slices.Contains(designers, w.tok.Role)
	live := false
	switch ctx.Query("view") {
	case "", "release":
	case "live":
		if !canLive {
			return errForbidden
		}
		live = true
	default:
		return errBadQuery
	}
	def := &sv.Draft
	by := ctx.Query("by")
	if by != "" && def.CheckBreakdown("/by", by) != nil {
		return errBadQuery
	}
	uiLang := c.lang(ctx)
	slang := i18n.NewMatcher(def.Languages).Best(ctx.Query("slang"), uiLang)
	rctx := ctx.UserContext()
	var rel export.Release
	if live {
		sum, err := c.store.Summary(rctx, sv.ID)
		if err != nil {
			return err
		}
		if err := c.store.Audit(rctx, store.AuditEntry{OrgID: w.tok.OrgID, TokenID: w.tok.ID, Action: "live_view", SurveyID: sv.ID, At: c.now()}); err != nil {
			return err
		}
		rel = export.Release{SurveyID: sv.ID, Revision: sv.Revision, Def: def, Protected: surveys.Exact(def, sum.Tally), K: def.Threshold(),
			N: sum.Tally.Responses, Final: false, Collected: sum.Tally.Responses}
	} else if rel, err = c.app.Release(rctx, sv, nil); err != nil {
		return err
	}
	sum := export.BuildSummary(rel, slang, c.cat.Negotiate(slang, ""), c.cat)
	v := resultsView{
		ID: sv.ID, Title: sum.Title, State: sv.StatusAt(c.now()), Live: live, CanLive: canLive, SurveyLang: slang, By: by,
		Withheld: sum.Overall.Withheld, K: sum.K, Released: sum.Released, Final: sum.Final && !live,
		Legend: sum.Labels.Legend, Formats: app.SummaryFormats, Suppressed: sum.Labels.Suppressed, Everyone: sum.Labels.Everyone,
		HiddenGroup: sum.Labels.Hidden,
	}
	if !live {
		v.Notes, v.Method = sum.Notes, sum.Method
	}
	for _, l := range def.Languages {
		v.Languages = append(v.Languages, choice{Value: l, Label: languageName(l), Selected: l == slang})
	}
	v.Breakdowns = append(v.Breakdowns, choice{Value: "", Label: sum.Labels.Everyone, Selected: by == ""})
	for _, b := range sum.Breakdowns {
		v.Breakdowns = append(v.Breakdowns, choice{Value: b.ID, Label: b.Label, Selected: b.ID == by})
	}
	res := sum.Overall
	for _, b := range sum.Breakdowns {
		if b.ID == by && by != "" {
			res = b.Results
		}
	}
	if res.N != nil {
		v.N = cellOf(*res.N, sum.Labels.Suppressed)
	}
	for gi, g := range res.Groups {
		v.Groups = append(v.Groups, groupOf(gi, g, &sum.Labels, i18n.Direction(slang)))
	}
	if v.Weighting, err = c.weightingOf(ctx, w, sv, shared, slang); err != nil {
		return err
	}
	v.WeightedFormats = weightedFormats
	p := &page{Title: sum.Title, Data: v}
	p.Keep = keep(ctx, "view", "by", "slang")
	return c.render(ctx, fiber.StatusOK, "results", p)
}

// keep lists the query parameters the language picker must carry over.
func keep(ctx *fiber.Ctx, names ...string) []keyValue {
	var out []keyValue
	for _, n := range names {
		if v := ctx.Query(n); v != "" {
			out = append(out, keyValue{n, v})
		}
	}
	return out
}

// cell is one published number as a page shows it.
type cell struct {
	Text       string
	Pct        string
	Suppressed bool
}

func cellOf(n surveys.Count, suppressed string) cell {
	if n.Suppressed || n.N == nil {
		return cell{Text: suppressed, Suppressed: true}
	}
	out := cell{Text: strconv.Itoa(*n.N)}
	if n.Pct != nil {
		out.Pct = strconv.FormatFloat(*n.Pct, 'f', 1, 64) + "%"
	}
	return out
}

// groupView is the tables of everyone or of one breakdown group.
type groupView struct {
	Label     string
	Hidden    bool
	N         cell
	Questions []questionView
}

// questionView is one question's table and chart.
type questionView struct {
	ID, Text      string
	Answered      cell
	Skipped       cell
	Rows          []rowView
	Chart         *chart
	Stats         []statView
	StatsWithheld bool
	Statements    []statementView
	Anchor        string
}

type rowView struct {
	Label string
	Cell  cell
}

type statView struct {
	Label, Value string
}

type statementView struct {
	Label    string
	Answered cell
	Rows     []rowView
	Chart    *chart
}

func groupOf(gi int, g surveys.GroupResults, l *export.Labels, dir string) groupView {
	gv := groupView{Label: g.Label, Hidden: g.Hidden}
	if g.Code == "" {
		gv.Label = l.Everyone
	}
	if g.N != nil {
		gv.N = cellOf(*g.N, l.Suppressed)
	}
	for _, q := range g.Questions {
		qv := questionView{ID: q.ID, Text: q.Text, Answered: cellOf(q.Answered, l.Suppressed), Skipped: cellOf(q.Skipped, l.Suppressed),
			StatsWithheld: q.StatsWithheld, Anchor: "g" + strconv.Itoa(gi) + "-" + q.ID}
		qv.Rows = rowsOf(q.Options, l.Suppressed)
		qv.Rows = append(qv.Rows, rowsOf(q.Bins, l.Suppressed)...)
		if q.DontKnow != nil {
			qv.Rows = append(qv.Rows, rowView{Label: l.DontKnow, Cell: cellOf(*q.DontKnow, l.Suppressed)})
		}
		qv.Chart = chartOf(qv.Rows, dir)
		qv.Stats = statsOf(q.Stats, l)
		for _, m := range q.MeanRanks {
			qv.Stats = append(qv.Stats, statView{Label: l.MeanRank + ": " + m.Label, Value: strconv.FormatFloat(m.MeanRank, 'f', 2, 64)})
		}
		for _, st := range q.Statements {
			sv := statementView{Label: st.Label, Answered: cellOf(st.Answered, l.Suppressed), Rows: rowsOf(st.Bins, l.Suppressed)}
			if st.DontKnow != nil {
				sv.Rows = append(sv.Rows, rowView{Label: l.DontKnow, Cell: cellOf(*st.DontKnow, l.Suppressed)})
			}
			sv.Chart = chartOf(sv.Rows, dir)
			qv.Statements = append(qv.Statements, sv)
		}
		gv.Questions = append(gv.Questions, qv)
	}
	return gv
}

func rowsOf(cs []surveys.LabelledCount, suppressed string) []rowView {
	out := make([]rowView, 0, len(cs))
	for _, o := range cs {
		out = append(out, rowView{Label: o.Label, Cell: cellOf(o.Count, suppressed)})
	}
	return out
}

// statsOf lists a number or scale question's statistics (absent ones are
// withheld, which the page says).
func statsOf(s *surveys.Stats, l *export.Labels) []statView {
	if s == nil {
		return nil
	}
	f := func(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) }
	return []statView{{l.Mean, f(s.Mean)}, {l.Median, f(s.Median)}, {l.Q1, f(s.Q1)}, {l.Q3, f(s.Q3)}, {l.SD, f(s.SD)}}
}
