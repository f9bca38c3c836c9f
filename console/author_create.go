package console

import (
	"bytes"
	"errors"
	"io"
	"mime/multipart"
	"path"
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/youthvoice/youthvoice/examples"
	"github.com/youthvoice/youthvoice/internal/strictjson"
	"github.com/youthvoice/youthvoice/surveys"
	"github.com/youthvoice/youthvoice/xlsform"
)

// newView is the page to create a survey: the upload form, the examples,
// and after a check (or a refused creation) what the file holds.
type newView struct {
	Examples []choice
	// Checked: a file was read; Problems (nothing was stored) or, when
	// there are none, its Warnings and what it would make.
	Checked     bool
	FileName    string
	Spreadsheet bool // the problems are at sheets, rows and columns
	Problems    []problemView
	Warnings    []problemView // the domain's (surveys.Warnings)
	Converted   []problemView // an XLSForm's conversion warnings, at their cells
	Title       string
	Languages   []string
	Questions   int
	MaxKB       int
}

// maxUploadBytes bounds an uploaded survey file: an XLSForm workbook's
// own bound (xlsform.MaxWorkbookBytes); a JSON definition is smaller than
// its workbook. The server reads upload forms up to that bound whatever
// its body limit for other requests (api/decode.go, uploadRoute).
const maxUploadBytes = xlsform.MaxWorkbookBytes

// newSurveyPage is GET /console/new: the form to upload an XLSForm or a
// JSON definition, and the examples to start from.
func (c *Console) newSurveyPage(ctx *fiber.Ctx) error {
	if _, err := c.signedIn(ctx, designers...); err != nil {
		return err
	}
	return c.renderNew(ctx, fiber.StatusOK, &newView{})
}

func (c *Console) renderNew(ctx *fiber.Ctx, status int, v *newView) error {
	for _, n := range examples.Names() {
		v.Examples = append(v.Examples, choice{Value: n, Label: strings.TrimSuffix(n, ".json")})
	}
	v.MaxKB = maxUploadBytes >> 10
	lang := c.lang(ctx)
	return c.render(ctx, status, "author_new", &page{Title: c.cat.Message(lang, "console.new.title", nil), Data: v})
}

// newSurvey is POST /console/new, a multipart form: the file ("file") and
// what to do ("action": check, or create). An XLSForm goes through the
// import workflow (app.ImportSurvey, as POST /v1/org/surveys/import and
// `youthvoice survey import`); a JSON definition through the steps of
// POST /v1/org/surveys (strict decoding, the organisation's default
// support resources, validation, the store). A check is the API's dry
// run: nothing is stored. A file with problems is never stored: the page
// lists them (422), at their sheet, row and column in a spreadsheet, at a
// readable place in a JSON file.
func (c *Console) newSurvey(ctx *fiber.Ctx) error {
	w, err := c.signedIn(ctx, designers...)
	if err != nil {
		return err
	}
	dry := ctx.FormValue("action") != "create"
	v := &newView{Checked: true}
	fh, err := ctx.FormFile("file")
	if err != nil {
		v.Problems = []problemView{{Message: c.cat.Message(c.lang(ctx), "console.new.no_file", nil)}}
		return c.renderNew(ctx, fiber.StatusUnprocessableEntity, v)
	}
	v.FileName = path.Base(fh.Filename)
	data, err := readUpload(fh)
	if err != nil {
		return err
	}
	if data == nil {
		v.Problems = []problemView{{Message: c.cat.Message(c.lang(ctx), "problem.workbook_too_large.detail", map[string]any{"MaxKB": v.MaxKB})}}
		return c.renderNew(ctx, fiber.StatusRequestEntityTooLarge, v)
	}
	var sv *surveys.Survey
	if isWorkbook(fh, data) {
		sv, err = c.importWorkbook(ctx, w, data, dry, v)
	} else {
		sv, err = c.createFromJSON(ctx, w, data, dry, v)
	}
	if err != nil {
		return err
	}
	if len(v.Problems) > 0 {
		return c.renderNew(ctx, fiber.StatusUnprocessableEntity, v)
	}
	if sv != nil {
		return ctx.Redirect(Prefix+"surveys/"+sv.ID+"/design?created=1", fiber.StatusSeeOther)
	}
	return c.renderNew(ctx, fiber.StatusOK, v)
}

// newFromExample is POST /console/new/example: a draft made from one of
// the example surveys (package examples), by the JSON path, then its page.
func (c *Console) newFromExample(ctx *fiber.Ctx) error {
	w, err := c.signedIn(ctx, designers...)
	if err != nil {
		return err
	}
	name := ctx.FormValue("example")
	if !slices.Contains(examples.Names(), name) {
		return errBadQuery
	}
	data, err := examples.Survey(name)
	if err != nil {
		return err
	}
	v := &newView{Checked: true, FileName: name}
	sv, err := c.createFromJSON(ctx, w, data, false, v)
	if err != nil {
		return err
	}
	if sv == nil { // an example that no longer validates is the repository's bug
		return c.renderNew(ctx, fiber.StatusUnprocessableEntity, v)
	}
	return ctx.Redirect(Prefix+"surveys/"+sv.ID+"/design?created=1", fiber.StatusSeeOther)
}

// readUpload reads an uploaded file whole, at most maxUploadBytes; nil
// when it is larger.
func readUpload(fh *multipart.FileHeader) ([]byte, error) {
	if fh.Size > maxUploadBytes {
		return nil, nil
	}
	f, err := fh.Open()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxUploadBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxUploadBytes {
		return nil, nil
	}
	return data, nil
}

// isWorkbook tells an XLSForm (.xlsx, .xls, or any zip or OLE2 file,
// which xlsform.Read tells apart and explains) from a JSON definition.
func isWorkbook(fh *multipart.FileHeader, data []byte) bool {
	switch strings.ToLower(path.Ext(fh.Filename)) {
	case ".xlsx", ".xls", ".xlsm":
		return true
	case ".json":
		return false
	}
	return bytes.HasPrefix(data, []byte("PK")) || bytes.HasPrefix(data, []byte("\xd0\xcf\x11\xe0"))
}

// importWorkbook runs the XLSForm import workflow; its refusals become
// the page's problems.
func (c *Console) importWorkbook(ctx *fiber.Ctx, w *who, data []byte, dry bool, v *newView) (*surveys.Survey, error) {
	lang := c.lang(ctx)
	v.Spreadsheet = true
	imp, err := c.app.ImportSurvey(ctx.UserContext(), w.tok, bytes.NewReader(data), int64(len(data)), dry)
	var xe *xlsform.Error
	var ve *surveys.ValidationError
	switch {
	case errors.As(err, &xe):
		for _, p := range xe.Problems {
			fe := p.FieldError()
			v.Problems = append(v.Problems, problemView{Sheet: p.Sheet, Row: p.Row, Column: p.Column, Cell: p.Cell,
				Message: c.cat.Message(lang, "field."+string(fe.Code), fe.Params)})
		}
		return nil, nil
	case errors.As(err, &ve):
		v.Spreadsheet = false
		v.Problems = c.fieldProblems(lang, nil, ve.Errors)
		return nil, nil
	case errors.Is(err, xlsform.ErrLegacyXLS):
		v.Problems = []problemView{{Message: c.cat.Message(lang, "problem.legacy_xls.detail", nil)}}
		return nil, nil
	case errors.Is(err, xlsform.ErrNotWorkbook):
		v.Problems = []problemView{{Message: c.cat.Message(lang, "problem.not_workbook.detail", nil)}}
		return nil, nil
	case errors.Is(err, xlsform.ErrTooLarge):
		v.Problems = []problemView{{Message: c.cat.Message(lang, "problem.workbook_too_large.detail", map[string]any{"MaxKB": v.MaxKB})}}
		return nil, nil
	case err != nil:
		return nil, err
	}
	for _, p := range imp.Warnings {
		fe := p.FieldError()
		v.Converted = append(v.Converted, problemView{Sheet: p.Sheet, Row: p.Row, Column: p.Column, Cell: p.Cell,
			Message: c.cat.Message(lang, "field."+string(fe.Code), fe.Params)})
	}
	if err := c.describe(ctx, w, &imp.Definition, v); err != nil {
		return nil, err
	}
	return imp.Survey, nil
}

// createFromJSON makes a draft from a JSON definition by the steps of
// POST /v1/org/surveys (api/org_surveys.go createSurvey), which is not
// audited; with dry, only the checks of its dry run.
func (c *Console) createFromJSON(ctx *fiber.Ctx, w *who, data []byte, dry bool, v *newView) (*surveys.Survey, error) {
	lang := c.lang(ctx)
	var def surveys.Definition
	var bad *strictjson.Error
	if err := strictjson.Decode(data, &def); errors.As(err, &bad) {
		v.Problems = []problemView{c.jsonProblem(lang, bad)}
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	rctx := ctx.UserContext()
	if len(def.SupportResources) == 0 {
		org, err := c.store.Org(rctx, w.tok.OrgID)
		if err != nil {
			return nil, err
		}
		def.SupportResources = surveys.DefaultSupport(org.SupportResources, def.Languages)
	}
	var ve *surveys.ValidationError
	if err := def.Validate(); errors.As(err, &ve) {
		v.Problems = c.fieldProblems(lang, &def, ve.Errors)
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	if dry {
		return nil, c.describe(ctx, w, &def, v)
	}
	now := c.now().UTC()
	sv := &surveys.Survey{ID: uuid.NewString(), OrgID: w.tok.OrgID, Status: surveys.Draft, Draft: def, CreatedAt: now, UpdatedAt: now}
	if err := c.store.CreateSurvey(rctx, sv); err != nil {
		return nil, err
	}
	return sv, nil
}

// describe fills in what a valid definition would make: its title,
// languages, questions and the domain's warnings, as the API's dry run
// (api/dryrun.go warnings) computes them.
func (c *Console) describe(ctx *fiber.Ctx, w *who, def *surveys.Definition, v *newView) error {
	ws, err := c.warningsOf(ctx, w, def)
	if err != nil {
		return err
	}
	v.Warnings = c.warningProblems(c.lang(ctx), def, ws)
	v.Title = def.Title.In(def.DefaultLanguage, def.DefaultLanguage)
	v.Languages = def.Languages
	v.Questions = len(def.Questions())
	return nil
}

// warningsOf is surveys.Warnings for a definition of the caller's
// organisation, whose default support resources a sensitive survey's
// warnings compare with (as api/dryrun.go's warnings).
func (c *Console) warningsOf(ctx *fiber.Ctx, w *who, def *surveys.Definition) ([]surveys.Warning, error) {
	var orgSupport []surveys.SupportResource
	if def.Sensitive {
		org, err := c.store.Org(ctx.UserContext(), w.tok.OrgID)
		if err != nil {
			return nil, err
		}
		orgSupport = org.SupportResources
	}
	return surveys.Warnings(def, orgSupport), nil
}

// jsonProblem says what is wrong with a JSON file as a definition, in the
// words of the API's problem for it.
func (c *Console) jsonProblem(lang string, e *strictjson.Error) problemView {
	if e.Field != nil {
		return c.fieldProblems(lang, nil, []surveys.FieldError{*e.Field})[0]
	}
	return problemView{Message: c.cat.Message(lang, "problem.malformed_json.detail", map[string]any{"Line": e.Line, "Column": e.Column, "Offset": e.Offset})}
}
