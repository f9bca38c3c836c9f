package api

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"path"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

	"github.com/youthvoice/youthvoice/app"
	"github.com/youthvoice/youthvoice/surveys"
)

// translations is GET /v1/org/surveys/{id}/translations: how complete each
// language is, with the key and source text of each missing text (the keys
// of the translator's file).
func (s *Server) translations(c *fiber.Ctx) error {
	sv, err := s.orgSurvey(c, anyRole...)
	if err != nil {
		return err
	}
	report := sv.Draft.TranslationReport()
	complete := true
	for _, r := range report {
		complete = complete && r.Complete
	}
	return s.sendJSON(c, fiber.StatusOK, fiber.Map{"complete": complete, "languages": report})
}

// translationFile is GET /v1/org/surveys/{id}/translations/{lang}?format=:
// the translator's file for one language (any valid code but the default
// language, one being added included), as XLSX (the default) or CSV, its
// labels in the caller's language.
func (s *Server) translationFile(c *fiber.Ctx) error {
	sv, err := s.orgSurvey(c, anyRole...)
	if err != nil {
		return err
	}
	lang, err := sv.Draft.TranslationTarget(c.Params("lang"))
	if err != nil {
		return err
	}
	format := c.Query("format", app.TranslationXLSX)
	mt := map[string]string{app.TranslationXLSX: mimeXLSX, app.TranslationCSV: mimeCSV}[format]
	if mt == "" {
		return badFormat()
	}
	var buf bytes.Buffer
	if err := app.WriteTranslations(&buf, format, sv.Draft.Texts(lang), app.NewTranslationSheet(s.catalog, &sv.Draft, lang, s.lang(c))); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, mt)
	c.Set(fiber.HeaderContentLanguage, s.lang(c))
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+exportName(sv.ID, "translations", lang, format)+`"`)
	return c.Send(buf.Bytes())
}

// translationResult is the answer to an upload of a translator's file.
type translationResult struct {
	SurveyID string         `json:"survey_id"`
	Status   surveys.Status `json:"status"`
	Revision int            `json:"revision"`
	DryRun   bool           `json:"dry_run"`
	surveys.TextsReport
}

// putTranslationFile is PUT /v1/org/surveys/{id}/translations/{lang}: a
// translator's file back (XLSX or CSV as the body, or the field "file" of
// a multipart form), applied to that language's texts by the application
// layer (ImportTranslations), for owners and editors. ?dry_run=true
// reports what would change and stores nothing.
func (s *Server) putTranslationFile(c *fiber.Ctx) error {
	sv, err := s.orgSurvey(c, designers...)
	if err != nil {
		return err
	}
	dry, err := dryRunQuery(c)
	if err != nil {
		return err
	}
	format, data, err := translationUpload(c)
	if err != nil {
		return err
	}
	tok, _ := caller(c)
	report, err := s.workflows.ImportTranslations(c.UserContext(), tok, sv, c.Params("lang"), format, data, dry)
	if !dry {
		// Forgotten even after a failure: the save may have happened.
		s.cache.forget(sv.ID)
	}
	if err != nil {
		return err
	}
	return s.sendJSON(c, fiber.StatusOK, translationResult{
		SurveyID: sv.ID, Status: sv.StatusAt(s.now()), Revision: sv.Revision, DryRun: dry, TextsReport: report,
	})
}

// translationUpload finds the translator's file in the request and its
// format: the body itself (the XLSX media type, or text/csv in UTF-8), or
// the field "file" of a multipart form (its format from its name, its
// media type or its first bytes). The body limit bounds either.
func translationUpload(c *fiber.Ctx) (string, []byte, error) {
	mt, params, err := mime.ParseMediaType(c.Get(fiber.HeaderContentType))
	if err != nil {
		return "", nil, app.ErrTranslationFileType
	}
	switch mt {
	case mimeXLSX:
		return app.TranslationXLSX, c.Body(), nil
	case "text/csv":
		if cs := params["charset"]; cs != "" && !strings.EqualFold(cs, "utf-8") {
			return "", nil, app.ErrMalformedTranslationFile
		}
		return app.TranslationCSV, c.Body(), nil
	case fiber.MIMEMultipartForm:
		return uploadedFile(c)
	}
	return "", nil, app.ErrTranslationFileType
}

// uploadedFile reads the multipart field "file".
func uploadedFile(c *fiber.Ctx) (string, []byte, error) {
	fh, err := c.FormFile("file")
	if errors.Is(err, fasthttp.ErrMissingFile) {
		return "", nil, &surveys.ValidationError{Errors: []surveys.FieldError{{Pointer: "/file", Code: surveys.CodeRequired}}}
	}
	if err != nil {
		return "", nil, app.ErrMalformedTranslationFile
	}
	f, err := fh.Open()
	if err != nil {
		return "", nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, fh.Size))
	if err != nil {
		return "", nil, err
	}
	partType, _, _ := mime.ParseMediaType(fh.Header.Get(fiber.HeaderContentType))
	switch ext := strings.ToLower(path.Ext(fh.Filename)); {
	case ext == ".xlsx" || partType == mimeXLSX || bytes.HasPrefix(data, []byte("PK\x03\x04")):
		return app.TranslationXLSX, data, nil
	case ext == ".csv" || partType == "text/csv":
		return app.TranslationCSV, data, nil
	}
	return "", nil, app.ErrTranslationFileType
}

// translationProblem explains the errors of a translator's file; toProblem
// calls it.
func translationProblem(err error) *problemError {
	var tp *surveys.TextProblems
	switch {
	case errors.As(err, &tp):
		return &problemError{status: fiber.StatusUnprocessableEntity, kind: "translation_rows", rows: tp.Problems}
	case errors.Is(err, app.ErrTranslationFileType):
		return newProblem(fiber.StatusUnsupportedMediaType, "translation_file_type")
	case errors.Is(err, app.ErrMalformedTranslationFile):
		return newProblem(fiber.StatusUnprocessableEntity, "malformed_translation_file")
	case errors.Is(err, app.ErrTranslationFileTooLarge):
		return newProblem(fiber.StatusRequestEntityTooLarge, "translation_file_too_large")
	}
	return nil
}

// rowErrors are the problems of a translator's file's rows as the API
// shows them: each with its row, its key and a message in lang.
func (s *Server) rowErrors(lang string, rows []surveys.TextProblem) []FieldError {
	out := make([]FieldError, 0, len(rows))
	for _, r := range rows {
		out = append(out, FieldError{
			Pointer: r.Pointer, Code: string(r.Code), Row: r.Row, Key: r.Key,
			Message: s.catalog.Message(lang, "row."+string(r.Code), r.Params),
		})
	}
	return out
}
