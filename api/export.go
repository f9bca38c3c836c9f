package api

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/klauspost/compress/gzip"

	"github.com/youthvoice/youthvoice/app"
	"github.com/youthvoice/youthvoice/export"
	"github.com/youthvoice/youthvoice/i18n"
	"github.com/youthvoice/youthvoice/store"
	"github.com/youthvoice/youthvoice/surveys"
)

// Content types of exports.
const (
	mimeCSV  = "text/csv; charset=utf-8"
	mimeXLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	mimePDF  = "application/pdf"
)

// exportSurvey is GET /v1/org/surveys/{id}/export?kind=&format=&lang=.
// kind=summary (the default): the disclosure-controlled release in CSV,
// XLSX, JSON or PDF, for the survey's organisation and the organisations
// it is shared with, its intervals at ?level=90|95|99 (95 by default). kind=responses: the anonymised responses, one row
// each, streamed as CSV, for the survey's owners and editors only. Every
// export is recorded in the audit log.
func (s *Server) exportSurvey(c *fiber.Ctx) error {
	switch c.Query("kind", "summary") {
	case "summary":
		return s.exportSummary(c)
	case "responses":
		return s.exportResponses(c)
	}
	return &surveys.ValidationError{Errors: []surveys.FieldError{{Pointer: "/kind", Code: surveys.CodeInvalid}}}
}

func badFormat() error {
	return &surveys.ValidationError{Errors: []surveys.FieldError{{Pointer: "/format", Code: surveys.CodeUnsupportedFormat}}}
}

// summaryRelease is the release of a survey, protected, for exports
// (weighted to w's margins unless w is nil); the protected tables come
// from the cache the summary views use.
func (s *Server) summaryRelease(ctx context.Context, sv *surveys.Survey, w *store.Weighting, lang string, level int) (export.Release, error) {
	protect := func(sv *surveys.Survey, sum *store.Summary, k int) *surveys.Protected {
		return s.protected.get(protectedKey{sv.ID, sv.Revision, sum.ReleaseN, k}, func() *surveys.Protected {
			return surveys.Disclose(&sv.Draft, sum.ReleaseTally, k)
		})
	}
	if w != nil {
		return s.workflows.WeightedRelease(ctx, sv, protect, w, lang, level)
	}
	return s.workflows.Release(ctx, sv, protect)
}

func (s *Server) exportSummary(c *fiber.Ctx) error {
	sv, tok, shared, err := s.summarySurvey(c)
	if err != nil {
		return err
	}
	format := c.Query("format", "csv")
	lang := i18n.NewMatcher(sv.Draft.LanguagesDefaultFirst()).Best(c.Query("lang"), c.Get(fiber.HeaderAcceptLanguage))
	mime := summaryMIME[format]
	if mime == "" {
		return badFormat()
	}
	// The intervals' level, as the summary's (a 422 ci_level at /level).
	level, err := summaryLevel(c)
	if err != nil {
		return err
	}
	// Weighted figures besides, with weighted=true (the summary's rules).
	weighting, err := s.summaryWeighting(c, sv)
	if err != nil {
		return err
	}
	setHeaders := func() {
		c.Set(fiber.HeaderContentType, mime)
		c.Set(fiber.HeaderContentLanguage, lang)
		c.Set(fiber.HeaderCacheControl, "no-store")
		c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+exportName(sv.ID, "summary", lang, format)+`"`)
	}
	if c.Method() == fiber.MethodHead {
		setHeaders() // the headers only: no numbers leave, so nothing is audited or built
		return nil
	}
	start := time.Now()
	rel, err := s.summaryRelease(c.UserContext(), sv, weighting, lang, level)
	if err != nil {
		s.workflows.Metrics().Exported("summary", format, start, err)
		return err
	}
	rel.Level = level
	sum := export.BuildSummary(rel, lang, s.catalog.Negotiate(lang, ""), s.catalog)
	var buf bytes.Buffer
	err = app.WriteSummary(&buf, sum, format, "")
	if errors.Is(err, export.ErrScript) {
		return newProblem(fiber.StatusUnprocessableEntity, "pdf_script").with("Language", lang)
	}
	if err != nil {
		s.workflows.Metrics().Exported("summary", format, start, err)
		return err
	}
	detail := "summary/" + format + "/" + lang
	if weighting != nil {
		detail += "/weighted"
	}
	if err := s.audit(c, tok, "export", sv.ID, detail); err != nil {
		return err
	}
	if shared {
		// The survey's own organisation sees its shared summaries' exports too.
		owner := tok
		owner.OrgID = sv.OrgID
		if err := s.audit(c, owner, "export", sv.ID, detail+" by organisation "+tok.OrgID); err != nil {
			return err
		}
	}
	setHeaders()
	s.workflows.Metrics().Exported("summary", format, start, nil)
	return c.Send(buf.Bytes())
}

// summaryMIME is the media type of each summary export format.
var summaryMIME = map[string]string{"csv": mimeCSV, "xlsx": mimeXLSX, "pdf": mimePDF, "json": fiber.MIMEApplicationJSONCharsetUTF8}

func exportName(id, kind, lang, format string) string {
	short := id
	if len(short) > 8 {
		short = short[:8]
	}
	return "youthvoice-" + short + "-" + kind + "-" + lang + "." + format
}

// exportResponses streams the anonymised responses as CSV with flat
// memory: rows are written as they are read from the store.
func (s *Server) exportResponses(c *fiber.Ctx) error {
	// Only the survey's own organisation learns that it exists (a shared
	// organisation gets 404 here); then only its owners and editors.
	tok, err := caller(c, anyRole...)
	if err != nil {
		return err
	}
	sv, err := s.store.Survey(c.UserContext(), tok.OrgID, c.Params("id"))
	if err != nil {
		return err
	}
	if _, err := caller(c, designers...); err != nil {
		return err
	}
	// Copied: the rows are written after the handler returns, when
	// Fiber's buffer of this request may hold the next request's query.
	format := strings.Clone(c.Query("format", "csv"))
	write, mime := export.ResponsesCSV, mimeCSV
	switch format {
	case "csv":
	case "xlsx":
		write, mime = export.ResponsesXLSX, mimeXLSX
	default:
		return badFormat()
	}
	def := sv.Draft
	c.Set(fiber.HeaderContentType, mime)
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+exportName(sv.ID, "responses", def.DefaultLanguage, format)+`"`)
	if c.Method() == fiber.MethodHead {
		return nil // the headers only: no data leaves, nothing to audit or read
	}
	if err := s.audit(c, tok, "export", sv.ID, "responses/"+format); err != nil {
		return err
	}
	start := time.Now()
	// The stream outlives the handler: it gets a context of its own.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.UserContext()), time.Hour)
	// Responses are read from the pages the summarizers write: everything
	// this process committed before the request is in them once its
	// summarizer has passed (other processes' batches, on MongoDB, once
	// theirs have: within a few hundred milliseconds).
	s.workflows.Flush(ctx)
	cur, err := s.store.Responses(ctx, sv.ID)
	if err != nil {
		cancel()
		s.workflows.Metrics().Exported("responses", format, start, err)
		return err
	}
	id := requestID(c)
	// The rows are written into a pipe that fasthttp reads as the body. A
	// failure half-way closes the pipe with the error: fasthttp then ends
	// the connection without the chunked body's last chunk, so the client
	// sees a failed download, not a complete-looking shorter file. When the
	// client goes away, fasthttp closes the pipe and the writer stops.
	// CSV is gzipped for clients that accept it (XLSX is zipped already).
	// Only when the client asks: without Accept-Encoding, Fiber would say
	// yes, and a script with curl would get gzip it does not expect.
	gz := format == "csv" && c.Get(fiber.HeaderAcceptEncoding) != "" && c.AcceptsEncodings("gzip") == "gzip"
	if gz {
		c.Set(fiber.HeaderContentEncoding, "gzip")
		c.Vary(fiber.HeaderAcceptEncoding)
	}
	pr, pw := io.Pipe()
	go func() {
		defer cancel()
		defer cur.Close(ctx)
		var out io.Writer = pw
		var zw *gzip.Writer
		if gz {
			zw, _ = gzip.NewWriterLevel(pw, gzip.BestSpeed) // a valid level: no error
			out = zw
		}
		w := bufio.NewWriterSize(out, 64<<10)
		n, err := write(w, &def, func() (*surveys.Response, error) {
			r, err := cur.Next(ctx)
			if err == nil {
				err = s.fault(stepExporting)
			}
			return r, err
		})
		if err == nil {
			err = w.Flush()
		}
		if err == nil && zw != nil {
			err = zw.Close()
		}
		if err != nil && !errors.Is(err, io.ErrClosedPipe) {
			s.log.Error("response export failed", "request_id", id, "rows", n, "error", err.Error())
		}
		if !errors.Is(err, io.ErrClosedPipe) { // the client went away: neither a time nor a failure
			s.workflows.Metrics().Exported("responses", format, start, err)
		}
		pw.CloseWithError(err) // nil: the end of the body
	}()
	c.Context().SetBodyStream(pr, -1)
	return nil
}
