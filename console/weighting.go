package console

import (
	"bytes"
	"errors"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/youthvoice/youthvoice/app"
	"github.com/youthvoice/youthvoice/store"
	"github.com/youthvoice/youthvoice/surveys"
)

// Weighting to the population in the console (docs/statistics.md section
// 7, docs/console.md): the results page shows a survey's population
// totals (its margins) to everyone who reads the release, and to owners and
// editors of the survey's own organisation the file to fill in, the
// upload and the removal, through the API's workflows (app.CheckMarginsFile,
// app.SetWeighting, app.DeleteWeighting: checked and audited as PUT and
// DELETE /v1/org/surveys/{id}/weighting are). The weighted figures have a
// page of their own (weighting_figures.go).

// weightingSection is the results page's section on the population
// totals.
type weightingSection struct {
	Has        bool
	Set        when
	Dimensions []marginDimension
	// CanChange: an owner or editor of the survey's own organisation.
	CanChange bool
	// Done says what the last action did: "set" or "removed".
	Done string
	// Breakdowns: the survey has breakdown questions to weight by.
	Breakdowns bool
}

// marginDimension is one dimension of the margins as a table: the
// question's text and each of its options with its total.
type marginDimension struct {
	Question, Text string
	Rows           []marginRow
}

type marginRow struct {
	Code, Label, Total string
	NotStated          bool
}

// weightingOf reads the survey's margins for its results page, its texts
// in slang; an owner or editor of its own organisation may change them.
func (c *Console) weightingOf(ctx *fiber.Ctx, w *who, sv *surveys.Survey, shared bool, slang string) (*weightingSection, error) {
	s := &weightingSection{CanChange: !shared && canDesign(w)}
	for _, q := range sv.Draft.Questions() {
		s.Breakdowns = s.Breakdowns || q.Type == surveys.SingleChoice && q.Breakdown
	}
	switch done := ctx.Query("weighting"); done {
	case "set", "removed":
		s.Done = done
	}
	wt, err := c.app.Weighting(ctx.UserContext(), sv)
	if errors.Is(err, surveys.ErrNotFound) {
		return s, nil
	}
	if err != nil {
		return nil, err
	}
	s.Has, s.Set = true, whenOf(wt.UpdatedAt, minuteLayout)
	s.Dimensions = marginDimensions(&sv.Draft, wt.Margins, slang)
	return s, nil
}

// maxShownCodes bounds the rows of one dimension the page lists (a
// question has at most surveys.MaxOptions options; stored margins were
// checked against it when they were set).
const maxShownCodes = surveys.MaxOptions

// marginDimensions lays the margins out as the survey's questions and
// options, in lang: each option of a dimension's question in the survey's
// order with its total or "not stated"; a code the survey no longer has
// (the survey changed since) at the end, by its code.
func marginDimensions(def *surveys.Definition, m *surveys.Margins, lang string) []marginDimension {
	if m == nil {
		return nil
	}
	out := make([]marginDimension, 0, len(m.Dimensions))
	for _, d := range m.Dimensions {
		md := marginDimension{Question: d.Question, Text: d.Question}
		seen := map[string]bool{}
		row := func(code, label string) {
			if seen[code] || len(md.Rows) >= maxShownCodes {
				return
			}
			seen[code] = true
			r := marginRow{Code: code, Label: label}
			if v, ok := d.Totals[code]; ok {
				r.Total = formatTotal(v)
			} else if slices.Contains(d.NotStated, code) {
				r.NotStated = true
			} else {
				return // neither: the survey gained the option since
			}
			md.Rows = append(md.Rows, r)
		}
		if q := def.Question(d.Question); q != nil {
			md.Text = q.Text.In(lang, def.DefaultLanguage)
			for _, o := range q.Options {
				row(o.Code, o.Label.In(lang, def.DefaultLanguage))
			}
		}
		codes := make([]string, 0, len(d.Totals)+len(d.NotStated))
		for code := range d.Totals {
			codes = append(codes, code)
		}
		slices.Sort(codes)
		for _, code := range append(codes, d.NotStated...) {
			row(code, code)
		}
		out = append(out, md)
	}
	return out
}

// formatTotal writes a population total with its thousands grouped by
// thin spaces (readable in every language the console speaks, and never
// mistaken for a decimal separator), its fraction, if any, after a point.
func formatTotal(v float64) string {
	s := strconv.FormatFloat(v, 'f', -1, 64)
	whole, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteString("\u202f")
		}
		b.WriteRune(r)
	}
	if frac != "" {
		b.WriteString("." + frac)
	}
	return b.String()
}

// marginsTemplate is GET /console/surveys/{id}/weighting/template?format=:
// the population totals file to fill in (every option of every breakdown
// question, with the current totals if any), made by the API's function
// (app.WriteMarginsTemplate, as GET /v1/org/surveys/{id}/weighting?format=),
// its instructions in the person's language; any role of the survey's
// organisation, as the API.
func (c *Console) marginsTemplate(ctx *fiber.Ctx) error {
	w, err := c.signedIn(ctx)
	if err != nil {
		return err
	}
	sv, err := c.orgSurvey(ctx, w)
	if err != nil {
		return err
	}
	format := ctx.Query("format", app.MarginsXLSX)
	mt := workbookMIME[format]
	if mt == "" {
		return errBadQuery
	}
	var m *surveys.Margins
	wt, err := c.app.Weighting(ctx.UserContext(), sv)
	switch {
	case err == nil:
		m = wt.Margins
	case !errors.Is(err, surveys.ErrNotFound):
		return err
	}
	lang := c.lang(ctx)
	var buf bytes.Buffer
	if err := app.WriteMarginsTemplate(&buf, format, &sv.Draft, m, app.NewMarginsSheet(c.cat, &sv.Draft, lang)); err != nil {
		return err
	}
	ctx.Set(fiber.HeaderContentType, mt)
	ctx.Set(fiber.HeaderContentLanguage, lang)
	ctx.Set(fiber.HeaderContentDisposition, `attachment; filename="youthvoice-`+shortID(sv.ID)+`-weighting-`+lang+`.`+format+`"`)
	return ctx.Send(buf.Bytes())
}

// shortID is the start of a survey id, for file names.
func shortID(id string) string {
	if len(id) > 8 {
		return id[:8]
	}
	return id
}

// weightingUploadView is the page of a refused population totals file.
type weightingUploadView struct {
	ID, Title, TitleLang string
	Problems             []problemView
}

// uploadWeighting is POST /console/surveys/{id}/weighting, a multipart
// form: the population totals file ("file") and the rule for those who do
// not state a dimension ("missing": exclude, the only one). The file is
// read and checked against the survey as the API's PUT does
// (app.CheckMarginsFile, so every problem is at a row and column of the
// file), then stored and audited (app.SetWeighting), replacing any
// margins; owners and editors of the survey's organisation. Success
// leads back to the results page, which says so; problems are listed on
// a page of their own, and nothing is stored.
func (c *Console) uploadWeighting(ctx *fiber.Ctx) error {
	w, err := c.signedIn(ctx, designers...)
	if err != nil {
		return err
	}
	sv, err := c.orgSurvey(ctx, w)
	if err != nil {
		return err
	}
	lang := c.lang(ctx)
	format, data, status, refused := c.marginsUpload(ctx)
	if refused != nil {
		return c.renderWeightingProblems(ctx, sv, status, []problemView{*refused})
	}
	missing := ctx.FormValue("missing")
	m, err := app.CheckMarginsFile(&sv.Draft, data, format, missing)
	if err == nil {
		_, err = c.app.SetWeighting(ctx.UserContext(), w.tok, sv, m)
	}
	var ve *surveys.ValidationError
	switch {
	case errors.As(err, &ve):
		return c.renderWeightingProblems(ctx, sv, fiber.StatusUnprocessableEntity, c.marginsProblems(lang, &sv.Draft, data, format, missing, ve.Errors))
	case err != nil:
		if status, msg := marginsRefusal(err); status != 0 {
			return c.renderWeightingProblems(ctx, sv, status, []problemView{{Message: c.cat.Message(lang, msg, nil)}})
		}
		return err
	}
	return ctx.Redirect(Prefix+"surveys/"+sv.ID+"?weighting=set#weighting", fiber.StatusSeeOther)
}

// marginsRefusal is the API's status and message of a population totals
// file that cannot be read (api/weighting.go weightingProblem); 0 for any
// other error.
func marginsRefusal(err error) (int, string) {
	switch {
	case errors.Is(err, app.ErrMarginsFileType):
		return fiber.StatusUnsupportedMediaType, "problem.margins_file_type.detail"
	case errors.Is(err, app.ErrMarginsFileTooLarge):
		return fiber.StatusRequestEntityTooLarge, "problem.margins_file_too_large.detail"
	case errors.Is(err, app.ErrMalformedMarginsFile):
		return fiber.StatusUnprocessableEntity, "problem.malformed_margins_file.detail"
	}
	return 0, ""
}

// marginsUpload reads the form's population totals file
// (spreadsheetUpload). The workbook's unpacked size is bounded by
// app.CheckMarginsFile.
func (c *Console) marginsUpload(ctx *fiber.Ctx) (string, []byte, int, *problemView) {
	return c.spreadsheetUpload(ctx, "problem.malformed_margins_file.detail", "problem.body_too_large.detail",
		"problem.margins_file_type.detail")
}

// marginsProblems translates the problems of a population totals file,
// each at the place the organiser will look for it: "Row 4, column
// total" for the file's pointers (/rows/{row}/{column}, the row as the
// spreadsheet shows it), the whole file for /rows, the question and
// option for a code the file has no row for (/dimensions/{i}/totals/{code},
// the question read from the file), the rule for /missing.
func (c *Console) marginsProblems(lang string, def *surveys.Definition, data []byte, format, missing string, errs []surveys.FieldError) []problemView {
	var read *surveys.Margins
	out := make([]problemView, 0, len(errs))
	for _, fe := range errs {
		pv := problemView{Pointer: fe.Pointer, Message: c.cat.Message(lang, "field."+string(fe.Code), fe.Params)}
		toks := strings.Split(strings.TrimPrefix(fe.Pointer, "/"), "/")
		for i, t := range toks {
			toks[i] = strings.ReplaceAll(strings.ReplaceAll(t, "~1", "/"), "~0", "~")
		}
		switch {
		case toks[0] == "rows" && len(toks) == 3:
			pv.Row, _ = strconv.Atoi(toks[1])
			pv.Column = toks[2]
			pv.Place = c.cat.Message(lang, "console.weighting.place.cell", map[string]any{"Row": toks[1], "Column": toks[2]})
		case toks[0] == "rows":
			pv.Place = c.cat.Message(lang, "console.weighting.place.file", nil)
		case toks[0] == "missing":
			pv.Place = c.cat.Message(lang, "console.weighting.place.missing", nil)
		case toks[0] == "dimensions" && len(toks) >= 2:
			if read == nil {
				// Read again only for its questions: it read once already.
				if m, err := app.ReadMargins(data, format, missing); err == nil {
					read = m
				} else {
					read = &surveys.Margins{}
				}
			}
			pv.Place = c.dimensionPlace(lang, def, read, toks)
		default:
			pv.Place = c.cat.Message(lang, "console.weighting.place.file", nil)
		}
		out = append(out, pv)
	}
	return out
}

// dimensionPlace names the question (and option) a pointer into the
// margins read from a file points at.
func (c *Console) dimensionPlace(lang string, def *surveys.Definition, m *surveys.Margins, toks []string) string {
	i, err := strconv.Atoi(toks[1])
	if err != nil || i < 0 || i >= len(m.Dimensions) {
		return c.cat.Message(lang, "console.weighting.place.file", nil)
	}
	qid := m.Dimensions[i].Question
	text := qid
	if q := def.Question(qid); q != nil {
		text = q.Text.In(lang, def.DefaultLanguage)
	}
	if len(toks) == 4 && toks[2] == "totals" {
		return c.cat.Message(lang, "console.weighting.place.option", map[string]any{"Question": text, "ID": qid, "Code": toks[3]})
	}
	return c.cat.Message(lang, "console.weighting.place.question", map[string]any{"Question": text, "ID": qid})
}

func (c *Console) renderWeightingProblems(ctx *fiber.Ctx, sv *surveys.Survey, status int, problems []problemView) error {
	d := &sv.Draft
	v := weightingUploadView{ID: sv.ID, Title: d.Title.In(d.DefaultLanguage, d.DefaultLanguage), TitleLang: d.DefaultLanguage, Problems: problems}
	lang := c.lang(ctx)
	return c.render(ctx, status, "weighting_upload", &page{Title: c.cat.Message(lang, "console.weighting.refused", nil), Data: v})
}

// weightingRemoveView is the confirmation page of removing the margins.
type weightingRemoveView struct {
	ID, Title, TitleLang string
	Dimensions           []marginDimension
}

// weightedSurvey is the path's survey of the caller's organisation with
// its margins, for an owner or editor (a 404 when it has none).
func (c *Console) weightedSurvey(ctx *fiber.Ctx) (*who, *surveys.Survey, *store.Weighting, error) {
	w, err := c.signedIn(ctx, designers...)
	if err != nil {
		return nil, nil, nil, err
	}
	sv, err := c.orgSurvey(ctx, w)
	if err != nil {
		return nil, nil, nil, err
	}
	wt, err := c.app.Weighting(ctx.UserContext(), sv)
	return w, sv, wt, err
}

// confirmWeightingRemoval is GET /console/surveys/{id}/weighting/remove:
// what removing the population totals means, and the button that does it.
func (c *Console) confirmWeightingRemoval(ctx *fiber.Ctx) error {
	_, sv, wt, err := c.weightedSurvey(ctx)
	if err != nil {
		return err
	}
	d := &sv.Draft
	lang := c.lang(ctx)
	v := weightingRemoveView{ID: sv.ID, Title: d.Title.In(d.DefaultLanguage, d.DefaultLanguage), TitleLang: d.DefaultLanguage,
		Dimensions: marginDimensions(d, wt.Margins, d.DefaultLanguage)}
	return c.render(ctx, fiber.StatusOK, "weighting_remove", &page{Title: c.cat.Message(lang, "console.weighting.remove.title", nil), Data: v})
}

// removeWeighting is POST /console/surveys/{id}/weighting/remove:
// app.DeleteWeighting, the workflow of DELETE
// /v1/org/surveys/{id}/weighting (audited); then the results page.
func (c *Console) removeWeighting(ctx *fiber.Ctx) error {
	w, sv, _, err := c.weightedSurvey(ctx)
	if err != nil {
		return err
	}
	if err := c.app.DeleteWeighting(ctx.UserContext(), w.tok, sv); err != nil {
		return err
	}
	return ctx.Redirect(Prefix+"surveys/"+url.PathEscape(sv.ID)+"?weighting=removed#weighting", fiber.StatusSeeOther)
}
