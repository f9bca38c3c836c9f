package api

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"mime"
	"reflect"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/gofiber/fiber/v2"

	"github.com/youthvoice/youthvoice/surveys"
)

// codeDuplicateKey is the field code of an object member named twice.
const codeDuplicateKey surveys.Code = "duplicate_key"

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
	body, err := gunzipLimited(raw, s.bodyLimit)
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

// decodeStrict decodes one JSON value into v exactly: member names match
// their fields case-sensitively ("Submission_Id" is not "submission_id"),
// a member named twice anywhere in the document is a 400 pointing at it
// (encoding/json kept the last one, so a proxy or log could see one value
// and the server act on another), an unknown member or a wrong type is a
// 422 with a pointer, and anything after the value or invalid UTF-8 is
// malformed JSON. These are the defaults of encoding/json/v2
// (github.com/go-json-experiment/json), plus RejectUnknownMembers.
func decodeStrict(body []byte, v any) error {
	if err := json.Unmarshal(body, v, json.RejectUnknownMembers(true)); err != nil {
		return jsonProblem(body, err)
	}
	return nil
}

// jsonProblem explains a decoding error of body.
func jsonProblem(body []byte, err error) error {
	var syn *jsontext.SyntacticError
	var sem *json.SemanticError
	switch {
	case errors.As(err, &syn) && errors.Is(syn.Err, jsontext.ErrDuplicateName):
		p := newProblem(fiber.StatusBadRequest, "duplicate_key")
		p.fields = []surveys.FieldError{{Pointer: string(syn.JSONPointer), Code: codeDuplicateKey}}
		return p
	case errors.As(err, &syn):
		return malformed(body, syn.ByteOffset)
	case errors.As(err, &sem) && errors.Is(sem.Err, json.ErrUnknownName):
		// The pointer names the member in its object
		// (/sections/0/questions/2/colour); the message lists the
		// object's fields, so a misspelling shows.
		ptr := string(sem.JSONPointer)
		return &surveys.ValidationError{Errors: []surveys.FieldError{{Pointer: ptr, Code: surveys.CodeUnknownField,
			Params: map[string]any{"Field": lastToken(ptr), "Fields": strings.Join(jsonFields(sem.GoType), ", ")}}}}
	case errors.As(err, &sem):
		// A syntax error inside a value handed to a legacy UnmarshalJSON
		// method (json.RawMessage) is still malformed JSON.
		if errors.As(sem.Err, &syn) {
			return malformed(body, sem.ByteOffset+syn.ByteOffset)
		}
		return &surveys.ValidationError{Errors: []surveys.FieldError{{
			Pointer: string(sem.JSONPointer),
			Code:    surveys.CodeInvalidType,
			Params:  map[string]any{"Expected": jsonTypeOf(sem.GoType)},
		}}}
	}
	// An empty body and the like.
	return malformed(body, int64(len(body)))
}

// malformed is the 400 for a syntax error at byte offset off of body: its
// message gives the line and column (in characters, from 1), which an
// editor shows, rather than the byte offset (which it does not); Offset
// stays in the message's data for older translations.
func malformed(body []byte, off int64) *problemError {
	line, col := lineColumn(body, off)
	return newProblem(fiber.StatusBadRequest, "malformed_json").with("Offset", off).with("Line", line).with("Column", col)
}

// lineColumn converts a byte offset of body into a line and a column, both
// from 1; the column counts characters (a broken UTF-8 byte counts as
// one). An offset past the end is the end.
func lineColumn(body []byte, off int64) (line, col int) {
	off = max(0, min(off, int64(len(body))))
	before := body[:off]
	line = bytes.Count(before, []byte{'\n'}) + 1
	lineStart := bytes.LastIndexByte(before, '\n') + 1
	return line, utf8.RuneCount(before[lineStart:]) + 1
}

// lastToken is the last token of a JSON pointer, unescaped (RFC 6901).
func lastToken(ptr string) string {
	tok := ptr[strings.LastIndexByte(ptr, '/')+1:]
	return strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
}

// jsonFields lists the JSON member names of a struct type, in order: the
// fields an object of that type may have.
func jsonFields(t reflect.Type) []string {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || t.Kind() != reflect.Struct {
		return nil
	}
	var names []string
	for f := range t.Fields() {
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch {
		case name == "-":
			continue
		case name == "":
			name = f.Name
		}
		names = append(names, name)
	}
	return names
}

var (
	timeType  = reflect.TypeFor[time.Time]()
	textType  = reflect.TypeFor[surveys.Text]()
	textsType = reflect.TypeFor[map[string]surveys.Text]()
)

// jsonTypeOf names the kind of value a Go type is decoded from, for a
// wrong type's message: a token each language's message explains in
// words an organiser knows ("text": a text in each language, like
// {"en": "..."}).
func jsonTypeOf(t reflect.Type) string {
	if t == nil {
		return "value"
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t {
	case timeType:
		return "date-time"
	case textType:
		return "text"
	case textsType:
		return "texts"
	}
	switch t.Kind() {
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "integer"
	case reflect.Float32, reflect.Float64:
		return "number"
	case reflect.String:
		return "string"
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return "string" // []byte and json.RawMessage
		}
		return "list"
	case reflect.Map, reflect.Struct:
		return "object"
	}
	return "value"
}
