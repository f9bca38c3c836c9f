package api

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"mime"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/youthvoice/youthvoice/internal/strictjson"
	"github.com/youthvoice/youthvoice/surveys"
	"github.com/youthvoice/youthvoice/xlsform"
)

// uploadBodyLimit is the largest body of the routes that take a workbook
// (uploadRoute): the workbook's own bound and a form's framing. Fiber
// reads bodies up to it on every route (fasthttp holds a whole body before
// any handler runs, and has one limit for all): a request costs up to
// about 5 MiB of memory before decodeBody refuses it, on any route, and
// decodeBody holds every other route to the server's body limit
// (--body-limit, 1 MiB by default), which would otherwise refuse a
// workbook the import accepts.
const uploadBodyLimit = xlsform.MaxWorkbookBytes + 64<<10

// uploadRoute reports whether a request is for a route that takes a
// workbook: the API's XLSForm import and translators' file, and the
// console's forms for the same (console/console.go's route table).
func uploadRoute(method, path string) bool {
	switch method {
	case fiber.MethodPost:
		return path == "/v1/org/surveys/import" || path == "/console/new" ||
			(strings.HasPrefix(path, "/console/surveys/") && strings.HasSuffix(path, "/translations") && strings.Count(path, "/") == 4)
	case fiber.MethodPut:
		return strings.HasPrefix(path, "/v1/org/surveys/") && strings.Count(path, "/") == 6 &&
			strings.Split(path, "/")[5] == "translations"
	}
	return false
}

// acceptedEncodings is what decodeBody takes, for the 415's Accept-Encoding.
const acceptedEncodings = "gzip"

// decodeBody runs on every route, before anything reads the body. A request
// body may be sent as is or compressed once with gzip (the app is used on
// poor networks); it is decompressed here in a stream that stops at the body
// limit, so no body costs more than about three times the limit (the
// compressed body, the decompressed one, and the buffer's growth), whatever
// its compression ratio. Anything else (deflate, br, gzip twice, unknown
// codings) is a 415 naming gzip: Fiber's Ctx.Body would otherwise decompress
// every listed coding in full, with no limit, before any check (a 6.8 KB
// "gzip, gzip" body holding 4 GiB of zeros took a 3 GiB server down). The
// Content-Encoding header is then removed, so that nothing decompresses the
// body again.
func (s *Server) decodeBody(c *fiber.Ctx) error {
	req := c.Request()
	limit := s.bodyLimit
	if uploadRoute(c.Method(), c.Path()) {
		limit = max(limit, uploadBodyLimit)
	}
	if len(req.Body()) > limit {
		return newProblem(fiber.StatusRequestEntityTooLarge, "body_too_large")
	}
	var codings []string
	for _, v := range req.Header.PeekAll(fiber.HeaderContentEncoding) {
		for _, tok := range strings.Split(string(v), ",") {
			tok = strings.ToLower(strings.TrimSpace(tok))
			if tok != "" && tok != "identity" { // identity changes nothing
				codings = append(codings, tok)
			}
		}
	}
	if len(codings) == 0 {
		req.Header.Del(fiber.HeaderContentEncoding)
		return c.Next()
	}
	if len(codings) > 1 || (codings[0] != "gzip" && codings[0] != "x-gzip") {
		// RFC 9110 section 15.5.16: name the codings that would be taken.
		c.Set(fiber.HeaderAcceptEncoding, acceptedEncodings)
		return newProblem(fiber.StatusUnsupportedMediaType, "unsupported_content_encoding")
	}
	req.Header.Del(fiber.HeaderContentEncoding)
	raw := req.Body() // Content-Encoding removed: fasthttp's raw body
	if len(raw) == 0 {
		return c.Next()
	}
	body, err := gunzipLimited(raw, limit)
	if err != nil {
		return err
	}
	req.SetBodyRaw(body)
	req.Header.SetContentLength(len(body))
	return c.Next()
}

// gunzipLimited decompresses a gzip body, stopping as soon as the result
// passes limit bytes (a 413). Corrupt data is a 400.
func gunzipLimited(raw []byte, limit int) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		return nil, newProblem(fiber.StatusBadRequest, "malformed_gzip")
	}
	defer zr.Close()
	// Start at a guess (gzip shrinks JSON about five times) and let the
	// buffer grow; it never holds more than limit+1 bytes.
	out := bytes.NewBuffer(make([]byte, 0, min(limit+1, 5*len(raw)+512)))
	n, err := out.ReadFrom(io.LimitReader(zr, int64(limit)+1))
	if n > int64(limit) {
		return nil, newProblem(fiber.StatusRequestEntityTooLarge, "body_too_large")
	}
	if err != nil {
		return nil, newProblem(fiber.StatusBadRequest, "malformed_gzip")
	}
	return out.Bytes(), nil
}

// decodeJSON reads the request body into v. A body that is not JSON is a
// 415, malformed JSON a 400, and a value of the wrong type or an unknown
// field a 422 pointing at the field.
func decodeJSON(c *fiber.Ctx, v any) error {
	mt, _, err := mime.ParseMediaType(c.Get(fiber.HeaderContentType))
	if err != nil || (mt != fiber.MIMEApplicationJSON && !strings.HasSuffix(mt, "+json")) {
		return newProblem(fiber.StatusUnsupportedMediaType, "unsupported_media_type")
	}
	return decodeStrict(c.Body(), v)
}

// decodeStrict decodes one JSON value into v exactly (strictjson.Decode):
// a member named twice is a 400 pointing at it, an unknown member or a
// wrong type a 422 with a pointer, anything else that is not one JSON
// value a 400 with its line and column.
func decodeStrict(body []byte, v any) error {
	err := strictjson.Decode(body, v)
	var e *strictjson.Error
	switch {
	case err == nil:
		return nil
	case !errors.As(err, &e):
		return err
	case e.Duplicate:
		p := newProblem(fiber.StatusBadRequest, "duplicate_key")
		p.fields = []surveys.FieldError{*e.Field}
		return p
	case e.Field != nil:
		return &surveys.ValidationError{Errors: []surveys.FieldError{*e.Field}}
	}
	// The message gives the line and column, which an editor shows;
	// Offset stays in the message's data for older translations.
	return newProblem(fiber.StatusBadRequest, "malformed_json").with("Offset", e.Offset).with("Line", e.Line).with("Column", e.Column)
}
