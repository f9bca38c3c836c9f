package console

import (
	"bytes"
	"errors"
	"slices"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/youthvoice/youthvoice/app"
	"github.com/youthvoice/youthvoice/export"
	"github.com/youthvoice/youthvoice/store"
)

// exportMIME is the media type of each summary export format (as the
// API's, api/export.go).
var exportMIME = map[string]string{
	"csv":  "text/csv; charset=utf-8",
	"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	"pdf":  "application/pdf",
	"json": fiber.MIMEApplicationJSONCharsetUTF8,
}

// export is GET /console/surveys/{id}/export?format=&lang=&weighted=: the
// release's summary file in one click, made by the same workflow as the
// API's export (app.Release, export.BuildSummary, app.WriteSummary; with
// weighted=true app.WeightedRelease, the figures weighted to the survey's
// population totals besides) and audited as it is: an entry for the
// caller's organisation, and one for the survey's own when it is a shared
// survey, with "/weighted" after a weighted one's format and language. A
// weighting that cannot be made is the API's 409 page, explained.
func (c *Console) export(ctx *fiber.Ctx) error {
	w, err := c.signedIn(ctx)
	if err != nil {
		return err
	}
	sv, shared, err := c.readableSurvey(ctx, w)
	if err != nil {
		return err
	}
	format := ctx.Query("format")
	mime := exportMIME[format]
	lang := ctx.Query("lang")
	if mime == "" || !slices.Contains(sv.Draft.Languages, lang) {
		return errBadQuery
	}
	weighted := false
	switch ctx.Query("weighted") {
	case "", "false":
	case "true":
		weighted = true
	default:
		return errBadQuery
	}
	rctx := ctx.UserContext()
	start := time.Now()
	var rel export.Release
	if weighted {
		rel, err = c.weightedRelease(rctx, sv, lang)
	} else {
		rel, err = c.app.Release(rctx, sv, nil)
	}
	if err != nil {
		if refused, rerr := c.renderWeightingRefusal(ctx, err); refused { // the request's, not a failure
			return rerr
		}
		c.app.Metrics().Exported("summary", format, start, err)
		return err
	}
	sum := export.BuildSummary(rel, lang, c.cat.Negotiate(lang, ""), c.cat)
	var buf bytes.Buffer
	if err := app.WriteSummary(&buf, sum, format, ""); err != nil {
		if !errors.Is(err, export.ErrScript) { // the request's, not a failure: the API counts it so too
			c.app.Metrics().Exported("summary", format, start, err)
		}
		return err
	}
	detail := "summary/" + format + "/" + lang
	name := "summary"
	if weighted {
		detail += "/weighted"
		name = "summary-weighted"
	}
	entry := store.AuditEntry{OrgID: w.tok.OrgID, TokenID: w.tok.ID, Action: "export", SurveyID: sv.ID, Detail: detail, At: c.now()}
	if err := c.store.Audit(rctx, entry); err != nil {
		return err
	}
	if shared {
		// The survey's own organisation sees its shared summaries' exports too.
		entry.OrgID, entry.Detail = sv.OrgID, detail+" by organisation "+w.tok.OrgID
		if err := c.store.Audit(rctx, entry); err != nil {
			return err
		}
	}
	c.app.Metrics().Exported("summary", format, start, nil)
	ctx.Set(fiber.HeaderContentType, mime)
	ctx.Set(fiber.HeaderContentLanguage, lang)
	ctx.Set(fiber.HeaderContentDisposition, `attachment; filename="youthvoice-`+shortID(sv.ID)+`-`+name+`-`+lang+`.`+format+`"`)
	return ctx.Send(buf.Bytes())
}
