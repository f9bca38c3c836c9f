package console

import (
	"errors"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/youthvoice/youthvoice/app"
	"github.com/youthvoice/youthvoice/i18n"
	"github.com/youthvoice/youthvoice/surveys"
)

// designView is a survey's authoring page: its state and the actions it
// allows now, its warnings (a draft's, as GET /v1/org/surveys/{id} shows
// them), its translations and the way to its preview, results and codes.
type designView struct {
	ID, Title    string
	TitleLang    string
	State        surveys.Status
	Revision     int
	Updated      string
	CanDesign    bool
	Created      bool   // just created: the page says so
	Done         string // the state change just made (publish, close, archive)
	Transition   string // the one state change the survey allows now, if any
	Warnings     []problemView
	Languages    []languageRow
	Default      string
	AccessCodes  bool // the survey uses access codes and may still get more
	Translations translationsForm
}

// languageRow is one language's completeness and its translator's files.
type languageRow struct {
	Code, Name         string
	Default            bool
	Texts, Translated  int
	Complete           bool
	Missing            []surveys.MissingTextEntry
	MissingMore        int
	Percent            int
	Dir                string
	DownloadXLSX, CSV  string
	Preview            string
	MissingListVisible bool
}

// maxMissingShown bounds the missing texts a language row lists (the
// translator's file has them all).
const maxMissingShown = 20

// transitions are the state changes a survey's page offers, by state,
// with their workflow (app.ChangeState) and message ids.
var transitions = map[surveys.Status]app.Transition{
	surveys.Draft:  app.Publish,
	surveys.Open:   app.Close,
	surveys.Closed: app.Archive,
}

// design is GET /console/surveys/{id}/design: the survey's authoring
// page, for every role of its organisation (analysts read it; only owners
// and editors see and may use its forms).
func (c *Console) design(ctx *fiber.Ctx) error {
	w, err := c.signedIn(ctx)
	if err != nil {
		return err
	}
	sv, err := c.orgSurvey(ctx, w)
	if err != nil {
		return err
	}
	v, err := c.designOf(ctx, w, sv)
	if err != nil {
		return err
	}
	v.Created = ctx.Query("created") == "1"
	switch d := ctx.Query("done"); d {
	case "", string(app.Publish), string(app.Close), string(app.Archive):
		v.Done = d
	default:
		return errBadQuery
	}
	return c.renderDesign(ctx, fiber.StatusOK, v)
}

func (c *Console) renderDesign(ctx *fiber.Ctx, status int, v *designView) error {
	return c.render(ctx, status, "author_design", &page{Title: v.Title, Data: v})
}

// designOf reads what a survey's page shows.
func (c *Console) designOf(ctx *fiber.Ctx, w *who, sv *surveys.Survey) (*designView, error) {
	now := c.now()
	def := &sv.Draft
	st := sv.StatusAt(now)
	v := &designView{
		ID: sv.ID, Title: def.Title.In(def.DefaultLanguage, def.DefaultLanguage), TitleLang: def.DefaultLanguage,
		State: st, Revision: sv.Revision, Updated: sv.UpdatedAt.UTC().Format(time.DateTime) + " UTC",
		CanDesign: canDesign(w), Default: def.DefaultLanguage,
		AccessCodes: def.AccessCodes && (st == surveys.Draft || st == surveys.Open),
	}
	if t, ok := transitions[st]; ok {
		v.Transition = string(t)
	}
	if st == surveys.Draft {
		ws, err := c.warningsOf(ctx, w, def)
		if err != nil {
			return nil, err
		}
		v.Warnings = c.warningProblems(c.lang(ctx), def, ws)
	}
	v.Languages = c.languageRows(sv)
	v.Translations = c.translationsFormOf(ctx, sv, st)
	return v, nil
}

// languageRows is GET /v1/org/surveys/{id}/translations as a table: each
// language's completeness (surveys' TranslationReport), its missing texts
// (the first few), and its translator's files.
func (c *Console) languageRows(sv *surveys.Survey) []languageRow {
	def := &sv.Draft
	var out []languageRow
	base := Prefix + "surveys/" + sv.ID
	report := def.TranslationReport()
	byLang := map[string]surveys.TranslationStatus{}
	for _, r := range report {
		byLang[r.Language] = r
	}
	for _, l := range def.Languages {
		row := languageRow{Code: l, Name: languageName(l), Default: l == def.DefaultLanguage, Dir: i18n.Direction(l),
			Preview: base + "/preview?plang=" + l}
		if r, ok := byLang[l]; ok {
			row.Texts, row.Translated, row.Complete = r.Texts, r.Translated, r.Complete
			row.Missing = r.MissingTexts
			if len(row.Missing) > maxMissingShown {
				row.Missing, row.MissingMore = row.Missing[:maxMissingShown], len(r.MissingTexts)-maxMissingShown
			}
			if r.Texts > 0 {
				row.Percent = r.Translated * 100 / r.Texts
			}
		} else { // the default language: complete by definition
			row.Complete, row.Percent = true, 100
		}
		if !row.Default {
			row.DownloadXLSX = base + "/translations/" + l + "?format=xlsx"
			row.CSV = base + "/translations/" + l + "?format=csv"
		}
		out = append(out, row)
	}
	return out
}

// confirmView is the confirmation page of a state change.
type confirmView struct {
	ID, Title  string
	TitleLang  string
	Transition string
	State      surveys.Status
	Problems   []problemView // why the change was refused (publish: what is missing)
	Warnings   []problemView // a draft's warnings, to read before publishing
}

// stateAction reads the transition in the path: publish, close or
// archive; anything else is a 404 like an unknown page.
func stateAction(ctx *fiber.Ctx) (app.Transition, error) {
	switch t := app.Transition(ctx.Params("action")); t {
	case app.Publish, app.Close, app.Archive:
		return t, nil
	}
	return "", fiber.ErrNotFound
}

// confirmState is GET /console/surveys/{id}/state/{action}: what the
// change means, and the button that makes it (owners and editors, as
// POST /v1/org/surveys/{id}/publish, close and archive).
func (c *Console) confirmState(ctx *fiber.Ctx) error {
	w, err := c.signedIn(ctx, designers...)
	if err != nil {
		return err
	}
	t, err := stateAction(ctx)
	if err != nil {
		return err
	}
	sv, err := c.orgSurvey(ctx, w)
	if err != nil {
		return err
	}
	v, err := c.confirmOf(ctx, w, sv, t)
	if err != nil {
		return err
	}
	return c.renderConfirm(ctx, fiber.StatusOK, v)
}

func (c *Console) confirmOf(ctx *fiber.Ctx, w *who, sv *surveys.Survey, t app.Transition) (*confirmView, error) {
	def := &sv.Draft
	v := &confirmView{ID: sv.ID, Title: def.Title.In(def.DefaultLanguage, def.DefaultLanguage), TitleLang: def.DefaultLanguage,
		Transition: string(t), State: sv.StatusAt(c.now())}
	if t == app.Publish && v.State == surveys.Draft {
		ws, err := c.warningsOf(ctx, w, def)
		if err != nil {
			return nil, err
		}
		v.Warnings = c.warningProblems(c.lang(ctx), def, ws)
	}
	return v, nil
}

func (c *Console) renderConfirm(ctx *fiber.Ctx, status int, v *confirmView) error {
	lang := c.lang(ctx)
	title := c.cat.Message(lang, transitionTitle[v.Transition], nil)
	return c.render(ctx, status, "author_confirm", &page{Title: title, Data: v})
}

// transitionTitle names each confirmation page (literal ids, so that the
// messages test finds them).
var transitionTitle = map[string]string{
	string(app.Publish): "console.state.confirm.publish",
	string(app.Close):   "console.state.confirm.close",
	string(app.Archive): "console.state.confirm.archive",
}

// changeState is POST /console/surveys/{id}/state/{action}: the
// confirmed change, by the API's workflow (app.ChangeState: the domain's
// rules, the version-checked save, the audit entry, what closing
// entails), then the survey's page. A refusal shows the confirmation page
// again with its reason (409, or 422 with what publishing lacks).
func (c *Console) changeState(ctx *fiber.Ctx) error {
	w, err := c.signedIn(ctx, designers...)
	if err != nil {
		return err
	}
	t, err := stateAction(ctx)
	if err != nil {
		return err
	}
	sv, err := c.orgSurvey(ctx, w)
	if err != nil {
		return err
	}
	before := *sv
	err = c.app.ChangeState(ctx.UserContext(), w.tok, sv, t)
	// Forgotten even after a failure, as the API does: the save may have
	// happened.
	c.forget(sv.ID)
	if err == nil {
		return ctx.Redirect(Prefix+"surveys/"+sv.ID+"/design?done="+string(t), fiber.StatusSeeOther)
	}
	status, problems := c.refusal(ctx, &before.Draft, err)
	if status == 0 {
		return err
	}
	v, verr := c.confirmOf(ctx, w, &before, t)
	if verr != nil {
		return verr
	}
	v.Problems = problems
	return c.renderConfirm(ctx, status, v)
}

// refusal explains why the domain refused a change to a survey, with the
// status and message the API's problem mapping gives it; 0 for an error
// that is not a refusal (guard's error page shows those).
func (c *Console) refusal(ctx *fiber.Ctx, def *surveys.Definition, err error) (int, []problemView) {
	lang := c.lang(ctx)
	var ve *surveys.ValidationError
	if errors.As(err, &ve) {
		return fiber.StatusUnprocessableEntity, c.fieldProblems(lang, def, ve.Errors)
	}
	for _, r := range refusals {
		if errors.Is(err, r.err) {
			return r.status, []problemView{{Message: c.cat.Message(lang, r.message, nil)}}
		}
	}
	return 0, nil
}

// refusals are the domain's refusals of a change, with the API's status
// and message (api/org_surveys.go lifecycleProblem, problem.go).
var refusals = []struct {
	err     error
	status  int
	message string
}{
	{surveys.ErrNotDraft, fiber.StatusConflict, "problem.not_draft.detail"},
	{surveys.ErrNotOpen, fiber.StatusConflict, "problem.not_open.detail"},
	{surveys.ErrNotClosed, fiber.StatusConflict, "problem.not_closed.detail"},
	{surveys.ErrNotEditable, fiber.StatusConflict, "problem.not_editable.detail"},
	{surveys.ErrAlreadyClosed, fiber.StatusConflict, "problem.window_over.detail"},
	{surveys.ErrConflict, fiber.StatusConflict, "problem.conflict.detail"},
}
