package api

import (
	"encoding/json"
	"errors"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/youthvoice/youthvoice/app"
	"github.com/youthvoice/youthvoice/store"
	"github.com/youthvoice/youthvoice/surveys"
	"github.com/youthvoice/youthvoice/xlsform"
)

// problemTypePrefix starts every problem type URI; the slug after it names
// the problem (the OpenAPI document lists them).
const problemTypePrefix = "urn:youthvoice:problem:"

// storeRetryAfter is the Retry-After, in seconds, of a 503 for a store
// failure.
const storeRetryAfter = 2

// Problem is an RFC 9457 problem details document.
type Problem struct {
	Type     string       `json:"type"`
	Title    string       `json:"title"`
	Status   int          `json:"status"`
	Detail   string       `json:"detail"`
	Instance string       `json:"instance"`
	Errors   []FieldError `json:"errors,omitempty"`
}

// FieldError is one problem with one field, pointed to by a JSON pointer.
type FieldError struct {
	Pointer string `json:"pointer"`
	Code    string `json:"code"`
	Message string `json:"message"`
	// Row and Key name the row of a translator's file (PUT
	// .../translations/{lang}) a problem is about.
	Row int    `json:"row,omitempty"`
	Key string `json:"key,omitempty"`
	// A problem in a workbook (an XLSForm import) names its cell as the
	// spreadsheet shows it: the sheet, the Row, the column's header, and
	// the cell's text.
	Sheet  string `json:"sheet,omitempty"`
	Column string `json:"column,omitempty"`
	Cell   string `json:"cell,omitempty"`
}

// problemError is an error that knows how it is shown to a client. kind
// names the messages problem.<kind>.title and problem.<kind>.detail.
type problemError struct {
	status     int
	kind       string
	data       map[string]any
	fields     []surveys.FieldError
	rows       []surveys.TextProblem // a translator's file's bad rows
	retryAfter int                   // seconds, for 429 and 503
	cause      error
}

func (e *problemError) Error() string {
	if e.cause != nil {
		return e.kind + ": " + e.cause.Error()
	}
	return e.kind
}

func (e *problemError) Unwrap() error { return e.cause }

func newProblem(status int, kind string) *problemError {
	return &problemError{status: status, kind: kind}
}

// with adds template data for the detail message.
func (e *problemError) with(key string, v any) *problemError {
	if e.data == nil {
		e.data = map[string]any{}
	}
	e.data[key] = v
	return e
}

// toProblem is the one place that decides how an error is shown: every
// handler error, framework error and domain error passes through it.
func toProblem(err error) *problemError {
	var pe *problemError
	if errors.As(err, &pe) {
		return pe
	}
	var ve *surveys.ValidationError
	if errors.As(err, &ve) {
		return &problemError{status: fiber.StatusUnprocessableEntity, kind: "validation", fields: ve.Errors}
	}
	// Each area's errors are explained by its own function (one list, so
	// that this one stays readable).
	for _, explain := range []func(error) *problemError{lifecycleProblem, workbookProblem, translationProblem, compareProblem, weightingProblem} {
		if p := explain(err); p != nil {
			return p
		}
	}
	switch {
	case errors.Is(err, surveys.ErrNotFound):
		return newProblem(fiber.StatusNotFound, "not_found")
	case errors.Is(err, app.ErrSurveyNotOpen):
		return newProblem(fiber.StatusConflict, "survey_not_open")
	case errors.Is(err, app.ErrCodeUsed):
		return newProblem(fiber.StatusConflict, "code_used")
	case errors.Is(err, app.ErrSubmissionConflict):
		return newProblem(fiber.StatusConflict, "submission_conflict")
	case errors.Is(err, app.ErrAccessCodesOff):
		return newProblem(fiber.StatusConflict, "access_codes_off")
	case errors.Is(err, store.ErrLastOwnerToken):
		return newProblem(fiber.StatusConflict, "last_owner_token")
	case errors.Is(err, surveys.ErrConflict):
		return newProblem(fiber.StatusConflict, "conflict")
	}
	if store.Unavailable(err) {
		// The database failed (a full disk, a lost connection, a timeout),
		// not the request: the client may try again later, and nothing it
		// was told is stored was lost.
		p := newProblem(fiber.StatusServiceUnavailable, "unavailable")
		p.retryAfter = storeRetryAfter
		p.cause = err
		return p
	}
	var fe *fiber.Error
	if errors.As(err, &fe) {
		switch fe.Code {
		case fiber.StatusNotFound:
			return newProblem(fe.Code, "not_found")
		case fiber.StatusMethodNotAllowed:
			return newProblem(fe.Code, "method_not_allowed")
		case fiber.StatusRequestEntityTooLarge:
			return newProblem(fe.Code, "body_too_large")
		case fiber.StatusUnsupportedMediaType:
			return newProblem(fe.Code, "unsupported_media_type")
		case fiber.StatusRequestTimeout:
			return newProblem(fe.Code, "timeout")
		case fiber.StatusRequestHeaderFieldsTooLarge:
			return newProblem(fe.Code, "headers_too_large")
		case fiber.StatusTooManyRequests:
			return newProblem(fe.Code, "rate_limited")
		case fiber.StatusServiceUnavailable:
			return newProblem(fe.Code, "unavailable")
		}
		if fe.Code >= 400 && fe.Code < 500 {
			return newProblem(fiber.StatusBadRequest, "bad_request")
		}
	}
	return &problemError{status: fiber.StatusInternalServerError, kind: "internal", cause: err}
}

// handleError is Fiber's ErrorHandler: it writes every error as a
// translated problem+json document. Internal error text never reaches the
// client; 5xx errors are logged with the request id that the client sees.
func (s *Server) handleError(c *fiber.Ctx, err error) error {
	p := toProblem(err)
	lang := s.lang(c)
	if p.status >= 500 {
		s.log.Error("request failed", "request_id", requestID(c), "route", s.routeOf(c), "error", err.Error())
	}
	doc := Problem{
		Type:     problemTypePrefix + p.kind,
		Title:    s.catalog.Message(lang, "problem."+p.kind+".title", p.data),
		Status:   p.status,
		Detail:   s.catalog.Message(lang, "problem."+p.kind+".detail", p.data),
		Instance: "urn:uuid:" + requestID(c),
	}
	for _, f := range p.fields {
		fe := FieldError{
			Pointer: f.Pointer,
			Code:    string(f.Code),
			Message: s.catalog.Message(lang, "field."+string(f.Code), f.Params),
		}
		// A workbook's problem (xlsform.Problem.FieldError) carries its cell.
		fe.Sheet, _ = f.Params["Sheet"].(string)
		fe.Row, _ = f.Params["Row"].(int)
		fe.Column, _ = f.Params["Column"].(string)
		fe.Cell, _ = f.Params["Cell"].(string)
		doc.Errors = append(doc.Errors, fe)
	}
	doc.Errors = append(doc.Errors, s.rowErrors(lang, p.rows)...)
	body, jerr := json.Marshal(doc)
	if jerr != nil {
		return jerr
	}
	if p.retryAfter > 0 && len(c.Response().Header.Peek(fiber.HeaderRetryAfter)) == 0 {
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(p.retryAfter))
	}
	if p.status == fiber.StatusUnauthorized {
		c.Set(fiber.HeaderWWWAuthenticate, wwwAuthenticate(c))
	}
	setSecurityHeaders(c)
	c.Set(fiber.HeaderContentLanguage, lang)
	c.Set(fiber.HeaderContentType, "application/problem+json")
	return c.Status(p.status).Send(body)
}

// workbookProblem explains the refusals of an XLSForm import (package
// xlsform, through app.ImportSurvey); toProblem calls it.
func workbookProblem(err error) *problemError {
	var xe *xlsform.Error
	switch {
	case errors.As(err, &xe):
		return &problemError{status: fiber.StatusUnprocessableEntity, kind: "xlsform", fields: xe.FieldErrors()}
	case errors.Is(err, xlsform.ErrLegacyXLS):
		return newProblem(fiber.StatusUnsupportedMediaType, "legacy_xls")
	case errors.Is(err, xlsform.ErrNotWorkbook):
		return newProblem(fiber.StatusUnsupportedMediaType, "not_workbook")
	case errors.Is(err, xlsform.ErrTooLarge):
		return newProblem(fiber.StatusRequestEntityTooLarge, "workbook_too_large").with("MaxKB", xlsform.MaxWorkbookBytes>>10)
	}
	return nil
}
