package api

import (
	"bytes"
	"errors"
	"mime"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/youthvoice/youthvoice/app"
	"github.com/youthvoice/youthvoice/store"
	"github.com/youthvoice/youthvoice/surveys"
)

// A survey's weighting margins (docs/statistics.md, "Weighting"):
// PUT, GET and DELETE /v1/org/surveys/{id}/weighting. The weighted
// figures are in the summary (?weighted=true) and its exports.

// weightingView is what the weighting endpoints answer.
type weightingView struct {
	SurveyID  string           `json:"survey_id"`
	Margins   *surveys.Margins `json:"margins"`
	Cells     int              `json:"cells"`
	UpdatedAt time.Time        `json:"updated_at"`
}

func newWeightingView(sv *surveys.Survey, w *store.Weighting) weightingView {
	v := weightingView{SurveyID: sv.ID, Margins: w.Margins, UpdatedAt: w.UpdatedAt}
	if f, err := w.Margins.Frame(&sv.Draft); err == nil {
		v.Cells = f.Cells()
	}
	return v
}

// putWeighting is PUT /v1/org/surveys/{id}/weighting: the margins as JSON
// (surveys.Margins), or as a CSV or XLSX file of rows question, code,
// total with the rule for those who did not state a dimension in
// ?missing=. Owners and editors.
func (s *Server) putWeighting(c *fiber.Ctx) error {
	sv, err := s.orgSurvey(c, designers...)
	if err != nil {
		return err
	}
	m, err := marginsUpload(c, &sv.Draft)
	if err != nil {
		return err
	}
	tok, _ := caller(c)
	w, err := s.workflows.SetWeighting(c.UserContext(), tok, sv, m)
	if err != nil {
		return err
	}
	return s.sendJSON(c, fiber.StatusOK, newWeightingView(sv, w))
}

// marginsUpload reads the margins of a PUT: JSON, or a CSV or XLSX file
// (the body, or the field "file" of a multipart form), whose problems
// point at the file's rows (app.CheckMarginsFile).
func marginsUpload(c *fiber.Ctx, def *surveys.Definition) (*surveys.Margins, error) {
	mt, _, err := mime.ParseMediaType(c.Get(fiber.HeaderContentType))
	if err == nil && (mt == fiber.MIMEApplicationJSON || len(mt) > 5 && mt[len(mt)-5:] == "+json") {
		var m surveys.Margins
		if err := decodeStrict(c.Body(), &m); err != nil {
			return nil, err
		}
		return &m, nil
	}
	format, data, err := translationUpload(c)
	if err != nil {
		if errors.Is(err, app.ErrTranslationFileType) || errors.Is(err, app.ErrMalformedTranslationFile) {
			return nil, app.ErrMarginsFileType
		}
		return nil, err
	}
	return app.CheckMarginsFile(def, data, format, c.Query("missing"))
}

// getWeighting is GET /v1/org/surveys/{id}/weighting: the margins (404
// when there are none), or with ?format=csv|xlsx a file to fill in (the
// survey's breakdown questions, and the margins' totals if any).
func (s *Server) getWeighting(c *fiber.Ctx) error {
	sv, err := s.orgSurvey(c, anyRole...)
	if err != nil {
		return err
	}
	w, err := s.workflows.Weighting(c.UserContext(), sv)
	format := c.Query("format", "json")
	switch format {
	case "json":
		if err != nil {
			return err
		}
		return s.sendJSON(c, fiber.StatusOK, newWeightingView(sv, w))
	case app.TranslationCSV, app.TranslationXLSX:
		var m *surveys.Margins
		switch {
		case err == nil:
			m = w.Margins
		case !errors.Is(err, surveys.ErrNotFound):
			return err
		}
		var buf bytes.Buffer
		if err := app.WriteMarginsTemplate(&buf, format, &sv.Draft, m, app.NewMarginsSheet(s.catalog, &sv.Draft, s.lang(c))); err != nil {
			return err
		}
		c.Set(fiber.HeaderContentType, map[string]string{app.TranslationXLSX: mimeXLSX, app.TranslationCSV: mimeCSV}[format])
		c.Set(fiber.HeaderContentLanguage, s.lang(c))
		c.Set(fiber.HeaderCacheControl, "no-store")
		c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+exportName(sv.ID, "weighting", s.lang(c), format)+`"`)
		return c.Send(buf.Bytes())
	}
	return badFormat()
}

// deleteWeighting is DELETE /v1/org/surveys/{id}/weighting.
func (s *Server) deleteWeighting(c *fiber.Ctx) error {
	sv, err := s.orgSurvey(c, designers...)
	if err != nil {
		return err
	}
	tok, _ := caller(c)
	if err := s.workflows.DeleteWeighting(c.UserContext(), tok, sv); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// weightingProblem explains the refusals of weighting; toProblem calls it.
func weightingProblem(err error) *problemError {
	var unusable *surveys.ErrWeightingUnusable
	switch {
	case errors.Is(err, app.ErrNoWeighting):
		return newProblem(fiber.StatusConflict, "no_weighting")
	case errors.As(err, &unusable):
		return newProblem(fiber.StatusConflict, "weighting_"+unusable.Reason).with("Max", surveys.MaxWeightRatio)
	case errors.Is(err, app.ErrWeightingRecount):
		return newProblem(fiber.StatusConflict, "weighting_recount")
	case errors.Is(err, app.ErrMarginsFileType):
		return newProblem(fiber.StatusUnsupportedMediaType, "margins_file_type")
	case errors.Is(err, app.ErrMarginsFileTooLarge):
		return newProblem(fiber.StatusRequestEntityTooLarge, "margins_file_too_large")
	case errors.Is(err, app.ErrMalformedMarginsFile):
		return newProblem(fiber.StatusUnprocessableEntity, "malformed_margins_file")
	}
	return nil
}
