package api

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/url"
	"strings"
	"unicode"

	"github.com/gofiber/fiber/v2"
	"golang.org/x/text/unicode/norm"

	"github.com/youthvoice/youthvoice/xlsform"
)

// The media types of workbooks.
const (
	mimeXLS = "application/vnd.ms-excel"
	// acceptedWorkbookTypes is what POST /v1/org/surveys/import takes, for
	// the 415's Accept-Post header (W3C LDP, also used outside it).
	acceptedWorkbookTypes = mimeXLSX + ", " + fiber.MIMEMultipartForm
	// workbookField is the multipart form's field holding the workbook.
	workbookField = "file"
)

// ole2Signature starts every legacy Excel (.xls) file: the compound file
// format that .xlsx replaced.
var ole2Signature = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}

// importSurvey is POST /v1/org/surveys/import: an XLSForm workbook, as
// the body or as the field "file" of a multipart form, becomes a draft
// (app.ImportSurvey: the same draft, id rules and checks as a definition
// posted as JSON, and an audit entry). ?dry_run=true stores nothing and
// answers what create's dry run answers.
func (s *Server) importSurvey(c *fiber.Ctx) error {
	tok, err := caller(c, designers...)
	if err != nil {
		return err
	}
	dry, err := dryRunQuery(c)
	if err != nil {
		return err
	}
	wb, size, done, err := workbookBody(c)
	if err != nil {
		return err
	}
	defer done()
	imp, err := s.workflows.ImportSurvey(c.UserContext(), tok, wb, size, dry)
	if err != nil {
		return err
	}
	converted := s.workbookWarnings(c, imp.Warnings)
	if dry {
		return s.dryRun(c, &imp.Definition, converted)
	}
	// As create answers: the survey and its definition's warnings, then
	// the conversion's.
	ws, err := s.warnings(c, &imp.Survey.Draft)
	if err != nil {
		return err
	}
	c.Location("/v1/org/surveys/" + imp.Survey.ID)
	return s.sendJSON(c, fiber.StatusCreated, surveyWarned{
		surveyView: viewOf(imp.Survey, s.now().UTC()),
		Warnings:   append(s.warningViews(c, ws), converted...),
	})
}

// workbookBody is the workbook a request carries, its size, and what to
// call when it has been read: the body itself with the .xlsx media type,
// or the one file of a multipart form's field "file". A legacy .xls (by
// its media type, its name or its signature) is xlsform.ErrLegacyXLS; any
// other media type a 415 naming the two taken.
func workbookBody(c *fiber.Ctx) (io.Reader, int64, func(), error) {
	mt, _, err := mime.ParseMediaType(c.Get(fiber.HeaderContentType))
	if err != nil {
		mt = ""
	}
	body := c.Body()
	switch {
	case bytes.HasPrefix(body, ole2Signature) || mt == mimeXLS:
		return nil, 0, nil, xlsform.ErrLegacyXLS
	case mt == mimeXLSX:
		return bytes.NewReader(body), int64(len(body)), func() {}, nil
	case mt == fiber.MIMEMultipartForm:
		return workbookFile(c)
	}
	c.Set("Accept-Post", acceptedWorkbookTypes)
	return nil, 0, nil, newProblem(fiber.StatusUnsupportedMediaType, "unsupported_workbook_type")
}

// workbookFile is the workbook of a multipart form. The body is in memory
// already, within the server's body limit (Fiber does not stream request
// bodies, and the server does not let fasthttp parse forms before the
// handlers: DisablePreParseMultipartForm); fasthttp parses a form held in
// memory with a memory allowance of the body's whole length, so no part
// ever goes to a temporary file, and the file is read where the parser
// left it (the body and one copy: twice the limit at most);
// mime/multipart bounds the parts and their headers (1,000 parts, 10,000
// header lines). One file only: a second, in any field, is refused rather
// than silently ignored; other fields are ignored.
func workbookFile(c *fiber.Ctx) (io.Reader, int64, func(), error) {
	form, err := c.MultipartForm()
	if err != nil {
		return nil, 0, nil, newProblem(fiber.StatusBadRequest, "malformed_multipart")
	}
	files := 0
	for _, fs := range form.File {
		files += len(fs)
	}
	fhs := form.File[workbookField]
	if len(fhs) != 1 || files != 1 {
		return nil, 0, nil, newProblem(fiber.StatusBadRequest, "workbook_form").with("Field", workbookField)
	}
	fh := fhs[0]
	pt, _, _ := mime.ParseMediaType(fh.Header.Get(fiber.HeaderContentType))
	if pt == mimeXLS || strings.HasSuffix(strings.ToLower(fh.Filename), ".xls") {
		return nil, 0, nil, xlsform.ErrLegacyXLS
	}
	f, err := fh.Open()
	if err != nil {
		return nil, 0, nil, err
	}
	head := make([]byte, len(ole2Signature))
	n, _ := f.ReadAt(head, 0)
	if bytes.Equal(head[:n], ole2Signature) {
		f.Close()
		return nil, 0, nil, xlsform.ErrLegacyXLS
	}
	return io.NewSectionReader(f, 0, fh.Size), fh.Size, func() { f.Close() }, nil
}

// workbookWarnings translates a conversion's warnings (their messages are
// "field.<code>", as the workbook's problems'), each with the cell it is
// about: its pointer /<sheet>/<row>/<column> and, as in a 422's errors,
// the sheet, row, column and the cell's text.
func (s *Server) workbookWarnings(c *fiber.Ctx, ps []xlsform.Problem) []warningView {
	lang := s.lang(c)
	out := make([]warningView, len(ps))
	for i, p := range ps {
		f := p.FieldError()
		out[i] = warningView{Pointer: f.Pointer, Code: string(p.Code), Params: p.Params,
			Message: s.catalog.Message(lang, "field."+string(p.Code), f.Params),
			Sheet:   p.Sheet, Row: p.Row, Column: p.Column, Cell: p.Cell}
	}
	return out
}

// exportXLSForm is GET /v1/org/surveys/{id}/xlsform: the survey's current
// definition as an XLSForm workbook, which POST /v1/org/surveys/import
// turns back into the same definition. It is written into a pipe that
// fasthttp sends as a chunked body: a failure half-way closes the pipe
// with the error, so the client sees a failed download, not a complete
// looking shorter file (the compress middleware, which would end it
// cleanly, skips this route: an .xlsx is zipped already).
func (s *Server) exportXLSForm(c *fiber.Ctx) error {
	sv, err := s.orgSurvey(c, anyRole...)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, mimeXLSX)
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set(fiber.HeaderContentDisposition, xlsformDisposition(sv.ID, sv.Draft.Title.In(sv.Draft.DefaultLanguage, sv.Draft.DefaultLanguage)))
	if c.Method() == fiber.MethodHead {
		return nil
	}
	def := sv.Draft
	id := requestID(c)
	pr, pw := io.Pipe()
	go func() {
		err := xlsform.Write(pw, &def)
		if err != nil && !errors.Is(err, io.ErrClosedPipe) {
			s.log.Error("xlsform export failed", "request_id", id, "error", err.Error())
		}
		pw.CloseWithError(err) // nil: the end of the body
	}()
	c.Context().SetBodyStream(pr, -1)
	return nil
}

// xlsformDisposition names the exported workbook after the survey: its id's
// first eight characters and its title, cut to 40 characters. filename is
// ASCII (accents dropped: "Lång" is "lang"; a title in another script
// keeps only the id), filename* (RFC 6266, RFC 8187) the title's letters
// and digits in UTF-8; anything else (quotes, slashes, control and
// direction characters) becomes a hyphen, so the name can neither break
// the header nor name a path.
func xlsformDisposition(id, title string) string {
	short := id
	if len(short) > 8 {
		short = short[:8]
	}
	ascii := slug(norm.NFD.String(title), func(r rune) bool { return r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r)) })
	full := slug(norm.NFC.String(title), func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) })
	name := func(s string) string {
		if s == "" {
			return "youthvoice-" + short + ".xlsx"
		}
		return "youthvoice-" + short + "-" + s + ".xlsx"
	}
	return fmt.Sprintf(`attachment; filename="%s"; filename*=UTF-8''%s`, name(ascii), url.PathEscape(name(full)))
}

// slug keeps the runes keep accepts, lower-cased, and joins the runs
// between them with single hyphens, cut to 40 runes. Combining marks it
// does not keep are dropped without a hyphen (the accents of a decomposed
// "å").
func slug(s string, keep func(rune) bool) string {
	var b strings.Builder
	n, gap := 0, false
	for _, r := range s {
		if n >= 40 {
			break
		}
		if !keep(r) {
			gap = gap || (b.Len() > 0 && !unicode.Is(unicode.Mn, r))
			continue
		}
		if gap {
			b.WriteByte('-')
			n++
			gap = false
		}
		b.WriteRune(unicode.ToLower(r))
		n++
	}
	return b.String()
}
