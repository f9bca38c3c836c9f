package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"mime"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/youthvoice/youthvoice/surveys"
)

// decodeJSON reads the request body into v. A body that is not JSON is a
// 415, malformed JSON a 400, and a value of the wrong type or an unknown
// field a 422 pointing at the field.
func decodeJSON(c *fiber.Ctx, v any) error {
	mt, _, err := mime.ParseMediaType(c.Get(fiber.HeaderContentType))
	if err != nil || (mt != fiber.MIMEApplicationJSON && !strings.HasSuffix(mt, "+json")) {
		return newProblem(fiber.StatusUnsupportedMediaType, "unsupported_media_type")
	}
	dec := json.NewDecoder(bytes.NewReader(c.Body()))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonProblem(err)
	}
	if dec.More() {
		return newProblem(fiber.StatusBadRequest, "malformed_json").with("Offset", dec.InputOffset())
	}
	return nil
}

// jsonProblem explains a decoding error.
func jsonProblem(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return newProblem(fiber.StatusBadRequest, "malformed_json").with("Offset", syn.Offset)
	case errors.As(err, &typ):
		return &surveys.ValidationError{Errors: []surveys.FieldError{{
			Pointer: dottedToPointer(typ.Field),
			Code:    surveys.CodeInvalidType,
			Params:  map[string]any{"Expected": typ.Type.Kind().String()},
		}}}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return &surveys.ValidationError{Errors: []surveys.FieldError{{Pointer: surveys.Pointer(name), Code: surveys.CodeUnknownField}}}
	}
	// io.ErrUnexpectedEOF, an empty body and the like.
	return newProblem(fiber.StatusBadRequest, "malformed_json").with("Offset", 0)
}

// dottedToPointer turns encoding/json's "a.b.0.c" field path into a JSON
// pointer.
func dottedToPointer(field string) string {
	if field == "" {
		return ""
	}
	parts := strings.Split(field, ".")
	tokens := make([]any, len(parts))
	for i, p := range parts {
		tokens[i] = p
	}
	return surveys.Pointer(tokens...)
}
