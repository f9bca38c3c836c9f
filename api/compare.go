package api

import (
	"errors"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/youthvoice/youthvoice/app"
	"github.com/youthvoice/youthvoice/export"
	"github.com/youthvoice/youthvoice/store"
	"github.com/youthvoice/youthvoice/surveys"
)

// compareMIME is the media type of each format of a comparison.
var compareMIME = map[string]string{"json": fiber.MIMEApplicationJSONCharsetUTF8, "csv": mimeCSV, "xlsx": mimeXLSX, "pdf": mimePDF}

// compareSurveys is GET /v1/org/surveys/{id}/compare?with=&level=&by=&lang=&format=:
// the released estimates of survey id (this wave) and survey with (the
// previous one) side by side, with the differences and their intervals
// (app.Compare), and with by each group of that breakdown question beside
// the same group of the previous wave, for anyone who may read both
// surveys' summaries; as JSON, or as a CSV, XLSX or PDF file (audited as
// an export of both).
func (s *Server) compareSurveys(c *fiber.Ctx) error {
	tok, err := caller(c, anyRole...)
	if err != nil {
		return err
	}
	format := c.Query("format", "json")
	mime := compareMIME[format]
	if mime == "" {
		return badFormat()
	}
	// A level that is not a whole number is refused by app.Compare, at
	// /level, once the surveys are known to be readable.
	level := surveys.DefaultLevel
	if q := c.Query("level"); q != "" {
		if level, err = strconv.Atoi(q); err != nil {
			level = 0
		}
	}
	req := app.CompareRequest{Current: c.Params("id"), Previous: c.Query("with"), Level: level, By: c.Query("by"),
		Lang: c.Query("lang"), AcceptLanguage: c.Get(fiber.HeaderAcceptLanguage)}
	cmp, err := s.workflows.Compare(c.UserContext(), tok, req, s.protectRelease, s.catalog)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentLanguage, cmp.Doc.Lang)
	if format == "json" {
		c.Set(fiber.HeaderCacheControl, "private, max-age=1")
		return c.JSON(cmp.Doc)
	}
	setHeaders := func() {
		c.Set(fiber.HeaderContentType, mime)
		c.Set(fiber.HeaderCacheControl, "no-store")
		c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+exportName(cmp.Current.ID, "compare", cmp.Doc.Lang, format)+`"`)
	}
	if c.Method() == fiber.MethodHead {
		setHeaders()
		return nil // the headers only: no numbers leave, so nothing is audited
	}
	body, err := s.workflows.ComparisonFile(c.UserContext(), tok, cmp, format)
	if errors.Is(err, export.ErrScript) {
		return newProblem(fiber.StatusUnprocessableEntity, "pdf_script").with("Language", cmp.Doc.Lang)
	}
	if err != nil {
		return err
	}
	setHeaders()
	return c.Send(body)
}

// protectRelease protects a survey's release through the cache the
// summary views use (app.Protect).
func (s *Server) protectRelease(sv *surveys.Survey, sum *store.Summary, k int) *surveys.Protected {
	return s.protected.get(protectedKey{sv.ID, sv.Revision, sum.ReleaseN, k}, func() *surveys.Protected {
		return surveys.Disclose(&sv.Draft, sum.ReleaseTally, k)
	})
}

// compareProblem explains a comparison's errors; toProblem calls it.
func compareProblem(err error) *problemError {
	var we *surveys.WithheldError
	switch {
	case errors.As(err, &we):
		return newProblem(fiber.StatusConflict, "comparison_withheld").with("Survey", we.Survey)
	case errors.Is(err, surveys.ErrNothingComparable):
		return newProblem(fiber.StatusUnprocessableEntity, "nothing_comparable")
	}
	return nil
}
