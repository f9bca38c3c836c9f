package console

import (
	"errors"
	"html/template"
	"slices"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/youthvoice/youthvoice/app"
	"github.com/youthvoice/youthvoice/export"
	"github.com/youthvoice/youthvoice/i18n"
	"github.com/youthvoice/youthvoice/markdown"
	"github.com/youthvoice/youthvoice/store"
	"github.com/youthvoice/youthvoice/surveys"
)

// The consultations' pages (docs/consultations.md): an organisation's
// consultations by state with the measures of the loop, and those of
// other organisations that include a survey shared with it (a ministry's
// view, read only, by the API's rule: app.ReadableConsultation); a
// consultation's page as the app shows it, with its outcome ("you said, we
// did") and its participation report; the moves through its states and
// the JSON uploads that create and edit it and publish its outcome
// (consultations_forms.go). Every role of the organisation reads; owners
// and editors act, as in the API (designers).

// maxDraftsListed bounds the drafts the list reads; the other states come
// from app.LoopMeasures, bounded by app.MaxMeasured (own) and
// app.MaxMeasuredShared (shared): a consultation document holds its
// information pages in every language, so the reads are bounded in
// documents.
const maxDraftsListed = 100

// consultationsView is the list's data.
type consultationsView struct {
	States    []consultationGroup // the organisation's own, by state
	Own       bool
	Shared    []consultationRow
	CanDesign bool
	More      bool // a list was cut at its bound
}

type consultationGroup struct {
	State surveys.ConsultationState
	Rows  []consultationRow
}

// consultationRow is one consultation in the list.
type consultationRow struct {
	ID, Title, TitleLang string
	State                surveys.ConsultationState
	Owner                string // a shared one's organisation
	Surveys              []linkedView
	Outcome              bool
	Measures             measuresView
}

// linkedView is a linked survey: its title and state, and whether the
// caller may open its results (its own organisation's, or shared with it).
type linkedView struct {
	ID, Title, TitleLang string
	Status               surveys.Status
	Readable             bool
	Gone                 bool // deleted (as a draft) since it was linked
}

// measuresView is the measures of the loop in words: the days from the end
// of taking part to the outcome (or waited so far), the shares of the
// recommendations decided and with a reason.
type measuresView struct {
	Ended                 bool
	DaysToOutcome         string
	DaysWaiting           string
	Recommendations       int
	DecidedPct, ReasonPct string
}

func measuresOf(m surveys.LoopMeasures) measuresView {
	v := measuresView{Ended: m.EndedAt != nil, Recommendations: m.Recommendations}
	if m.DaysToOutcome != nil {
		v.DaysToOutcome = strconv.Itoa(*m.DaysToOutcome)
	}
	if m.DaysWaiting != nil {
		v.DaysWaiting = strconv.Itoa(*m.DaysWaiting)
	}
	pct := func(f *float64) string {
		if f == nil {
			return ""
		}
		return strconv.FormatFloat(*f*100, 'f', -1, 64)
	}
	v.DecidedPct, v.ReasonPct = pct(m.DecidedShare), pct(m.ReasonShare)
	return v
}

// consultationsPage is GET /console/consultations: every role of the
// organisation sees its consultations by state (drafts included), each
// with its linked surveys and their states, whether its outcome is
// published, and the measures of the loop; and, read only, the public
// consultations of other organisations that include a survey shared with
// it (what a ministry sees: app.LoopMeasures, the API's
// GET /v1/org/consultations/measures).
func (c *Console) consultationsPage(ctx *fiber.Ctx) error {
	w, err := c.signedIn(ctx)
	if err != nil {
		return err
	}
	rctx := ctx.UserContext()
	measured, err := c.app.LoopMeasures(rctx, w.tok.OrgID)
	if err != nil {
		return err
	}
	drafts, err := c.store.Consultations(rctx, w.tok.OrgID, surveys.ConsultationDraft, store.ConsultationPage{}, maxDraftsListed+1)
	if err != nil {
		return err
	}
	v := &consultationsView{CanDesign: canDesign(w)}
	if len(drafts) > maxDraftsListed {
		drafts, v.More = drafts[:maxDraftsListed], true
	}
	ls, err := c.newLinker(ctx, w)
	if err != nil {
		return err
	}
	byState := map[surveys.ConsultationState][]consultationRow{}
	for _, k := range drafts {
		row, err := c.consultationRowOf(ctx, ls, k, surveys.LoopMeasures{})
		if err != nil {
			return err
		}
		byState[k.State] = append(byState[k.State], row)
	}
	for _, m := range measured {
		row, err := c.consultationRowOf(ctx, ls, m.Consultation, m.Measures)
		if err != nil {
			return err
		}
		if m.Shared {
			row.Owner = m.OrgName
			v.Shared = append(v.Shared, row)
			continue
		}
		byState[m.Consultation.State] = append(byState[m.Consultation.State], row)
	}
	for _, st := range surveys.ConsultationStates {
		v.Own = v.Own || len(byState[st]) > 0
		v.States = append(v.States, consultationGroup{State: st, Rows: byState[st]})
	}
	v.More = v.More || len(measured) >= app.MaxMeasured
	lang := c.lang(ctx)
	return c.render(ctx, fiber.StatusOK, "consultations", &page{Title: c.cat.Message(lang, "console.consultations.title", nil), Data: v})
}

func (c *Console) consultationRowOf(ctx *fiber.Ctx, ls *linker, k *surveys.Consultation, m surveys.LoopMeasures) (consultationRow, error) {
	d := &k.Definition
	lang := c.textLang(ctx, d, "")
	row := consultationRow{ID: k.ID, Title: d.Text(d.Title, lang), TitleLang: lang, State: k.State, Outcome: k.OutcomeAt != nil,
		Measures: measuresOf(m)}
	var err error
	row.Surveys, err = ls.linked(ctx, k, lang)
	return row, err
}

// textLang is the language a consultation's texts are shown in: ?clang=
// when given (want), else the console's language when the consultation
// has it, else its default.
func (c *Console) textLang(ctx *fiber.Ctx, d *surveys.ConsultationDefinition, want string) string {
	return i18n.NewMatcher(d.LanguagesDefaultFirst()).Best(want, c.lang(ctx))
}

// linker reads linked surveys for a page: the organisation's own surveys
// in one read, other organisations' one by one (at most
// surveys.MaxConsultationSurveys a consultation, each once a page), and
// which are shared with the caller (one read).
type linker struct {
	st     *store.Store
	orgID  string
	known  map[string]*surveys.Survey // by id; nil: read and not found
	shared map[string]bool
	now    time.Time
}

func (c *Console) newLinker(ctx *fiber.Ctx, w *who) (*linker, error) {
	rctx := ctx.UserContext()
	l := &linker{st: c.store, orgID: w.tok.OrgID, known: map[string]*surveys.Survey{}, shared: map[string]bool{}, now: c.now()}
	own, err := c.store.Surveys(rctx, w.tok.OrgID)
	if err != nil {
		return nil, err
	}
	for _, sv := range own {
		l.known[sv.ID] = sv
	}
	shares, err := c.store.Shares(rctx, "", w.tok.OrgID)
	if err != nil {
		return nil, err
	}
	for _, sh := range shares {
		l.shared[sh.SurveyID] = true
	}
	return l, nil
}

func (l *linker) linked(ctx *fiber.Ctx, k *surveys.Consultation, lang string) ([]linkedView, error) {
	var out []linkedView
	for i, id := range k.Definition.Surveys {
		if i >= surveys.MaxConsultationSurveys {
			break
		}
		sv, ok := l.known[id]
		if !ok && k.OrgID != l.orgID {
			var err error
			sv, err = l.st.Survey(ctx.UserContext(), k.OrgID, id)
			if err != nil && !errors.Is(err, surveys.ErrNotFound) {
				return nil, err
			}
			l.known[id] = sv
		}
		if sv == nil || sv.OrgID != k.OrgID {
			out = append(out, linkedView{ID: id, Gone: true})
			continue
		}
		d := &sv.Draft
		tl := lang
		if !slices.Contains(d.Languages, tl) {
			tl = d.DefaultLanguage
		}
		out = append(out, linkedView{ID: id, Title: d.Title.In(tl, d.DefaultLanguage), TitleLang: tl, Status: sv.StatusAt(l.now),
			Readable: sv.OrgID == l.orgID || l.shared[id]})
	}
	return out, nil
}

// consultationView is a consultation's page.
type consultationView struct {
	ID        string
	Lang, Dir string // of the consultation's texts
	Languages []choice
	State     surveys.ConsultationState
	Shared    bool
	Owner     string
	Summary   string
	// Background and EasyBackground: the server's sanitised HTML of the
	// Markdown (package markdown), exactly what the app receives.
	Background     template.HTML
	Easy           bool
	EasyMaxAge     int
	EasySummary    string
	EasyBackground template.HTML
	Surveys        []linkedView
	Report         *export.Participation
	Findings       []findingView
	Taking         []takingView
	Outcome        bool
	Measures       measuresView
	Updated        string
	Moves          []string // the moves the state allows (designers of its organisation)
	CanDesign      bool
	CanEdit        bool // not closed
	CanPublish     bool // the outcome may be published now
	CanUpdate      bool // an update may be appended now
	Done           string
	Formats        []string
	ReportLangs    []choice
}

// consultationActions are the moves a page offers, in the lifecycle's
// order, with the state each moves to (the API's actions:
// POST /v1/org/consultations/{id}/{action}).
var consultationActions = []struct {
	action string
	target surveys.ConsultationState
}{
	{"publish", surveys.ConsultationOpen},
	{"analyse", surveys.ConsultationAnalysing},
	{"decide", surveys.ConsultationDecided},
	{"close", surveys.ConsultationClosed},
}

// consultationDone are the notices a page shows after a change (?done=).
var consultationDone = []string{"", "created", "updated", "outcome", "outcome_update", "publish", "analyse", "decide", "close"}

// consultationPage is GET /console/consultations/{id}: the consultation as
// the app shows it, in ?clang= (one of its languages; by default the
// console's, when it has it), with its linked surveys, state and
// timeline; the moves its state allows and the forms that change it
// (designers of its organisation); its outcome as the participation
// report tells it (app.ParticipationReport: the findings' numbers as
// published, the decisions as they stand, the updates), in the console's
// words; the measures of the loop; the report's downloads. A ministry
// reads a shared one, nothing more.
func (c *Console) consultationPage(ctx *fiber.Ctx) error {
	w, err := c.signedIn(ctx)
	if err != nil {
		return err
	}
	done := ctx.Query("done")
	if !slices.Contains(consultationDone, done) {
		return errBadQuery
	}
	rctx := ctx.UserContext()
	k, shared, err := c.app.ReadableConsultation(rctx, w.tok, ctx.Params("id"))
	if err != nil {
		return err
	}
	d := &k.Definition
	uiLang := c.lang(ctx)
	lang := c.textLang(ctx, d, ctx.Query("clang"))
	v := &consultationView{ID: k.ID, Lang: lang, Dir: i18n.Direction(lang), State: k.State, Shared: shared,
		Summary: d.Text(d.Summary, lang), Outcome: k.OutcomeAt != nil, Done: done,
		Updated: k.UpdatedAt.UTC().Format(time.DateTime) + " UTC", Formats: []string{"pdf", "xlsx"}}
	for _, l := range d.Languages {
		v.Languages = append(v.Languages, choice{Value: l, Label: languageName(l), Selected: l == lang})
		v.ReportLangs = append(v.ReportLangs, choice{Value: l, Label: languageName(l)})
	}
	// Rendered as the API renders it for the app; checked when written,
	// so rendering cannot fail, and a text that did is left out rather
	// than shown unsanitised.
	if h, err := markdown.Render(d.Text(d.Background, lang)); err == nil {
		v.Background = template.HTML(h) // #nosec G203 -- sanitised by package markdown
	}
	if e := d.Easy; e != nil {
		v.Easy, v.EasyMaxAge, v.EasySummary = true, e.MaxAge, d.Text(e.Summary, lang)
		if h, err := markdown.Render(d.Text(e.Background, lang)); err == nil {
			v.EasyBackground = template.HTML(h) // #nosec G203 -- sanitised by package markdown
		}
	}
	if shared {
		org, err := c.store.Org(rctx, k.OrgID)
		if err != nil && !errors.Is(err, surveys.ErrNotFound) {
			return err
		}
		v.Owner = org.Name
	}
	ls, err := c.newLinker(ctx, w)
	if err != nil {
		return err
	}
	if v.Surveys, err = ls.linked(ctx, k, lang); err != nil {
		return err
	}
	// The report's model: the same release, disclosure control and words
	// as the PDF and XLSX.
	if v.Report, err = c.app.ParticipationReport(rctx, k, nil, lang, uiLang, c.cat); err != nil {
		return err
	}
	v.Findings, v.Taking = findingsOf(v.Report), takingOf(v.Report)
	o, err := c.app.ConsultationOutcome(rctx, k)
	if err != nil {
		return err
	}
	v.Measures = measuresOf(surveys.Measure(k, o, c.now()))
	v.CanDesign = !shared && canDesign(w)
	if v.CanDesign {
		for _, m := range consultationActions {
			if surveys.CanMove(k.State, m.target) {
				v.Moves = append(v.Moves, m.action)
			}
		}
		v.CanEdit = k.State != surveys.ConsultationClosed
		v.CanPublish = surveys.OutcomeAllowed(k.State) && o == nil
		v.CanUpdate = surveys.OutcomeAllowed(k.State) && o != nil
	}
	p := &page{Title: v.Report.Title, Data: v}
	p.Keep = keep(ctx, "clang")
	return c.render(ctx, fiber.StatusOK, "consultation", p)
}

// consultationReport is GET /console/consultations/{id}/report?format=&lang=:
// the participation report (PDF or XLSX) in one of the consultation's
// languages, made and audited by the API's workflow
// (app.ParticipationReportFile: an export entry in the caller's
// organisation, and in the consultation's for a ministry's download).
func (c *Console) consultationReport(ctx *fiber.Ctx) error {
	w, err := c.signedIn(ctx)
	if err != nil {
		return err
	}
	k, shared, err := c.app.ReadableConsultation(ctx.UserContext(), w.tok, ctx.Params("id"))
	if err != nil {
		return err
	}
	format, lang := ctx.Query("format"), ctx.Query("lang")
	mime := app.ParticipationMIME[format]
	if mime == "" || !slices.Contains(k.Definition.Languages, lang) {
		return errBadQuery
	}
	body, err := c.app.ParticipationReportFile(ctx.UserContext(), w.tok, k, shared, nil, format, lang, c.cat.Negotiate(lang, ""), c.cat)
	if err != nil {
		return err
	}
	short := k.ID
	if len(short) > 8 {
		short = short[:8]
	}
	ctx.Set(fiber.HeaderContentType, mime)
	ctx.Set(fiber.HeaderContentLanguage, lang)
	ctx.Set(fiber.HeaderContentDisposition, `attachment; filename="youthvoice-`+short+`-participation-`+lang+`.`+format+`"`)
	return ctx.Send(body)
}

// findingView is a finding with its cited numbers as words.
type findingView struct {
	Text  string
	Cites []citeView
}

type citeView struct {
	Survey, Question, Group, Option string
	Number                          string // "12 (34.5%) of 35; mean 3.2"
	Released                        string // the release's day
	N                               int    // responses in that release
}

// takingView is one linked survey's participation, in released numbers.
type takingView struct {
	ID, Title  string
	Withheld   bool
	Responses  int
	Released   string
	Final      bool
	Breakdowns []breakdownView
}

type breakdownView struct {
	Label, Question string
	Groups          []groupCount
}

type groupCount struct {
	Label  string
	Text   string // the count, or why it is not shown
	Hidden bool
}

// findingsOf turns the report's findings into words: each number as the
// participation report prints it.
func findingsOf(rep *export.Participation) []findingView {
	l := &rep.Labels
	out := make([]findingView, 0, len(rep.Findings))
	for _, f := range rep.Findings {
		fv := findingView{Text: f.Text}
		for _, ct := range f.Cites {
			n := strconv.Itoa(ct.Count)
			if ct.Pct != nil {
				n += " (" + strconv.FormatFloat(*ct.Pct, 'f', 1, 64) + "%)"
			}
			if ct.Of != nil {
				n += " " + l.Of + " " + strconv.Itoa(*ct.Of)
			}
			if ct.Mean != nil {
				n += "; " + l.Mean + " " + strconv.FormatFloat(*ct.Mean, 'f', 2, 64)
			}
			fv.Cites = append(fv.Cites, citeView{Survey: ct.Survey, Question: ct.Question, Group: ct.Group, Option: ct.Option,
				Number: n, Released: ct.Released, N: ct.N})
		}
		out = append(out, fv)
	}
	return out
}

// takingOf is who took part in each linked survey, as the report counts
// it (the current release, disclosure control applied).
func takingOf(rep *export.Participation) []takingView {
	l := &rep.Labels
	out := make([]takingView, 0, len(rep.Surveys))
	for _, s := range rep.Surveys {
		tv := takingView{ID: s.ID, Title: s.Title, Withheld: s.Withheld, Responses: s.Responses, Released: s.Released, Final: s.Final}
		for _, b := range []struct {
			label string
			b     *export.ParticipationBreakdown
		}{{l.AgeBand, s.AgeBand}, {l.Region, s.Region}} {
			if b.b == nil {
				continue
			}
			bv := breakdownView{Label: b.label, Question: b.b.Question}
			for _, g := range b.b.Groups {
				gc := groupCount{Label: g.Label, Hidden: g.Hidden}
				switch {
				case g.Hidden:
					gc.Text = l.Hidden
				case g.Count.Suppressed || g.Count.N == nil:
					gc.Text = l.Suppressed
				default:
					gc.Text = strconv.Itoa(*g.Count.N)
				}
				bv.Groups = append(bv.Groups, gc)
			}
			tv.Breakdowns = append(tv.Breakdowns, bv)
		}
		out = append(out, tv)
	}
	return out
}
