package console

import (
	"bytes"
	"errors"
	"mime"
	"path"
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/youthvoice/youthvoice/app"
	"github.com/youthvoice/youthvoice/surveys"
)

// translationsForm is the upload form of a translator's file on a
// survey's page, and what the last upload did.
type translationsForm struct {
	CanUpload bool
	Targets   []choice // the survey's languages but its default one
	// NewTargets are the server's languages the survey does not have yet:
	// a translator's file for one of them, uploaded back, adds it.
	NewTargets []choice
	// After an upload: the report (a check's, or what was applied), or
	// the problems that kept the file from being applied.
	Uploaded bool
	DryRun   bool
	Report   *surveys.TextsReport
	Problems []problemView
	Rows     bool // the problems are at rows of the file
}

func (c *Console) translationsFormOf(ctx *fiber.Ctx, sv *surveys.Survey, st surveys.Status) translationsForm {
	w, _ := ctx.Locals(localWho).(*who)
	f := translationsForm{CanUpload: w != nil && canDesign(w) && (st == surveys.Draft || st == surveys.Open)}
	chosen := ctx.FormValue("target")
	for _, l := range sv.Draft.Languages {
		if l != sv.Draft.DefaultLanguage {
			f.Targets = append(f.Targets, choice{Value: l, Label: languageName(l), Selected: l == chosen})
		}
	}
	for _, l := range c.cat.Languages() {
		if !slices.Contains(sv.Draft.Languages, l) && l != sv.Draft.DefaultLanguage {
			f.NewTargets = append(f.NewTargets, choice{Value: l, Label: languageName(l), Selected: l == chosen})
		}
	}
	return f
}

// newLanguageFile is GET /console/surveys/{id}/translations?target=&format=
// (not ?lang=, which is the console's own language),
// the design page's form for a language the survey does not have yet:
// it leads to that language's translator's file (translationFile), which
// uploaded back adds the language.
func (c *Console) newLanguageFile(ctx *fiber.Ctx) error {
	sv, lang, format, err := c.translationRequest(ctx, ctx.Query("target"))
	if err != nil {
		return err
	}
	return ctx.Redirect("/console/surveys/"+sv.ID+"/translations/"+lang+"?format="+format, fiber.StatusSeeOther)
}

// translationRequest reads what a translator's file is asked for: the
// survey (any role of its organisation), a target language that is not
// its default one, and a format.
func (c *Console) translationRequest(ctx *fiber.Ctx, target string) (*surveys.Survey, string, string, error) {
	w, err := c.signedIn(ctx)
	if err != nil {
		return nil, "", "", err
	}
	sv, err := c.orgSurvey(ctx, w)
	if err != nil {
		return nil, "", "", err
	}
	lang, err := sv.Draft.TranslationTarget(target)
	if err != nil {
		return nil, "", "", errBadQuery
	}
	format := ctx.Query("format", app.TranslationXLSX)
	if workbookMIME[format] == "" {
		return nil, "", "", errBadQuery
	}
	return sv, lang, format, nil
}

// workbookMIME is the media type of each spreadsheet format the console
// reads and writes (translators' files, population totals).
var workbookMIME = map[string]string{
	app.TranslationXLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	app.TranslationCSV:  "text/csv; charset=utf-8",
}

// translationFile is GET /console/surveys/{id}/translations/{lang}?format=:
// the translator's file of one language (any role, as GET
// /v1/org/surveys/{id}/translations/{lang}), made by the same function
// (app.WriteTranslations), its labels in the person's language.
func (c *Console) translationFile(ctx *fiber.Ctx) error {
	sv, lang, format, err := c.translationRequest(ctx, ctx.Params("lang"))
	if err != nil {
		return err
	}
	mt := workbookMIME[format]
	var buf bytes.Buffer
	if err := app.WriteTranslations(&buf, format, sv.Draft.Texts(lang), app.NewTranslationSheet(c.cat, &sv.Draft, lang, c.lang(ctx))); err != nil {
		return err
	}
	short := sv.ID
	if len(short) > 8 {
		short = short[:8]
	}
	ctx.Set(fiber.HeaderContentType, mt)
	ctx.Set(fiber.HeaderContentLanguage, c.lang(ctx))
	ctx.Set(fiber.HeaderContentDisposition, `attachment; filename="youthvoice-`+short+`-translations-`+lang+`.`+format+`"`)
	return ctx.Send(buf.Bytes())
}

// uploadTranslations is POST /console/surveys/{id}/translations, a
// multipart form: the language ("target"), the translator's file ("file")
// and what to do ("action": check, or apply). The API's workflow does it
// (app.ImportTranslations, as PUT /v1/org/surveys/{id}/translations/{lang}:
// only that language changes; a check stores nothing; audited), for owners
// and editors. The survey's page shows what it did or why not.
func (c *Console) uploadTranslations(ctx *fiber.Ctx) error {
	w, err := c.signedIn(ctx, designers...)
	if err != nil {
		return err
	}
	sv, err := c.orgSurvey(ctx, w)
	if err != nil {
		return err
	}
	lang := c.lang(ctx)
	dry := ctx.FormValue("action") != "apply"
	before := *sv
	format, data, status, problem := c.translationUpload(ctx)
	var report surveys.TextsReport
	var problems []problemView
	rows := false
	if problem != nil {
		problems = []problemView{*problem}
	} else {
		report, err = c.app.ImportTranslations(ctx.UserContext(), w.tok, sv, ctx.FormValue("target"), format, data, dry)
		if !dry {
			c.forget(sv.ID)
		}
		var tp *surveys.TextProblems
		switch {
		case errors.As(err, &tp):
			status, rows = fiber.StatusUnprocessableEntity, true
			for _, r := range tp.Problems {
				problems = append(problems, problemView{Row: r.Row, Key: r.Key, Message: c.cat.Message(lang, "row."+string(r.Code), r.Params)})
			}
		case err != nil:
			if status, problems = c.translationRefusal(ctx, &before.Draft, err); status == 0 {
				return err
			}
		}
	}
	if status != fiber.StatusOK {
		*sv = before // nothing was applied
	}
	v, err := c.designOf(ctx, w, sv)
	if err != nil {
		return err
	}
	v.Translations.Uploaded, v.Translations.DryRun, v.Translations.Problems, v.Translations.Rows = true, dry, problems, rows
	if status == fiber.StatusOK {
		v.Translations.Report = &report
	}
	return c.renderDesign(ctx, status, v)
}

// translationRefusal explains the errors of a translator's file as the
// API's translationProblem does, then the domain's refusals.
func (c *Console) translationRefusal(ctx *fiber.Ctx, def *surveys.Definition, err error) (int, []problemView) {
	lang := c.lang(ctx)
	one := func(status int, id string) (int, []problemView) {
		return status, []problemView{{Message: c.cat.Message(lang, id, nil)}}
	}
	switch {
	case errors.Is(err, app.ErrTranslationFileType):
		return one(fiber.StatusUnsupportedMediaType, "problem.translation_file_type.detail")
	case errors.Is(err, app.ErrMalformedTranslationFile):
		return one(fiber.StatusUnprocessableEntity, "problem.malformed_translation_file.detail")
	case errors.Is(err, app.ErrTranslationFileTooLarge):
		return one(fiber.StatusRequestEntityTooLarge, "problem.translation_file_too_large.detail")
	}
	return c.refusal(ctx, def, err)
}

// translationUpload reads the form's translator's file (spreadsheetUpload).
func (c *Console) translationUpload(ctx *fiber.Ctx) (string, []byte, int, *problemView) {
	return c.spreadsheetUpload(ctx, "problem.malformed_translation_file.detail", "problem.translation_file_too_large.detail",
		"problem.translation_file_type.detail")
}

// spreadsheetUpload reads the form's file and its format, XLSX or CSV
// (from its name, its media type or its first bytes, as the API's
// uploadedFile), with the status 200; or the API's status and a problem
// when there is no file (422), it cannot be read (malformed, 422), it is
// too large (tooLarge, 413), or it is neither XLSX nor CSV (wrongType,
// 415): the message ids of the kind of file asked for.
func (c *Console) spreadsheetUpload(ctx *fiber.Ctx, malformed, tooLarge, wrongType string) (string, []byte, int, *problemView) {
	lang := c.lang(ctx)
	refuse := func(status int, id string) (string, []byte, int, *problemView) {
		return "", nil, status, &problemView{Message: c.cat.Message(lang, id, nil)}
	}
	fh, err := ctx.FormFile("file")
	if err != nil {
		return refuse(fiber.StatusUnprocessableEntity, "console.new.no_file")
	}
	data, err := readUpload(fh)
	if err != nil {
		return refuse(fiber.StatusUnprocessableEntity, malformed)
	}
	if data == nil {
		return refuse(fiber.StatusRequestEntityTooLarge, tooLarge)
	}
	partType, _, _ := mime.ParseMediaType(fh.Header.Get(fiber.HeaderContentType))
	switch ext := strings.ToLower(path.Ext(fh.Filename)); {
	case ext == ".xlsx" || partType == workbookMIME[app.TranslationXLSX] || bytes.HasPrefix(data, []byte("PK\x03\x04")):
		return app.TranslationXLSX, data, fiber.StatusOK, nil
	case ext == ".csv" || partType == "text/csv":
		return app.TranslationCSV, data, fiber.StatusOK, nil
	}
	return refuse(fiber.StatusUnsupportedMediaType, wrongType)
}
